/**
 * Fast animations of charts that keep their layout from frame to frame (one chart per training
 * epoch): Vega-Lite specs → one GIF, with the time spent in each stage.
 *
 * Why not render each spec on its own: that compiles, parses and lays out every frame from scratch, ~35 ms of a ~55 ms frame here, so lab 000's 200-frame GIF took longer than the
 * training it shows. Frames of an animation usually differ only in their data and in the text of
 * their titles (the epoch, the loss); those are turned into named data sets and signals of ONE
 * compiled Vega view, which then re-renders a frame in ~2 ms. The SVG is the same, clip-path ids
 * aside, as rendering each spec alone (test/animation.test.ts checks it). Frames that differ in
 * anything else (a scale domain, a width, a mark) get a view of their own, so the result is always
 * right and only the speed depends on the specs. Rasterising (resvg) and encoding (gifenc, one
 * global palette) are src/render/png.ts's and gif.ts's.
 *
 * `saveAnimation` does it all and writes the file. Used by notebook 000 (results/experiment-1/*.gif);
 * any lab can use it. Introduced in lab 000.
 */
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";
import { saveBytes } from "./files";
import { createProgressSink, type ProgressFactory } from "../progress-sink";
import { encodeGif } from "./gif";
import { type RgbaImage, svgToRgba } from "./png";
import { compileSpec, renderSvg } from "./svg";

/** Prefixes of the names given to a frame's data sets and titles in the shared template. */
const DATA_PREFIX = "frame_data_";
const TITLE_PREFIX = "frame_title_";

/** Keys that make an object a (unit or composed) view, whose `title` is a title block. */
const VIEW_KEYS = ["mark", "layer", "hconcat", "vconcat", "concat", "facet", "repeat"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TitleText = string | string[];

export interface FrameTemplate {
  /** The spec with every inline data set replaced by a named one and every title text by a signal. */
  template: TopLevelSpec;
  /** JSON of the template without the title values: frames with the same key share one compiled view. */
  key: string;
  /** The frame's rows per data set, in the order of their names (frame_data_0, …). */
  datasets: object[][];
  /** The frame's title texts, in the order of their signals (frame_title_0, …). */
  titles: TitleText[];
}

function isTitleText(v: unknown): v is TitleText {
  return typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string"));
}

/**
 * Splits a spec into what can change between frames without a new layout (inline data, title
 * texts) and the rest (the template).
 */
export function frameTemplate(spec: TopLevelSpec): FrameTemplate {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError(`frameTemplate: expected a Vega-Lite spec object, got ${describe(spec)}`);
  }
  const datasets: object[][] = [];
  const titles: TitleText[] = [];
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    // Only a view's own title becomes a signal: axis, legend and encoding titles do not take expressions.
    const isView = VIEW_KEYS.some((k) => k in node);
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) {
      if (
        key === "data" &&
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Array.isArray(value.values)
      ) {
        const { values, ...rest } = value;
        out[key] = { ...rest, name: `${DATA_PREFIX}${datasets.length}` };
        datasets.push(values as object[]);
      } else if (isView && key === "title" && isTitleText(value)) {
        out[key] = { text: { expr: `${TITLE_PREFIX}${titles.length}` } };
        titles.push(value);
      } else if (
        isView &&
        key === "title" &&
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        isTitleText(value.text)
      ) {
        out[key] = { ...value, text: { expr: `${TITLE_PREFIX}${titles.length}` } };
        titles.push(value.text);
      } else {
        out[key] = walk(value);
      }
    }
    return out;
  };
  const layout = walk(spec as unknown as Json) as { [key: string]: Json };
  // The key leaves out the titles' current values: they are set per frame.
  const key = JSON.stringify(layout);
  const params = Array.isArray(layout.params) ? layout.params : [];
  const template = {
    ...layout,
    params: [...params, ...titles.map((text, j) => ({ name: `${TITLE_PREFIX}${j}`, value: text }))],
  };
  return { template: template as unknown as TopLevelSpec, key, datasets, titles };
}

/**
 * Spec → SVG for a sequence of frames, keeping one compiled Vega view per distinct layout.
 * `dispose()` releases the views (timers, listeners) when the frames are done.
 */
