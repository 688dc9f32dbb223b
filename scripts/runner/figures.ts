// Image outputs of an executed notebook as files, results/<name>/figure-<cell>-<k>.<ext>, for
// scripts/run-notebooks.ts (figures to reuse in slides or docs, and the index thumbnails).
import fs from "node:fs";
import path from "node:path";
import { FIGURE_EXTENSIONS, IMAGE_MIMES, dataString, writeFileAtomic, type Notebook } from "./notebook";

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
 * Writes every image representation of every image output; cell is 1-based among all cells,
 * k counts the image outputs of that cell. Returns the headline figure: the first image of the
 * first cell tagged "headline", else the notebook's first image.
 */
export function writeFigures(nb: Notebook, outDir: string, name: string): FigureFile | undefined {
  let first: FigureFile | undefined;
  let tagged: FigureFile | undefined;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const isHeadline = Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(HEADLINE_TAG);
    let k = 0;
    for (const output of cell.outputs) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      const mimes = IMAGE_MIMES.filter((mime) => dataString(output.data[mime]) !== undefined);
      if (mimes.length === 0) continue;
      k += 1;
      for (const mime of mimes) {
        const value = dataString(output.data[mime]) ?? "";
        const file = `${name}/figure-${i + 1}-${k}.${FIGURE_EXTENSIONS[mime]}`;
        const bytes = mime === "image/svg+xml" ? value : Buffer.from(value.replace(/\s/g, ""), "base64");
        writeFileAtomic(path.join(outDir, file), bytes);
        first ??= { mime, file };
        if (isHeadline) tagged ??= { mime, file };
      }
    }
  });
  return tagged ?? first;
}
