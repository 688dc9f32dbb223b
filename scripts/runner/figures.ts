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

/**
 * The figure files of each image output (the files writeFigures writes), keyed by the output object:
 * cell is 1-based among all cells, k counts the image outputs of that cell. The notebook page
 * (html.ts) shows these files rather than a second copy of the same bytes.
 */
export function figureFiles(nb: Notebook, name: string): Map<Output, FigureFile[]> {
  const files = new Map<Output, FigureFile[]>();
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    let k = 0;
    for (const output of cell.outputs) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      const mimes = IMAGE_MIMES.filter((mime) => dataString(output.data[mime]) !== undefined);
      if (mimes.length === 0) continue;
      k += 1;
      files.set(
        output,
        mimes.map((mime) => ({ mime, file: `${name}/figure-${i + 1}-${k}.${FIGURE_EXTENSIONS[mime]}` })),
      );
    }
  });
  return files;
}

/**
 * Writes every image representation of every image output (figureFiles). Returns the headline
 * figure: the first image of the first cell tagged "headline", else the notebook's first image.
 */
export function writeFigures(nb: Notebook, outDir: string, name: string): FigureFile | undefined {
  let first: FigureFile | undefined;
  let tagged: FigureFile | undefined;
  const files = figureFiles(nb, name);
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const isHeadline = Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(HEADLINE_TAG);
    for (const output of cell.outputs) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      for (const figure of files.get(output) ?? []) {
        const value = dataString(output.data[figure.mime]) ?? "";
        const bytes = figure.mime === "image/svg+xml" ? value : Buffer.from(value.replace(/\s/g, ""), "base64");
        writeFileAtomic(path.join(outDir, figure.file), bytes);
        first ??= figure;
        if (isHeadline) tagged ??= figure;
      }
    }
  }
  return tagged ?? first;
}
