/**
 * Writing figures to disk (.svg or .png by extension, folders created).
 * Used by notebooks that keep figures under results/ (e.g. 000's GIFs via saveBytes, the
 * loss-surface figures of 003/004) and by the headless notebook runner's artefacts.
 */
import * as fs from "fs";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";
import { renderPng } from "./png";
import { renderSvg } from "./svg";

export interface SaveFigureOptions {
  /** PNG only: pixels per chart pixel. Default 2. */
  scale?: number;
}

/** Renders the spec and writes it to `file` (.svg or .png); returns the absolute path. */
export async function saveFigure(spec: TopLevelSpec, file: string, options: SaveFigureOptions = {}): Promise<string> {
  rejectUnknownOptions("saveFigure", options, ["scale"]);
  if (typeof file !== "string" || file === "")
    throw new TypeError(`saveFigure: file must be a path ending in .svg or .png, got ${describe(file)}`);
  const ext = path.extname(file).toLowerCase();
  let bytes: string | Uint8Array;
  if (ext === ".svg") bytes = await renderSvg(spec);
  else if (ext === ".png") bytes = await renderPng(spec, options.scale === undefined ? {} : { scale: options.scale });
  else
    throw new Error(
      `saveFigure: cannot tell the format of "${file}"; end the name with .svg or .png (GIFs: saveBytes(path, await animateSpecs(...)))`,
    );
  return saveBytes(file, bytes);
}

/** Writes bytes or text to `file`, creating its folder; returns the absolute path. */
export function saveBytes(file: string, bytes: Uint8Array | string): string {
  const full = path.resolve(file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, bytes);
  return full;
}