export class FrameRenderer {
  /** Per template key: the view, or null when Vega would have to parse the data (see svg()). */
  private readonly views = new Map<string, vega.View | null>();
  private readonly warn: boolean;

  constructor(options: { warn?: boolean } = {}) {
    rejectUnknownOptions("FrameRenderer", options, ["warn"]);
    this.warn = options.warn !== false;
  }

  /** Distinct layouts compiled so far. */
  get layouts(): number {
    return this.views.size;
  }

  async svg(spec: TopLevelSpec): Promise<string> {
    const frame = frameTemplate(spec);
    let view = this.views.get(frame.key);
    if (view === undefined) {
      view = this.compile(frame);
      this.views.set(frame.key, view);
    }
    if (view === null) return renderSvg(spec, { warn: false });
    // Fresh row objects: Vega tags the rows it ingests, and the caller's specs should stay as they were.
    frame.datasets.forEach((rows, k) =>
      view.data(
        `${DATA_PREFIX}${k}`,
        rows.map((r) => ({ ...r })),
      ),
    );
    frame.titles.forEach((text, j) => view.signal(`${TITLE_PREFIX}${j}`, text));
    await view.runAsync();
    return view.toSVG();
  }

  dispose(): void {
    for (const view of this.views.values()) view?.finalize();
    this.views.clear();
  }

  private compile(frame: FrameTemplate): vega.View | null {
    let compiled: ReturnType<typeof compileSpec>;
    try {
      compiled = compileSpec(frame.template, "animateFrames");
    } catch {
      return null; // a spec the template cannot express (its own errors show when it renders alone)
    }
    const { vega: vgSpec, warnings } = compiled;
    if (this.warn) for (const w of warnings) console.warn(`animateFrames: Vega-Lite warning (once per layout): ${w}`);
    // Rows given through view.data() are not parsed by Vega. Vega-Lite moves parsing into formulas
    // for named data, but should a data set still ask Vega to parse it, render its frames one by one.
    if ((vgSpec.data ?? []).some((d) => d.name.startsWith(DATA_PREFIX) && "format" in d)) return null;
    return new vega.View(vega.parse(vgSpec), { renderer: "none", logLevel: vega.Error });
  }
}

export interface AnimateFramesOptions {
  /** Time each frame stays on screen, in milliseconds (GIF stores hundredths of a second). */
  delayMs: number;
  /** Loop forever (default true) or play once. */
  loop?: boolean;
  /** Frame width in pixels (height follows the aspect ratio); overrides `scale`. */
  width?: number;
  /** Pixels per chart pixel. Default 1: charts drawn at a modest size keep GIFs small and fast. */
  scale?: number;
  /** Print Vega-Lite's warnings, once per distinct layout (default true). */
  warn?: boolean;
  /** Called after each rendered frame (e.g. a progress bar's tick). */
  onFrame?: (index: number, total: number) => void;
  /** Pad smaller frames with white (top-left aligned) instead of refusing them. Default false. */
  pad?: boolean;
  /**
   * Progress over rendering then encoding the frames (two steps per frame): true (default) draws
   * the registered default (a bar in a notebook), false nothing, or pass a factory.
   */
  progress?: boolean | ProgressFactory;
}

export interface AnimationTiming {
  frames: number;
  /** Distinct layouts compiled (1 when only data and titles change). */
  layouts: number;
  /** Spec → SVG, over all frames. */
  svgMs: number;
  /** SVG → RGBA (resvg), over all frames. */
  rasterMs: number;
  /** RGBA → GIF (palette, index, LZW). */
  encodeMs: number;
}

export interface Animation {
  /** The GIF file's bytes. */
  bytes: Uint8Array;
  width: number;
  height: number;
  timing: AnimationTiming;
}

const OPTIONS = ["delayMs", "loop", "width", "scale", "warn", "onFrame", "pad", "progress"];

/** Renders every spec (one frame each, same size) and encodes them as one GIF with one palette. */
export async function animateFrames(specs: readonly TopLevelSpec[], options: AnimateFramesOptions): Promise<Animation> {
  return animate("animateFrames", specs, options);
}

