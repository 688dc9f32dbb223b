/**
 * RGBA frames → animated GIF bytes (gifenc), and specs → GIF in one call.
 * Used by notebook 000 (one frame per epoch: roll-out and loss, written to results/experiment-1/)
 * and by src/notebook/display.ts's showGif to show the result inline.
 *
 * All frames share ONE palette quantised from a sample of the frames: charts reuse the same few
 * colours in every frame, and quantising each frame separately costs ~20× more (FACTS.md) while
 * making colours flicker between frames. Pixel → palette index lookups are cached across frames.
 *
 * After the first frame, a pixel whose palette index is the previous frame's is written as the
 * transparent index, and every frame is left in place for the next ("do not dispose"): the viewer
 * shows exactly the frames it would have shown, but the unchanged axes, labels and curves become
 * long runs of one index, which LZW stores in a few bits (lab 000's 200-frame GIF: 1.93 → 0.5 MB).
 * The palette keeps its last entry for that index, so a frame has at most `colors − 1` colours.
 */
import { GIFEncoder, nearestColorIndex, quantize, Palette } from "gifenc";
import { describe, rejectUnknownOptions } from "../options";
import type { RgbaImage } from "./png";

export interface EncodeGifOptions {
  /** Time each frame stays on screen, in milliseconds (GIF stores hundredths of a second). */
  delayMs: number;
  /** Loop forever (default true) or play once. */
  loop?: boolean;
  /** Palette size, 2–256, one entry of which marks the pixels a frame leaves unchanged. Default 256. */
  colors?: number;
  /** Called after each frame is encoded (e.g. a progress bar's tick): encoding 200 frames takes seconds. */
  onFrame?: (index: number, total: number) => void;
}

/** Frames whose pixels feed the palette: enough to see every colour, few enough to stay fast. */
const PALETTE_SAMPLE_FRAMES = 8;
/** Upper bound on the number of pixels handed to the quantiser. */
const PALETTE_SAMPLE_PIXELS = 1 << 20;

/** Encodes same-sized RGBA frames as an animated GIF with one global palette. */
export function encodeGif(frames: readonly RgbaImage[], options: EncodeGifOptions): Uint8Array {
  const where = "encodeGif";
  rejectUnknownOptions(where, options, ["delayMs", "loop", "colors", "onFrame"]);
  if (
    options === undefined ||
    typeof options.delayMs !== "number" ||
    !(options.delayMs >= 0) ||
    !Number.isFinite(options.delayMs)
  ) {
    throw new TypeError(
      `${where}: delayMs must be a number of milliseconds >= 0 (e.g. {delayMs: 200}), got ${describe(options?.delayMs)}`,
    );
  }
  const colors = options.colors ?? 256;
  if (!Number.isInteger(colors) || colors < 2 || colors > 256)
    throw new RangeError(`${where}: colors must be an integer from 2 to 256, got ${describe(colors)}`);
  if (!Array.isArray(frames) || frames.length === 0)
    throw new TypeError(`${where}: frames must be a non-empty array of {width, height, data}, got ${describe(frames)}`);
  const { width, height } = frames[0];
  frames.forEach((f, i) => {
    if (
      f === null ||
      typeof f !== "object" ||
      !(f.data instanceof Uint8Array || (f.data as unknown) instanceof Uint8ClampedArray)
    ) {
      throw new TypeError(`${where}: frame ${i} must be {width, height, data: Uint8Array of RGBA}, got ${describe(f)}`);
    }
    if (f.width !== width || f.height !== height) {
      throw new RangeError(
        `${where}: frame ${i} is ${f.width}×${f.height} but frame 0 is ${width}×${height}; all frames must have the same size (fix the chart's width/height and axis domains)`,
      );
    }
    if (f.data.length !== width * height * 4) {
      throw new RangeError(
        `${where}: frame ${i} has ${f.data.length} bytes; ${width}×${height} RGBA needs ${width * height * 4}`,
      );
    }
  });

  // One colour fewer from the quantiser, and one entry more after them for "unchanged". Pixels are
  // looked up among the quantised colours only (the lookup resolves colours lazily, so it must not
  // see that extra entry, or a pixel of its colour would read as "unchanged").
  const colours = globalPalette(frames, Math.max(1, colors - 1));
  const indexOf = paletteLookup(colours);
  const unchanged = colours.length;
  const palette: Palette = [...colours, [0, 0, 0]];
  const gif = GIFEncoder();
  let previous = new Uint8Array(width * height);
  let index = new Uint8Array(width * height);
  const written = new Uint8Array(width * height);
  frames.forEach((f, i) => {
    const d = f.data;
    for (let p = 0, q = 0; p < index.length; p++, q += 4) index[p] = indexOf(d[q], d[q + 1], d[q + 2]);
    const first = i === 0;
    if (!first) for (let p = 0; p < index.length; p++) written[p] = index[p] === previous[p] ? unchanged : index[p];
    gif.writeFrame(first ? index : written, width, height, {
      ...(first
        ? { palette, repeat: options.loop === false ? -1 : 0 }
        : { transparent: true, transparentIndex: unchanged }),
      delay: options.delayMs,
      dispose: 1, // leave the frame in place: the next one draws over it
    });
    [previous, index] = [index, previous];
    options.onFrame?.(i, frames.length);
  });
  gif.finish();
  return gif.bytes();
}

/** Quantises a strided sample of evenly spaced frames into one palette. */
function globalPalette(frames: readonly RgbaImage[], colors: number): Palette {
  const picks = new Set<number>();
  const n = Math.min(frames.length, PALETTE_SAMPLE_FRAMES);
  for (let k = 0; k < n; k++) picks.add(Math.round((k * (frames.length - 1)) / Math.max(1, n - 1)));
  const pixelsPerFrame = frames[0].width * frames[0].height;
  const stride = Math.max(1, Math.ceil((pixelsPerFrame * picks.size) / PALETTE_SAMPLE_PIXELS));
  const sample = new Uint8Array(Math.ceil(pixelsPerFrame / stride) * picks.size * 4);
  let o = 0;
  for (const k of picks) {
    const d = frames[k].data;
    for (let p = 0; p < pixelsPerFrame; p += stride) {
      const q = p * 4;
      sample[o++] = d[q];
      sample[o++] = d[q + 1];
      sample[o++] = d[q + 2];
      sample[o++] = 255;
    }
  }
  // A fresh, exactly sized buffer: gifenc views `.buffer` whole as 32-bit pixels.
  return quantize(sample.slice(0, o), colors);
}

/** Nearest palette entry per colour, cached by its RGB565 key (as gifenc's applyPalette does). */
function paletteLookup(palette: Palette): (r: number, g: number, b: number) => number {
  const cache = new Int16Array(1 << 16).fill(-1);
  return (r, g, b) => {
    const key = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
    let idx = cache[key];
    if (idx < 0) cache[key] = idx = nearestColorIndex(palette, [r, g, b]);
    return idx;
  };
}
