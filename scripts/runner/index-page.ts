// results/index.html and its manifest results/index.json, rewritten by scripts/run-notebooks.ts
// after each notebook. The manifest keeps notebooks of earlier runs listed while their
// results are still in the folder.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./notebook";
import { BASE_CSS, escapeHtml, statusText, type RunStatus } from "./html";
import { formatDuration } from "./progress";

export interface IndexEntry {
  name: string;
  title: string;
  status: RunStatus;
  cell?: number;
  durationMs: number;
  startedAt: string;
  /** The first image output, relative to the output folder. */
  thumbnail?: string;
}

interface Manifest {
  version: 1;
  notebooks: IndexEntry[];
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
  const manifestFile = path.join(outDir, "index.json");
  const entries = readManifest(manifestFile)
    .filter((e) => e.name !== entry.name && fs.existsSync(path.join(outDir, `${e.name}.ipynb`)))
    .concat(entry)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const manifest: Manifest = { version: 1, notebooks: entries };
  writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + "\n");
  writeFileAtomic(path.join(outDir, "index.html"), renderIndex(entries));
}

const INDEX_CSS = `
h1 { font-size: 26px; margin: 0 0 16px; }
table { width: 100%; }
td.thumb { width: 200px; }
td.thumb img { display: block; max-width: 180px; max-height: 120px; background: #fff; }
td .links { font-size: 13px; color: var(--muted); }
`;

function renderIndex(entries: IndexEntry[]): string {
  const rows = entries.map((e) => {
    const href = encodeURI(e.name);
    const thumb = e.thumbnail ? `<a href="${href}.html"><img src="${encodeURI(e.thumbnail)}" alt="" loading="lazy"></a>` : "";
    return (
      `<tr><td class="thumb">${thumb}</td>` +
      `<td><a href="${href}.html">${escapeHtml(e.title)}</a><div class="links">${escapeHtml(e.name)} · ` +
      `<a href="${href}.html">html</a> · <a href="${href}.ipynb">ipynb</a></div></td>` +
      `<td class="status-${e.status}">${escapeHtml(statusText(e))}</td>` +
      `<td>${formatDuration(e.durationMs)}</td>` +
      `<td>${escapeHtml(e.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}</td></tr>`
    );
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bptt-lab notebooks</title>
<style>${BASE_CSS}${INDEX_CSS}</style>
</head>
<body>
<main>
<h1>bptt-lab notebooks</h1>
<table>
<thead><tr><th>Figure</th><th>Notebook</th><th>Status</th><th>Duration</th><th>Run</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</main>
</body>
</html>
`;
}
