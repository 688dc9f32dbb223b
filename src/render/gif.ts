/**
 * RGBA frames → animated GIF bytes (gifenc), and specs → GIF in one call.
 * Used by notebook 000 (one frame per epoch: roll-out and loss, written to results/experiment-1/)
 * and by src/notebook/display.ts's showGif to show the result inline.
 *
 * All frames share ONE palette quantised from a sample of the frames: charts reuse the same few
 * colours in every frame, and quantising each frame separately costs ~20× more (FACTS.md) while
 * making colours flicker between frames. Pixel → palette index lookups are cached across frames.
 */
import { GIFEncoder, nearestColorIndex, quantize, Palette } from 'gifenc';
import type { TopLevelSpec } from 'vega-lite';
import { describe, rejectUnknownOptions } from '../plot/options';
import { RgbaImage, svgToRgba } from './png';
import { renderSvg } from './svg';

export interface EncodeGifOptions {
  /** Time each frame stays on screen, in milliseconds (GIF stores hundredths of a second). */
  delayMs: number;
  /** Loop forever (default true) or play once. */
  loop?: boolean;
  /** Palette size, 2–256. Default 256. */
  colors?: number;
}

/** Frames whose pixels feed the palette: enough to see every colour, few enough to stay fast. */
const PALETTE_SAMPLE_FRAMES = 8;
/** Upper bound on the number of pixels handed to the quantiser. */
const PALETTE_SAMPLE_PIXELS = 1 << 20;

/** Encodes same-sized RGBA frames as an animated GIF with one global palette. */
export function encodeGif(frames: readonly RgbaImage[], options: EncodeGifOptions): Uint8Array {
  const where = 'encodeGif';
  rejectUnknownOptions(where, options, ['delayMs', 'loop', 'colors']);
  if (options === undefined || typeof options.delayMs !== 'number' || !(options.delayMs >= 0) || !Number.isFinite(options.delayMs)) {
    throw new TypeError(`${where}: delayMs must be a number of milliseconds >= 0 (e.g. {delayMs: 200}), got ${describe(options?.delayMs)}`);
  }
  const colors = options.colors ?? 256;
  if (!Number.isInteger(colors) || colors < 2 || colors > 256) throw new RangeError(`${where}: colors must be an integer from 2 to 256, got ${describe(colors)}`);
  if (!Array.isArray(frames) || frames.length === 0) throw new TypeError(`${where}: frames must be a non-empty array of {width, height, data}, got ${describe(frames)}`);
  const { width, height } = frames[0];
  frames.forEach((f, i) => {
    if (f === null || typeof f !== 'object' || !(f.data instanceof Uint8Array || (f.data as unknown) instanceof Uint8ClampedArray)) {
      throw new TypeError(`${where}: frame ${i} must be {width, height, data: Uint8Array of RGBA}, got ${describe(f)}`);
    }
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`${where}: frame ${i} is ${f.width}×${f.height} but frame 0 is ${width}×${height}; all frames must have the same size (fix the chart's width/height and axis domains)`);
    }
    if (f.data.length !== width * height * 4) {
      throw new RangeError(`${where}: frame ${i} has ${f.data.length} bytes; ${width}×${height} RGBA needs ${width * height * 4}`);
    }
  });

  const palette = globalPalette(frames, colors);
  const indexOf = paletteLookup(palette);
  const gif = GIFEncoder();
  const index = new Uint8Array(width * height);
  frames.forEach((f, i) => {
    const d = f.data;
    for (let p = 0, q = 0; p < index.length; p++, q += 4) index[p] = indexOf(d[q], d[q + 1], d[q + 2]);
    gif.writeFrame(index, width, height, {
      ...(i === 0 ? { palette, repeat: options.loop === false ? -1 : 0 } : {}),
      delay: options.delayMs,
    });
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
      sample[o++] = d[q]; sample[o++] = d[q + 1]; sample[o++] = d[q + 2]; sample[o++] = 255;
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

export interface AnimateSpecsOptions {
  delayMs: number;
  loop?: boolean;
  /** Frame width in pixels (height follows each chart's aspect ratio). */
  width?: number;
  /** Pixels per chart pixel when no width is given. Default 1. */
  scale?: number;
  /** Pad smaller frames with white (top-left aligned) instead of refusing them. Default false. */
  pad?: boolean;
}

/** Renders every spec to RGBA and encodes them as one GIF (e.g. one chart per epoch). */
export async function animateSpecs(specs: readonly TopLevelSpec[], options: AnimateSpecsOptions): Promise<Uint8Array> {
  const where = 'animateSpecs';
  rejectUnknownOptions(where, options, ['delayMs', 'loop', 'width', 'scale', 'pad']);
  if (!Array.isArray(specs) || specs.length === 0) throw new TypeError(`${where}: specs must be a non-empty array of Vega-Lite specs, got ${describe(specs)}`);
  const frames: RgbaImage[] = [];
  for (let i = 0; i < specs.length; i++) {
    const svg = await renderSvg(specs[i]);
    const frame = svgToRgba(svg, options.width !== undefined ? { width: options.width } : { scale: options.scale ?? 1 });
    if (!options.pad && frames.length > 0 && (frame.width !== frames[0].width || frame.height !== frames[0].height)) {
      throw new RangeError(`${where}: spec ${i} renders ${frame.width}×${frame.height} but spec 0 renders ${frames[0].width}×${frames[0].height}; fix width/height and axis domains (so labels keep their size) or pass pad: true`);
    }
    frames.push(frame);
  }
  const gifFrames = options.pad ? padFrames(frames) : frames;
  return encodeGif(gifFrames, { delayMs: options.delayMs, ...(options.loop === undefined ? {} : { loop: options.loop }) });
}

function padFrames(frames: readonly RgbaImage[]): RgbaImage[] {
  const width = Math.max(...frames.map((f) => f.width));
  const height = Math.max(...frames.map((f) => f.height));
  return frames.map((f) => {
    if (f.width === width && f.height === height) return f;
    const data = new Uint8Array(width * height * 4).fill(255);
    for (let y = 0; y < f.height; y++) data.set(f.data.subarray(y * f.width * 4, (y + 1) * f.width * 4), y * width * 4);
    return { width, height, data };
  });
}
