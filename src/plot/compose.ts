/**
 * Composing Vega-Lite specs built by src/plot (hconcat, vconcat, layer, withTitle).
 * Used by src/plot/surface.ts (the two-panel loss-surface figure) and by notebooks that put
 * charts side by side (e.g. 001's LSTM / GRU comparison, 000's output and loss panels).
 * Children are full top-level specs; the top-level-only properties ($schema, config, padding,
 * autosize, background, usermeta) are lifted to the composition so Vega-Lite accepts it.
 */
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const TOP_LEVEL_ONLY = ["$schema", "config", "padding", "autosize", "background", "usermeta", "datasets"] as const;

export type TitleInput = string | readonly string[] | { text: string | readonly string[]; [key: string]: unknown };

export interface ConcatOptions {
  title?: TitleInput;
  /** Pixels between the charts (Vega-Lite's default is 20). */
  spacing?: number;
  /** Vega-Lite's resolve, e.g. {scale: {color: 'shared'}, legend: {color: 'shared'}}. */
  resolve?: Record<string, unknown>;
}

const CONCAT_OPTIONS = ["title", "spacing", "resolve"] as const;

/**
 * Charts side by side, left to right. Their legends go below them, in two columns (unless a
 * chart's config or legend says otherwise): a legend on the right of each chart made figures wider
 * than a notebook's or the results page's column (lab 001's gradient reach: 1142 px for 940).
 * A composition that holds this one inherits the default, as Vega-Lite configs apply to a whole figure.
 */
export function hconcat(specs: readonly TopLevelSpec[], options: ConcatOptions = {}): TopLevelSpec {
  const spec = concat("hconcat", specs, options) as unknown as Record<string, unknown>;
  const config = (spec.config as Record<string, unknown> | undefined) ?? {};
  // Two columns: a one-row legend of five long names is itself wider than its chart.
  spec.config = deepMerge({ legend: { orient: "bottom", columns: 2 } }, config);
  return spec as unknown as TopLevelSpec;
}

/** Charts stacked, top to bottom. */
export function vconcat(specs: readonly TopLevelSpec[], options: ConcatOptions = {}): TopLevelSpec {
  return concat("vconcat", specs, options);
}

/** Charts drawn on top of each other with shared axes; each must be a single or layered chart. */
export function layer(
  specs: readonly TopLevelSpec[],
  options: ConcatOptions & { width?: number; height?: number } = {},
): TopLevelSpec {
  const where = "layer";
  rejectUnknownOptions(where, options, [...CONCAT_OPTIONS, "width", "height"]);
  const children = childSpecs(where, specs);
  children.forEach((c, i) => {
    if (!("mark" in c) && !("layer" in c)) {
      throw new TypeError(
        `${where}: specs[${i}] is a composition (${Object.keys(c)
          .filter((k) => /concat|facet|repeat/.test(k))
          .join(", ")}); only single or layered charts can be layered`,
      );
    }
    // Width and height belong to the layer, not to its children.
    delete c.width;
    delete c.height;
  });
  const size: Record<string, unknown> = {};
  const first = specs[0] as unknown as Record<string, unknown>;
  const width = options.width ?? first.width;
  const height = options.height ?? first.height;
  if (width !== undefined) size.width = width;
  if (height !== undefined) size.height = height;
  return finish({ ...size, layer: children }, specs, options);
}

/** The same spec with a (new) title; several strings are several lines. */
export function withTitle(spec: TopLevelSpec, title: TitleInput): TopLevelSpec {
  return { ...(spec as object), title: normaliseTitle("withTitle", title) } as TopLevelSpec;
}

function concat(kind: "hconcat" | "vconcat", specs: readonly TopLevelSpec[], options: ConcatOptions): TopLevelSpec {
  rejectUnknownOptions(kind, options, CONCAT_OPTIONS);
  const body: Record<string, unknown> = { [kind]: childSpecs(kind, specs) };
  if (options.spacing !== undefined) {
    if (typeof options.spacing !== "number" || !(options.spacing >= 0))
      throw new TypeError(`${kind}: spacing must be a number of pixels >= 0, got ${describe(options.spacing)}`);
    body.spacing = options.spacing;
  }
  if (options.resolve === undefined && colorScalesDiffer(specs)) {
    // Vega-Lite shares colour scales across concatenated charts by default and would merge,
    // say, 'train'/'test' of one chart with 'wx'/'wrec' of another into one legend.
    body.resolve = { scale: { color: "independent" }, legend: { color: "independent" } };
  }
  return finish(body, specs, options);
}

/** True when the charts' colour scales (explicit domain/range) are not all the same. */
function colorScalesDiffer(specs: readonly TopLevelSpec[]): boolean {
  const keys = specs.map((s) => {
    const enc = (s as unknown as { encoding?: { color?: { scale?: unknown } } }).encoding;
    return JSON.stringify(enc?.color?.scale ?? null);
  });
  return keys.some((k) => k !== keys[0]);
}

function childSpecs(where: string, specs: readonly TopLevelSpec[]): Record<string, unknown>[] {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new TypeError(`${where}: pass a non-empty array of specs, got ${describe(specs)}`);
  return specs.map((s, i) => {
    if (s === null || typeof s !== "object" || Array.isArray(s))
      throw new TypeError(`${where}: specs[${i}] must be a Vega-Lite spec object, got ${describe(s)}`);
    const child: Record<string, unknown> = { ...(s as object) };
    for (const key of TOP_LEVEL_ONLY) delete child[key];
    return child;
  });
}

function finish(body: Record<string, unknown>, specs: readonly TopLevelSpec[], options: ConcatOptions): TopLevelSpec {
  const out: Record<string, unknown> = { $schema: SCHEMA };
  if (options.title !== undefined) out.title = normaliseTitle("title", options.title);
  Object.assign(out, body);
  if (options.resolve !== undefined) out.resolve = options.resolve;
  // Lift the children's configs (later children win on conflicts) so styling survives.
  const config = specs.reduce<Record<string, unknown> | undefined>((acc, s) => {
    const c = (s as unknown as Record<string, unknown>).config as Record<string, unknown> | undefined;
    return c === undefined ? acc : deepMerge(acc ?? {}, c);
  }, undefined);
  if (config !== undefined) out.config = config;
  for (const key of ["background", "padding", "autosize"] as const) {
    const found = specs.find((s) => (s as unknown as Record<string, unknown>)[key] !== undefined);
    if (found !== undefined) out[key] = (found as unknown as Record<string, unknown>)[key];
  }
  return out as unknown as TopLevelSpec;
}

function normaliseTitle(where: string, title: TitleInput): unknown {
  if (typeof title === "string") return { text: title, anchor: "middle" };
  if (Array.isArray(title) && title.every((t) => typeof t === "string")) return { text: [...title], anchor: "middle" };
  if (title !== null && typeof title === "object" && "text" in title) return { anchor: "middle", ...title };
  throw new TypeError(`${where}: title must be a string, an array of lines or {text, ...}, got ${describe(title)}`);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
