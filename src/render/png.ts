/**
 * Spec → PNG bytes or RGBA pixels, via the SVG of src/render/svg.ts and @resvg/resvg-js (a
 * prebuilt Rust renderer: no canvas, no browser). Used by src/render/files.ts (.png files),
 * src/render/gif.ts (animation frames) and src/notebook/display.ts (PNG fallbacks for heavy charts).
 */
import { Resvg, ResvgRenderOptions } from "@resvg/resvg-js";
import * as fs from "fs";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";
import { renderSvg } from "./svg";

/** RGBA pixels, row-major from the top-left, 4 bytes per pixel, not premultiplied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface RenderPngOptions {
  /** Pixels per SVG pixel. Default 2 (sharp on high-density screens and in reports). */
  scale?: number;
  /** CSS colour behind the chart. Default 'white' (Vega's SVG is transparent). */
  background?: string;
}

export interface RenderRgbaOptions {
  /** Output width in pixels (height follows the aspect ratio). */
  width?: number;
  /** Output height in pixels (used when width is not given). */
  height?: number;
  /** Used when neither width nor height is given. Default 1. */
  scale?: number;
  background?: string;
}

/** Renders a Vega-Lite spec to PNG bytes (the file's content, starting with \x89PNG). */
export async function renderPng(spec: TopLevelSpec, options: RenderPngOptions = {}): Promise<Uint8Array> {
  rejectUnknownOptions("renderPng", options, ["scale", "background"]);
  const svg = await renderSvg(spec);
  return svgToPng(svg, options);
}

/** SVG text → PNG bytes, for callers that already have the SVG (e.g. to ship both). */
export function svgToPng(svg: string, options: RenderPngOptions = {}): Uint8Array {
  rejectUnknownOptions("svgToPng", options, ["scale", "background"]);
  const scale = options.scale ?? 2;
  if (typeof scale !== "number" || !(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(
      `renderPng: scale must be a number > 0 (2 = twice the chart's pixel size), got ${describe(scale)}`,
    );
  }
  const image = rasterise(svg, { mode: "zoom", value: scale }, options.background ?? "white");
  return image.asPng();
}

/** Renders a Vega-Lite spec to RGBA pixels (GIF frames). */
export async function renderRgba(spec: TopLevelSpec, options: RenderRgbaOptions = {}): Promise<RgbaImage> {
  rejectUnknownOptions("renderRgba", options, ["width", "height", "scale", "background"]);
  const svg = await renderSvg(spec);
  return svgToRgba(svg, options);
}

export function svgToRgba(svg: string, options: RenderRgbaOptions = {}): RgbaImage {
  rejectUnknownOptions("svgToRgba", options, ["width", "height", "scale", "background"]);
  const positive = (name: string, v: unknown): number => {
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))
      throw new RangeError(`renderRgba: ${name} must be a number > 0, got ${describe(v)}`);
    return v;
  };
  const fit: NonNullable<ResvgRenderOptions["fitTo"]> =
    options.width !== undefined
      ? { mode: "width", value: Math.round(positive("width", options.width)) }
      : options.height !== undefined
        ? { mode: "height", value: Math.round(positive("height", options.height)) }
        : { mode: "zoom", value: positive("scale", options.scale ?? 1) };
  const image = rasterise(svg, fit, options.background ?? "white");
  // Copy into a buffer of our own: Node's Buffer may be a view into a shared pool, and
  // gifenc reads `.buffer` whole.
  return { width: image.width, height: image.height, data: new Uint8Array(image.pixels) };
}

function rasterise(svg: string, fitTo: NonNullable<ResvgRenderOptions["fitTo"]>, background: string) {
  const resvg = new Resvg(svg, { fitTo, background, font: fontOptions(), logLevel: "off" });
  return resvg.render();
}

// ---- fonts ------------------------------------------------------------------------------------

/** Families tried in order; Vega writes font-family "sans-serif" on all its text. */
const PREFERRED_FAMILIES: readonly { family: string; file: RegExp }[] = [
  { family: "DejaVu Sans", file: /^DejaVuSans(-Bold|-Oblique|-BoldOblique)?\.ttf$/i },
  { family: "Liberation Sans", file: /^LiberationSans-(Regular|Bold|Italic|BoldItalic)\.ttf$/i },
  { family: "Noto Sans", file: /^NotoSans-(Regular|Bold|Italic|BoldItalic)\.ttf$/i },
  { family: "Arial", file: /^arial(bd|i|bi)?\.ttf$/i },
  { family: "Helvetica", file: /^Helvetica\.tt[cf]$/i },
];

const FONT_DIRS = [
  "/usr/share/fonts",
  "/usr/local/share/fonts",
  path.join(process.env.HOME ?? "/nonexistent", ".fonts"),
  path.join(process.env.HOME ?? "/nonexistent", ".local/share/fonts"),
  "/Library/Fonts",
  "/System/Library/Fonts",
  "C:\\Windows\\Fonts",
];

let cachedFonts: ResvgRenderOptions["font"] | undefined;

/**
 * Loading only one family's files is much faster than letting resvg scan every system font on
 * each render (what `loadSystemFonts` does). Falls back to that scan when none of the families
 * is installed, so text still renders in whatever the machine has.
 */
function fontOptions(): NonNullable<ResvgRenderOptions["font"]> {
  if (cachedFonts !== undefined) return cachedFonts;
  const files: string[] = [];
  collectFontFiles(FONT_DIRS, files, 0);
  for (const { family, file } of PREFERRED_FAMILIES) {
    const matches = files.filter((f) => file.test(path.basename(f)));
    if (matches.length > 0) {
      cachedFonts = { loadSystemFonts: false, fontFiles: matches, defaultFontFamily: family, sansSerifFamily: family };
      return cachedFonts;
    }
  }
  cachedFonts = { loadSystemFonts: true };
  return cachedFonts;
}

function collectFontFiles(dirs: readonly string[], out: string[], depth: number): void {
  if (depth > 4) return;
  for (const dir of dirs) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) collectFontFiles([full], out, depth + 1);
      else if (/\.tt[cf]$/i.test(e.name)) out.push(full);
    }
  }
}
