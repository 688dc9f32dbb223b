// Image outputs of an executed notebook as files, results/<name>/figure-<cell>-<k>.<ext>, for
// scripts/run-notebooks.ts: the notebook pages show these files (each figure stored once in the
// site), the index uses them as thumbnails, and they can be reused in slides or docs.
import fs from "node:fs";
import path from "node:path";
import { FIGURE_EXTENSIONS, IMAGE_MIMES, dataString, writeFileAtomic, type Notebook, type Output } from "./notebook";

export interface FigureFile {
  mime: string;
  /** Relative to the output folder, with "/" separators, usable as a URL. */
  file: string;
}

const FIGURE_NAME = /^figure-\d+-\d+\.(svg|png|gif|jpg)$/;

/** Removes the figures of an earlier run, so that none outlive the outputs they came from. */
export function clearFigures(outDir: string, name: string): void {
  const dir = path.join(outDir, name);
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) {
    if (FIGURE_NAME.test(entry)) fs.rmSync(path.join(dir, entry), { force: true });
  }
}

/** The cell tag that picks a notebook's headline figure (Jupyter's own cell tags: metadata.tags). */
export const HEADLINE_TAG = "headline";

/** An HTML output that is one inline image (what lab.showGif sends for HTML exports): its MIME type and base64. */
const INLINE_IMAGE_HTML = /^\s*<img\s+src="data:(image\/(?:gif|png|jpeg));base64,([A-Za-z0-9+/=\s]+)"[^>]*>\s*$/;

interface FigureSource extends FigureFile {
  /** The file's bytes: SVG text, or the decoded base64 of the image. */
  bytes(): string | Buffer;
}

/** The figure of one output, if it shows an image: its richest image representation, one file. */
function figureSource(output: Output, file: (ext: string) => string): FigureSource | undefined {
  if (output.output_type !== "display_data" && output.output_type !== "execute_result") return undefined;
  for (const mime of IMAGE_MIMES) {
    const value = dataString(output.data[mime]);
    if (value === undefined) continue;
    return {
      mime,
      file: file(FIGURE_EXTENSIONS[mime] as string),
      bytes: () => (mime === "image/svg+xml" ? value : Buffer.from(value.replace(/\s/g, ""), "base64")),
    };
  }
  const inline = INLINE_IMAGE_HTML.exec(dataString(output.data["text/html"]) ?? "");
  if (inline) {
    const [, mime, base64] = inline as unknown as [string, string, string];
    return {
      mime,
      file: file(FIGURE_EXTENSIONS[mime] as string),
      bytes: () => Buffer.from(base64.replace(/\s/g, ""), "base64"),
    };
  }
  return undefined;
}

function figureSources(nb: Notebook, name: string): Map<Output, FigureSource> {
  const sources = new Map<Output, FigureSource>();
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    let k = 0;
    for (const output of cell.outputs) {
      const source = figureSource(output, (ext) => `${name}/figure-${i + 1}-${k + 1}.${ext}`);
      if (!source) continue;
      k += 1;
      sources.set(output, source);
    }
  });
  return sources;
}

/**
 * The figure file of each output that shows an image (the files writeFigures writes), keyed by the
 * output object: figure-<cell>-<k>, cell 1-based among all cells, k counting the image outputs of
 * that cell. One file per output, of its richest image (SVG, else PNG, GIF, JPEG; an HTML output
 * that is one inline image counts as that image): the notebook pages show these files instead of
 * a second copy of the same bytes.
 */
export function figureFiles(nb: Notebook, name: string): Map<Output, FigureFile> {
  const files = new Map<Output, FigureFile>();
  for (const [output, { mime, file }] of figureSources(nb, name)) files.set(output, { mime, file });
  return files;
}

/**
 * Writes the figure file of every image output (figureFiles). Returns the headline figure: the
 * first image of the first cell tagged "headline", else the notebook's first image.
 */
export function writeFigures(nb: Notebook, outDir: string, name: string): FigureFile | undefined {
  let first: FigureFile | undefined;
  let tagged: FigureFile | undefined;
  const sources = figureSources(nb, name);
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const isHeadline = Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(HEADLINE_TAG);
    for (const output of cell.outputs) {
      const source = sources.get(output);
      if (!source) continue;
      writeFileAtomic(path.join(outDir, source.file), source.bytes());
      const figure = { mime: source.mime, file: source.file };
      first ??= figure;
      if (isHeadline) tagged ??= figure;
    }
  }
  return tagged ?? first;
}
