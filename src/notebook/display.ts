/**
 * Rich output in tslab notebooks: one display_data message per chart carrying the Vega-Lite spec
 * (JupyterLab 4 draws it natively), static fallbacks and a text description. Used by every
 * notebook (show, showGif, showMarkdown, showHtml) and by src/notebook/progress.ts (createDisplay,
 * updatable output).
 *
 * The fallbacks are chosen for a notebook opened without trust, which is every notebook a reader
 * did not run themselves (the runner's results/*.ipynb, a download): Jupyter then withholds SVG and
 * scripts, and shows PNG, JPEG and GIF, and HTML after sanitising it. So every chart carries a PNG
 * (drawn at the chart's size), and small charts an SVG beside it, which trusted notebooks,
 * nbconvert's HTML export, GitHub and the results pages prefer for its crisp text.
 * A GIF is stored once, as an HTML <img> (shown by JupyterLab, the classic Notebook, nbconvert).
 *
 * Why not tslab.display: it sends one MIME type per message, so a chart with fallbacks would be
 * three outputs. tslab's kernel takes a whole bundle through an internal writer, which
 * src/notebook/tslab-adapter.ts (the one module that touches tslab's internals) finds.
 * Outside a kernel (plain node, tests, scripts) nothing is sent and the text goes to stdout.
 */
import { randomUUID } from "crypto";
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";
import { svgToPng } from "../render/png";
import { renderSvg } from "../render/svg";
import { kernelDisplayWriter } from "./tslab-adapter";

/** A Jupyter MIME bundle: MIME type → content (JSON-able objects for JSON MIME types). */
export type MimeBundle = Record<string, string | object>;

export interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** tslab's writer: update=false sends display_data, update=true sends update_display_data. */
export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

let injectedWriter: DisplayWriter | null | undefined;

/**
 * Overrides the writer (tests, other front-ends); `undefined` goes back to finding tslab's.
 * `null` forces "not in a notebook".
 */
export function setDisplayWriter(writer: DisplayWriter | null | undefined): void {
  injectedWriter = writer;
}

/** The kernel's writer (src/notebook/tslab-adapter.ts), or null outside a notebook. */
export function currentDisplayWriter(): DisplayWriter | null {
  if (injectedWriter !== undefined) return injectedWriter;
  return kernelDisplayWriter() as DisplayWriter | null;
}

/** True when outputs go to a notebook (a kernel's writer or an injected one). */
export function inNotebook(): boolean {
  return currentDisplayWriter() !== null;
}

/** Sends one bundle as a new output; outside a notebook prints its text/plain. */
export function displayBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): void {
  const write = currentDisplayWriter();
  if (write === null) {
    const text = data["text/plain"];
    if (typeof text === "string") console.log(text);
    return;
  }
  write({ data, metadata, transient: {} }, false);
}

export interface ShowOptions {
  /**
   * Static images beside the spec: 'svg' (default; small charts: SVG and PNG) or 'png' (heavy
   * charts, e.g. surfaces, whose SVG would be large: PNG only). The PNG is what an untrusted
   * notebook shows.
   */
  fallback?: "svg" | "png";
  /** The text/plain description (default: the chart's title). */
  text?: string;
}

/**
 * Shows a chart: one output with the Vega-Lite spec, a PNG (and, for small charts, an SVG) and a text line.
 * Await it: the fallback is rendered first, and an output sent after the cell ended may be lost.
 */
export async function show(spec: TopLevelSpec, options: ShowOptions = {}): Promise<void> {
  rejectUnknownOptions("show", options, ["fallback", "text"]);
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError(
      `show: expected a Vega-Lite spec object (from lineChart, lossSurfaceFigure, …), got ${describe(spec)}`,
    );
  }
  const fallback = options.fallback ?? "svg";
  if (fallback !== "svg" && fallback !== "png")
    throw new TypeError(`show: fallback must be 'svg' or 'png', got ${describe(fallback)}`);
  const text = options.text ?? describeSpec(spec);
  if (currentDisplayWriter() === null) {
    // Nothing can draw here; skip rendering and say what would have been shown.
    console.log(text);
    return;
  }
  const svg = await renderSvg(spec);
  const data: MimeBundle = { [VEGA_LITE_MIME]: toPlainObject(spec), "text/plain": text };
  const metadata: Record<string, unknown> = {};
  if (fallback === "svg") data["image/svg+xml"] = svg;
  // A PNG beside an SVG is only what an untrusted notebook shows: 1× pixels keep it about the
  // SVG's size (2× made lab 001's notebook 2.6 times larger). Alone, it is the figure
  // everywhere: 2× pixels, sharp on dense screens.
  const scale = fallback === "svg" ? 1 : 2;
  const png = svgToPng(svg, { scale });
  data["image/png"] = Buffer.from(png).toString("base64");
  // Drawn at the chart's own size.
  const size = pngSize(png);
  if (size !== undefined)
    metadata["image/png"] = { width: Math.round(size.width / scale), height: Math.round(size.height / scale) };
  displayBundle(data, metadata);
}

