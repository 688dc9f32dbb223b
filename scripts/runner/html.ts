// The HTML page of an executed notebook (results/<name>.html), written by scripts/run-notebooks.ts.
// It needs no network at view time and works from file://: the charts are drawn live from their
// Vega-Lite specs by vega and vega-lite from <out>/assets/ (scripts/site/page.ts), with the static
// SVG/PNG the notebook sent as the fallback without scripts; images are the figure files beside the
// page (<name>/figure-*, each stored once: figures.ts); math is KaTeX's HTML with its stylesheet and
// fonts from <out>/assets/katex/ (markdown.ts).
import {
  IMAGE_MIMES,
  dataString,
  joinSource,
  type Cell,
  type JsonObject,
  type Notebook,
  type Output,
} from "./notebook";
import { renderMarkdown } from "./markdown";
import { formatDuration } from "./progress";
import { figureFiles, type FigureFile } from "./figures";
import { ASSET_URLS } from "../site/assets";

export type RunStatus = "ok" | "failed" | "interrupted";

export interface RunSummary {
  status: RunStatus;
  /** The failed or interrupted cell, 1-based among all cells of the executed notebook. */
  cell?: number;
  /** Why the run stopped early, e.g. "interrupted by SIGINT". */
  note?: string;
  durationMs: number;
  startedAt: string;
  parameters: JsonObject;
  preset?: string;
  /** The source notebook as given on the command line. */
  source: string;
}

export interface KeyNumber {
  name: string;
  text: string;
}

/** The MIME type of lab.summary's output (SUMMARY_MIME of src/notebook/summary.ts). */
export const SUMMARY_MIME = "application/vnd.bptt-lab.summary+json";

/** A lab.summary output's entries, or undefined if the value is not one. */
export function summaryEntries(value: unknown): KeyNumber[] | undefined {
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return undefined;
  return entries.flatMap((e: unknown) => {
    const { name, text, value: raw } = (e ?? {}) as { name?: unknown; text?: unknown; value?: unknown };
    if (typeof name !== "string") return [];
    const shown =
      typeof text === "string" ? text : typeof raw === "number" || typeof raw === "string" ? String(raw) : undefined;
    return shown === undefined ? [] : [{ name, text: shown }];
  });
}

/** Every lab.summary number of an executed notebook, in order of first appearance; a later value replaces an earlier one of the same name. */
export function keyNumbersOf(nb: Notebook): KeyNumber[] {
  const byName = new Map<string, KeyNumber>();
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const output of cell.outputs) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      for (const entry of summaryEntries(output.data[SUMMARY_MIME]) ?? []) byName.set(entry.name, entry);
    }
  }
  return [...byName.values()];
}