/** The GIF's bytes only: `animateFrames` without the timing. */
export async function animateSpecs(specs: readonly TopLevelSpec[], options: AnimateFramesOptions): Promise<Uint8Array> {
  return (await animate("animateSpecs", specs, options)).bytes;
}

async function animate(
  where: string,
  specs: readonly TopLevelSpec[],
  options: AnimateFramesOptions,
): Promise<Animation> {
  rejectUnknownOptions(where, options, OPTIONS);
  if (!Array.isArray(specs) || specs.length === 0)
    throw new TypeError(`${where}: specs must be a non-empty array of Vega-Lite specs, got ${describe(specs)}`);
  const fit = options.width !== undefined ? { width: options.width } : { scale: options.scale ?? 1 };
  const renderer = new FrameRenderer({ warn: options.warn !== false });
  const progress = createProgressSink(
    options.progress,
    `GIF, ${specs.length} frames (render, then encode)`,
    2 * specs.length,
  );
  const images: RgbaImage[] = [];
  let svgMs = 0,
    rasterMs = 0,
    layouts: number;
  try {
    for (let i = 0; i < specs.length; i++) {
      let t = performance.now();
      const svg = await renderer.svg(specs[i]);
      svgMs += performance.now() - t;
      t = performance.now();
      const image = svgToRgba(svg, fit);
      rasterMs += performance.now() - t;
      if (!options.pad && images.length > 0 && (image.width !== images[0].width || image.height !== images[0].height)) {
        throw new RangeError(
          `${where}: spec ${i} renders ${image.width}×${image.height} but spec 0 renders ${images[0].width}×${images[0].height}; ` +
            `fix the charts' width/height, axis domains and tick values so every frame has the same size, or pass pad: true`,
        );
      }
      images.push(image);
      options.onFrame?.(i, specs.length);
      progress?.tick();
    }
    layouts = renderer.layouts;
  } finally {
    renderer.dispose();
  }
  const frames = options.pad ? padFrames(images) : images;
  const t = performance.now();
  const bytes = encodeGif(frames, {
    delayMs: options.delayMs,
    ...(options.loop === undefined ? {} : { loop: options.loop }),
    onFrame: () => progress?.tick(),
  });
  const encodeMs = performance.now() - t;
  progress?.done();
  return {
    bytes,
    width: frames[0].width,
    height: frames[0].height,
    timing: { frames: specs.length, layouts, svgMs, rasterMs, encodeMs },
  };
}

/** "200 frames: SVG 2 ms + raster 18 ms + encode 4 ms per frame (1 layout)". */
export function formatAnimationTiming(timing: AnimationTiming): string {
  const per = (ms: number) => `${(ms / timing.frames).toFixed(1)} ms`;
  return (
    `${timing.frames} frames: SVG ${per(timing.svgMs)} + raster ${per(timing.rasterMs)} + encode ${per(timing.encodeMs)} per frame ` +
    `(${timing.layouts} layout${timing.layouts === 1 ? "" : "s"}), ${((timing.svgMs + timing.rasterMs + timing.encodeMs) / 1000).toFixed(2)} s in all`
  );
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

export interface SaveAnimationOptions extends AnimateFramesOptions {
  /** Where the GIF goes (its folder is created). */
  file: string;
}

export interface SavedAnimation extends Animation {
  /** The path as given. */
  file: string;
  /** "<file>: 481×316, 79 KB; 10 frames: SVG … per frame (1 layout), 0.41 s in all". */
  summary: string;
}

/** `animateFrames`, then the GIF written to `file`; returns the animation and a one-line summary. */
export async function saveAnimation(
  specs: readonly TopLevelSpec[],
  options: SaveAnimationOptions,
): Promise<SavedAnimation> {
  const { file, ...animateOptions } = options ?? ({} as SaveAnimationOptions);
  if (typeof file !== "string" || file === "")
    throw new TypeError(`saveAnimation: pass {file: 'path/to/name.gif', delayMs}, got file ${describe(file)}`);
  const animation = await animate("saveAnimation", specs, animateOptions);
  saveBytes(file, animation.bytes);
  const summary = `${file}: ${animation.width}×${animation.height}, ${(animation.bytes.length / 1024).toFixed(0)} KB; ${formatAnimationTiming(animation.timing)}`;
  return { ...animation, file, summary };
}