export interface ShowGifOptions {
  /** Alternative text, also the text/plain output. */
  alt: string;
}

/**
 * Shows a GIF inline, stored once: as an HTML <img> with the GIF as a data URL, which JupyterLab,
 * the classic Notebook (also untrusted: sanitising keeps the image) and nbconvert's HTML export
 * all show, whereas nbconvert drops image/gif. Bytes twice (image/gif and an <img> copy) made
 * lab 000's notebook twice its size.
 */
export function showGif(bytes: Uint8Array, options: ShowGifOptions): void {
  rejectUnknownOptions("showGif", options, ["alt"]);
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(
      `showGif: bytes must be the GIF file's Uint8Array (from encodeGif/animateSpecs), got ${describe(bytes)}`,
    );
  if (typeof options?.alt !== "string")
    throw new TypeError(`showGif: pass {alt: 'what the animation shows'}, got ${describe(options?.alt)}`);
  const base64 = Buffer.from(bytes).toString("base64");
  displayBundle({
    "text/html": `<img src="data:image/gif;base64,${base64}" alt="${escapeHtml(options.alt)}">`,
    "text/plain": options.alt,
  });
}

/** Shows Markdown (rendered by Jupyter), with the source as text/plain. */
export function showMarkdown(markdown: string): void {
  if (typeof markdown !== "string")
    throw new TypeError(`showMarkdown: expected a Markdown string, got ${describe(markdown)}`);
  displayBundle({ "text/markdown": markdown, "text/plain": markdown });
}

/** Shows HTML, with its text content as text/plain. */
export function showHtml(html: string, options: { text?: string } = {}): void {
  rejectUnknownOptions("showHtml", options, ["text"]);
  if (typeof html !== "string") throw new TypeError(`showHtml: expected an HTML string, got ${describe(html)}`);
  displayBundle({ "text/html": html, "text/plain": options.text ?? htmlToText(html) });
}

/** An output that can be replaced in place (live progress, a chart redrawn each epoch). */
export interface UpdatableDisplay {
  readonly id: string;
  /** First call creates the output; later calls replace it. */
  write(data: MimeBundle, metadata?: Record<string, unknown>): void;
  text(text: string): void;
  html(html: string, text?: string): void;
  markdown(markdown: string): void;
}

/**
 * A display with its own display_id: the first write is display_data, later ones are
 * update_display_data for the same id. Outside a notebook each write prints its text/plain.
 */
export function createDisplay(options: { id?: string } = {}): UpdatableDisplay {
  rejectUnknownOptions("createDisplay", options, ["id"]);
  const id = options.id ?? randomUUID();
  let shown = false;
  const write = (data: MimeBundle, metadata: Record<string, unknown> = {}): void => {
    const writer = currentDisplayWriter();
    if (writer === null) {
      const text = data["text/plain"];
      if (typeof text === "string") console.log(text);
      return;
    }
    writer({ data, metadata, transient: { display_id: id } }, shown);
    shown = true;
  };
  return {
    id,
    write,
    text: (text) => write({ "text/plain": text }),
    html: (html, text) => write({ "text/html": html, "text/plain": text ?? htmlToText(html) }),
    markdown: (markdown) => write({ "text/markdown": markdown, "text/plain": markdown }),
  };
}

/** A one-line description from the spec's title(s), for text/plain and terminals. */
export function describeSpec(spec: TopLevelSpec): string {
  const titles: string[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== "object" || depth > 3) return;
    const n = node as Record<string, unknown>;
    const t = n.title;
    const text =
      typeof t === "string" ? t : typeof t === "object" && t !== null ? (t as { text?: unknown }).text : undefined;
    if (typeof text === "string") titles.push(text);
    else if (Array.isArray(text)) titles.push(text.join(" "));
    for (const key of ["hconcat", "vconcat", "concat"]) {
      if (Array.isArray(n[key])) (n[key] as unknown[]).forEach((c) => visit(c, depth + 1));
    }
  };
  visit(spec, 0);
  return titles.length > 0 ? `[chart] ${titles.join(" | ")}` : "[chart]";
}

/** JSON round trip: the kernel must get plain data (no typed arrays, no undefined, no -0). */
function toPlainObject(spec: TopLevelSpec): object {
  return JSON.parse(JSON.stringify(spec)) as object;
}

function pngSize(png: Uint8Array): { width: number; height: number } | undefined {
  if (png.length < 24) return undefined;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