export function statusText(run: Pick<RunSummary, "status" | "cell">): string {
  if (run.status === "ok") return "ok";
  const where = run.cell === undefined ? "" : ` at cell ${run.cell}`;
  return run.status === "failed" ? `failed${where}` : `interrupted${where}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- terminal colour codes (ESC [ … m) are what is removed
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

function imageSize(metadata: JsonObject, mime: string): string {
  const meta = metadata[mime];
  if (!meta || typeof meta !== "object") return "";
  const { width, height } = meta as { width?: unknown; height?: unknown };
  return (
    (typeof width === "number" ? ` width="${width}"` : "") + (typeof height === "number" ? ` height="${height}"` : "")
  );
}

/** The MIME type of a Vega-Lite chart (VEGA_LITE_MIME of src/notebook/display.ts). */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** What the page knows about an output beyond its bundle. */
interface OutputContext {
  /** The output's image as a file beside the page (figures.ts), if it shows one. */
  figure?: FigureFile;
  /** The chart's element id: chart-<cell>-<k>. */
  chartId: string;
}

/** JSON inside <script type="application/json">: "<" escaped, so no "</script>" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function staticImage(
  data: JsonObject,
  metadata: JsonObject,
  figure: FigureFile | undefined,
  className: string,
  alt: string,
): string | undefined {
  // The figure file when there is one (the same bytes as the output's image), else the output's own data.
  const mime = figure?.mime ?? IMAGE_MIMES.find((m) => dataString(data[m]) !== undefined);
  if (mime === undefined) return undefined;
  let src: string;
  if (figure) src = encodeURI(figure.file);
  else {
    const value = dataString(data[mime]) ?? "";
    src = `data:${mime};base64,${mime === "image/svg+xml" ? Buffer.from(value).toString("base64") : value.replace(/\s/g, "")}`;
  }
  return `<img class="${className}" src="${src}"${imageSize(metadata, mime)} alt="${escapeHtml(alt)}">`;
}

/**
 * A Vega-Lite chart: drawn live by the page script from the spec, the static image shown until then
 * and in its place when scripts are off or the chart cannot be drawn.
 */
function renderChart(data: JsonObject, metadata: JsonObject, context: OutputContext): string {
  const alt = dataString(data["text/plain"]) ?? "chart";
  const fallback =
    staticImage(data, metadata, context.figure, "chart-static", alt) ??
    `<p class="note chart-static">(${escapeHtml(alt)}: drawn by the page script)</p>`;
  return (
    `<figure class="chart" id="${context.chartId}"><div class="chart-live"></div>${fallback}` +
    `<script type="application/json" class="chart-spec">${scriptJson(data[VEGA_LITE_MIME])}</script></figure>`
  );
}

/** The richest representation of a MIME bundle the page can show. */
function renderBundle(data: JsonObject, metadata: JsonObject, context: OutputContext): string {
  const keyNumbers = summaryEntries(data[SUMMARY_MIME]);
  if (keyNumbers) {
    const rows = keyNumbers
      .map((k) => `<tr><th>${escapeHtml(k.name)}</th><td>${escapeHtml(k.text)}</td></tr>`)
      .join("");
    const title = (data[SUMMARY_MIME] as { title?: unknown }).title;
    const caption = escapeHtml(typeof title === "string" ? title : "Key numbers");
    return `<table class="summary"><caption>${caption}</caption>${rows}</table>`;
  }
  const spec = data[VEGA_LITE_MIME];
  if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) return renderChart(data, metadata, context);
  const image = staticImage(data, metadata, context.figure, "figure", dataString(data["text/plain"]) ?? "");
  if (image !== undefined) return `<div class="image">${image}</div>`;
  const html = dataString(data["text/html"]);
  if (html !== undefined) return `<div class="html">${html}</div>`;
  const markdown = dataString(data["text/markdown"]) ?? dataString(data["text/latex"]);
  if (markdown !== undefined) return `<div class="markdown">${renderMarkdown(markdown)}</div>`;
  const text = dataString(data["text/plain"]);
  if (text !== undefined) return `<pre class="text">${codeLines(stripAnsi(text))}</pre>`;
  const kinds = Object.keys(data).join(", ");
  return `<p class="note">(${escapeHtml(kinds)} output with no static representation)</p>`;
}

function renderOutput(output: Output, context: OutputContext): string {
  switch (output.output_type) {
    case "stream":
      return `<pre class="stream ${output.name}">${codeLines(stripAnsi(joinSource(output.text)))}</pre>`;
    case "display_data":
    case "execute_result":
      return renderBundle(output.data, output.metadata ?? {}, context);
    case "error":
      return (
        `<div class="error"><div class="ename">${escapeHtml(`${output.ename}: ${output.evalue}`)}</div>` +
        `<pre>${codeLines(stripAnsi(output.traceback.join("\n")))}</pre></div>`
      );
  }
}

function durationOf(cell: Cell): number | undefined {
  const ours = cell.metadata?.bptt_lab as { duration_ms?: unknown } | undefined;
  return typeof ours?.duration_ms === "number" ? ours.duration_ms : undefined;
}

/**
 * Code and printed text wrap on narrow pages, but a wrapped line must not pass for a new one: each
 * line is a block whose continuation rows hang 4 characters deeper than the line's own indentation.
 */
function codeLines(source: string): string {
  return source
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const hang = (/^ */.exec(line)?.[0].length ?? 0) + 4;
      return `<span class="line" style="padding-left:${hang}ch;text-indent:-${hang}ch">${escapeHtml(line) || " "}</span>`;
    })
    .join("");
}

function renderCell(cell: Cell, number: number, notebookDir: string, figures: Map<Output, FigureFile>): string {
  const source = joinSource(cell.source);
  if (cell.cell_type === "markdown") {
    const body = renderMarkdown(source, { attachments: cell.attachments, baseDir: notebookDir });
    return `<section class="cell markdown" id="cell-${number}">${body}</section>`;
  }
  if (cell.cell_type === "raw") {
    return `<section class="cell raw" id="cell-${number}"><pre>${escapeHtml(source)}</pre></section>`;
  }
  const ran = cell.execution_count !== null;
  const duration = durationOf(cell);
  const head =
    `<div class="cell-head"><span>[${ran ? cell.execution_count : " "}]</span><span>cell ${number}</span>` +
    `<span class="dur">${ran ? (duration === undefined ? "" : formatDuration(duration)) : "not run"}</span></div>`;
  let charts = 0;
  const rendered = cell.outputs.map((output) => {
    const isChart =
      (output.output_type === "display_data" || output.output_type === "execute_result") &&
      output.data[VEGA_LITE_MIME] !== undefined;
    if (isChart) charts += 1;
    return renderOutput(output, { figure: figures.get(output), chartId: `chart-${number}-${charts}` });
  });
  const outputs = rendered.length ? `<div class="outputs">${rendered.join("\n")}</div>` : "";
  return (
    `<section class="cell code${ran ? "" : " not-run"}" id="cell-${number}">${head}` +
    `<pre class="source"><code class="language-typescript">${codeLines(source)}</code></pre>${outputs}</section>`
  );
}

function formatParameters(run: RunSummary): string {
  const entries = Object.entries(run.parameters);
  const preset = run.preset ? `preset <code>${escapeHtml(run.preset)}</code>` : "";
  if (entries.length === 0) return preset;
  const list = entries.map(([k, v]) => `<code>${escapeHtml(`${k}=${JSON.stringify(v)}`)}</code>`).join(", ");
  return [preset, `parameters ${list}`].filter(Boolean).join("; ");
}

export interface NotebookPageOptions {
  nb: Notebook;
  /** The results name: <name>.ipynb beside the page. */
  name: string;
  title: string;
  /** The source notebook's folder, for relative images in markdown cells. */
  notebookDir: string;
  run: RunSummary;
}

export function renderNotebookPage({ nb, name, title, notebookDir, run }: NotebookPageOptions): string {
  const status = statusText(run);
  const cellLink = run.cell === undefined ? status : `<a href="#cell-${run.cell}">${escapeHtml(status)}</a>`;
  const facts = [
    `<strong class="status-${run.status}">${cellLink}</strong>`,
    run.note ? escapeHtml(run.note) : "",
    `total ${formatDuration(run.durationMs)}`,
    `run ${escapeHtml(run.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}`,
    formatParameters(run),
    `source <code>${escapeHtml(run.source)}</code>`,
  ].filter(Boolean);
  const keys = keyNumbersOf(nb);
  const keyLine = keys.length
    ? `<div class="run-keys">${keys.map((k) => `<span>${escapeHtml(k.name)} <strong>${escapeHtml(k.text)}</strong></span>`).join("")}</div>`
    : "";
  const figures = figureFiles(nb, name);
  const cells = nb.cells.map((cell, i) => renderCell(cell, i + 1, notebookDir, figures)).join("\n");
  const hasCharts = cells.includes('<figure class="chart"');
  // Scripts at the end: the text and the static figures show before vega has loaded.
  const scripts = hasCharts
    ? [ASSET_URLS.vega, ASSET_URLS.vegaLite, ASSET_URLS.site].map((src) => `<script src="${src}"></script>`).join("\n")
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${ASSET_URLS.katexCss}">
<link rel="stylesheet" href="${ASSET_URLS.baseCss}">
<link rel="stylesheet" href="${ASSET_URLS.pageCss}">
</head>
<body>
<main>
<p class="crumbs"><a href="index.html">← All results</a> · <a href="${encodeURI(name)}.ipynb">${escapeHtml(name)}.ipynb</a></p>
<div class="run ${run.status}">${facts.join(" · ")}${keyLine}</div>
${cells}
</main>
${scripts}
</body>
</html>
`;
}
