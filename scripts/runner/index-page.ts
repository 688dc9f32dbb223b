// results/index.html and its manifest results/index.json, rewritten by scripts/run-notebooks.ts
// after each notebook: one card per lab with its headline figure (the first image output), status,
// run time, preset and key numbers (what the notebook passed to lab.summary, src/notebook/summary.ts),
// linking the lab's page and executed notebook. The manifest keeps notebooks of earlier runs listed
// while their results are still in the folder, and records what each ran: preset, parameters and
// the hash of its source (scripts/site/results-store.ts), which the tracked results are checked
// against. Also refreshes the pages' assets (scripts/site/assets.ts).
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic, type JsonObject, type Notebook } from "./notebook";
import { escapeHtml, keyNumbersOf, statusText, type KeyNumber, type RunStatus } from "./html";
import { formatDuration } from "./progress";
import { ASSET_URLS, writeSiteAssets } from "../site/assets";

export interface IndexEntry {
  name: string;
  title: string;
  status: RunStatus;
  cell?: number;
  durationMs: number;
  startedAt: string;
  /** The first image output, relative to the output folder. */
  thumbnail?: string;
  /** The notebook's key numbers (lab.summary), read from the executed notebook by updateIndex. */
  keyNumbers?: KeyNumber[];
  /** The preset it ran with, read from the executed notebook by updateIndex. */
  preset?: string;
  /** The --param values it ran with (none: the notebook's own), read from the executed notebook by updateIndex. */
  parameters?: JsonObject;
  /** notebookSourceHash of the source it ran (scripts/site/results-store.ts). */
  sourceHash?: string;
}

interface Manifest {
  version: 1;
  notebooks: IndexEntry[];
}

function readExecuted(outDir: string, name: string): Notebook | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, `${name}.ipynb`), "utf8")) as Notebook;
  } catch {
    return undefined;
  }
}

function readManifest(file: string): IndexEntry[] {
  try {
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Manifest>;
    return Array.isArray(manifest.notebooks) ? manifest.notebooks.filter((e) => typeof e?.name === "string") : [];
  } catch {
    // Missing or damaged: the entries of this run rebuild it.
    return [];
  }
}

export function updateIndex(outDir: string, entry: IndexEntry): void {
  const executed = readExecuted(outDir, entry.name);
  const run = (executed?.metadata?.bptt_lab as JsonObject | undefined)?.run as
    { preset?: unknown; parameters?: unknown } | undefined;
  const parameters = run?.parameters && typeof run.parameters === "object" ? (run.parameters as JsonObject) : {};
  const { sourceHash, ...facts } = entry;
  const complete: IndexEntry = {
    ...facts,
    keyNumbers: entry.keyNumbers ?? (executed ? keyNumbersOf(executed) : []),
    preset: entry.preset ?? (typeof run?.preset === "string" ? run.preset : undefined),
    parameters: entry.parameters ?? parameters,
    // last, whoever passes it (the runner's store or the site rebuild): one key order in index.json
    sourceHash,
  };
  const manifestFile = path.join(outDir, "index.json");
  const entries = readManifest(manifestFile)
    .filter((e) => e.name !== entry.name && fs.existsSync(path.join(outDir, `${e.name}.ipynb`)))
    .concat(complete)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const manifest: Manifest = { version: 1, notebooks: entries };
  writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
  writeFileAtomic(path.join(outDir, "index.html"), renderIndex(entries));
  writeSiteAssets(outDir);
}

const INDEX_CSS = `
main { max-width: 1100px; }
header.top { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px 16px; margin: 0 0 20px; }
header.top h1 { font-size: 26px; margin: 0; }
header.top p { margin: 0; color: var(--muted); font-size: 14px; }
.labs { list-style: none; margin: 0; padding: 0; display: grid; gap: 16px; }
.lab { display: grid; grid-template-columns: minmax(0, 340px) minmax(0, 1fr); gap: 18px; align-items: start;
  border: 1px solid var(--line); border-radius: 8px; padding: 14px; }
.lab.failed { border-color: var(--bad); }
.lab.interrupted { border-color: var(--warn); }
.lab .figure { display: flex; align-items: center; justify-content: center; min-height: 120px;
  background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
.lab .figure img { display: block; max-width: 100%; max-height: 240px; width: auto; height: auto; }
.lab .figure.empty { color: var(--muted); font-size: 13px; background: var(--code-bg); }
.lab h2 { font-size: 19px; line-height: 1.35; margin: 0 0 6px; }
.lab h2 a { color: inherit; text-decoration: none; }
.lab h2 a:hover { text-decoration: underline; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 14px; color: var(--muted); margin: 0 0 10px; }
.facts .status { font-weight: 600; }
.keys { border-collapse: collapse; font-size: 14px; margin: 0 0 10px; }
.keys th, .keys td { border: none; border-top: 1px solid var(--line); padding: 3px 14px 3px 0; }
.keys tr:first-child th, .keys tr:first-child td { border-top: none; }
.keys th { font-weight: normal; color: var(--muted); }
.keys td { font-variant-numeric: tabular-nums; font-weight: 600; }
.links { font-size: 14px; }
@media (max-width: 700px) { .lab { grid-template-columns: minmax(0, 1fr); } }
`;

function formatStarted(startedAt: string): string {
  return startedAt.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
}

function renderCard(e: IndexEntry): string {
  const href = `${encodeURI(e.name)}.html`;
  const figure = e.thumbnail
    ? `<a class="figure" href="${href}"><img src="${encodeURI(e.thumbnail)}" alt="Headline figure of ${escapeHtml(e.title)}"></a>`
    : `<div class="figure empty">no figure</div>`;
  const status =
    e.status === "ok" || e.cell === undefined
      ? escapeHtml(statusText(e))
      : `<a href="${href}#cell-${e.cell}">${escapeHtml(statusText(e))}</a>`;
  const facts = [
    `<span class="status status-${e.status}">${status}</span>`,
    `<span>run time ${formatDuration(e.durationMs)}</span>`,
    e.preset ? `<span>preset <code>${escapeHtml(e.preset)}</code></span>` : "",
    `<span>${escapeHtml(formatStarted(e.startedAt))}</span>`,
  ].filter(Boolean);
  const keys = e.keyNumbers?.length
    ? `<table class="keys">${e.keyNumbers.map((k) => `<tr><th>${escapeHtml(k.name)}</th><td>${escapeHtml(k.text)}</td></tr>`).join("")}</table>`
    : "";
  return (
    `<li class="lab ${e.status}" id="${escapeHtml(e.name)}">${figure}<div>` +
    `<h2><a href="${href}">${escapeHtml(e.title)}</a></h2>` +
    `<p class="facts">${facts.join("")}</p>${keys}` +
    `<p class="links"><a href="${href}">page</a> · <a href="${encodeURI(e.name)}.ipynb">${escapeHtml(e.name)}.ipynb</a></p>` +
    `</div></li>`
  );
}

function renderIndex(entries: IndexEntry[]): string {
  const ok = entries.filter((e) => e.status === "ok").length;
  const total = entries.reduce((sum, e) => sum + e.durationMs, 0);
  const summary = `${entries.length} lab${entries.length === 1 ? "" : "s"}, ${ok} ran through · ${formatDuration(total)} in all`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bptt-lab results</title>
<link rel="stylesheet" href="${ASSET_URLS.baseCss}">
<style>${INDEX_CSS}</style>
</head>
<body>
<main>
<header class="top"><h1>bptt-lab results</h1><p>${escapeHtml(summary)}</p></header>
<ul class="labs">
${entries.map(renderCard).join("\n")}
</ul>
</main>
</body>
</html>
`;
}
