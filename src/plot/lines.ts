/**
 * Line charts as plain Vega-Lite specs (built here, rendered in src/render, shown by src/notebook).
 * Used by notebooks 000 (roll-outs, losses), 001 (accuracy per epoch, gradient reach), 002 (MSE on a
 * log axis, accuracy), 003 (w_x and w_rec per RProp iteration) and, through
 * src/plot/gradient-over-time.ts, 003/004 (gradient over time on a symlog axis).
 *
 * Every chart is interactive where Vega-Lite runs (JupyterLab, the results site), with nothing to
 * install and no kernel: hovering shows a rule at the nearest x and a tooltip with every line's
 * value there, and a click on a legend entry highlights that line (shift-click adds more; a click
 * outside the plot clears). The static SVG/PNG fallback draws the same chart, nothing hovered.
 * Introduced in lab 003; interactions in issue 13.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Axis } from "vega-lite/build/src/axis";
import type { Scale } from "vega-lite/build/src/scale";
import { resolveColor, TAB10 } from "./colors";
import { IN_BROWSER } from "./explorable";
import {
  describe,
  expectNumberList,
  expectOneOf,
  expectPair,
  expectPositive,
  NumberList,
  rejectUnknownOptions,
  roundSignificant,
} from "../options";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export interface LineSeries {
  /** Legend label; unique within a chart. */
  name: string;
  /** y values, one per point. */
  values: NumberList;
  /** x values; defaults to 0, 1, 2, … (the iteration / epoch index). */
  x?: NumberList;
  /** CSS colour or matplotlib letter ('r', 'b', …); overrides `colors[name]`. */
  color?: string;
}

export interface LineChartOptions {
  series: readonly LineSeries[];
  /** One string, or one string per line. */
  title?: string | readonly string[];
  xTitle?: string;
  yTitle?: string;
  /** 'symlog' is linear near 0 and logarithmic beyond ±1 (matplotlib's yscale('symlog')). */
  yScale?: "linear" | "log" | "symlog";
  /** Plot area in pixels (legend and axes come on top). Default 400. */
  width?: number;
  /** Default 250. */
  height?: number;
  /** [from, to] as matplotlib's xlim(from, to): from > to draws the axis reversed. */
  xDomain?: readonly [number, number];
  /** [from, to] as ylim(from, to). */
  yDomain?: readonly [number, number];
  /** Colour per series name (CSS or matplotlib letters); others follow matplotlib's tab10 cycle. */
  colors?: Readonly<Record<string, string>>;
  /** Explicit tick values; on log/symlog axes powers of ten are labelled 10ⁿ like matplotlib. */
  yTicks?: NumberList;
  xTicks?: NumberList;
  /** Legend title; the legend is shown when there are several series or a title is given. */
  legendTitle?: string;
  /** Line width in pixels. Default 1.5, matplotlib's default. */
  strokeWidth?: number;
  /**
   * Hover tooltips and legend-click highlight (default true). false gives the bare line mark, for
   * frames that are only ever rasterised (GIF animations); either way the static drawing is the
   * same (the hover layer draws nothing outside a browser).
   */
  interactive?: boolean;
}

const LINE_OPTIONS = [
  "series",
  "title",
  "xTitle",
  "yTitle",
  "yScale",
  "width",
  "height",
  "xDomain",
  "yDomain",
  "colors",
  "yTicks",
  "xTicks",
  "legendTitle",
  "strokeWidth",
  "interactive",
] as const;
const SERIES_KEYS = ["name", "values", "x", "color"] as const;

/**
 * One line per series, with a legend, a hover tooltip and legend-click highlight; pure, returns a
 * Vega-Lite v5 spec (a layer: the lines, then the hover rule, then the hovered points; x, y and
 * colour are encoded once at the top and shared).
 */
export function lineChart(options: LineChartOptions): TopLevelSpec {
  const where = "lineChart";
  rejectUnknownOptions(where, options, LINE_OPTIONS);
  if (options === undefined) throw new TypeError(`${where}: pass {series: [{name, values}]}`);
  const series = options.series;
  if (!Array.isArray(series) || series.length === 0) {
    throw new TypeError(`${where}: series must be a non-empty array of {name, values}, got ${describe(series)}`);
  }
  const yScale =
    options.yScale === undefined
      ? "linear"
      : expectOneOf(where, "yScale", options.yScale, ["linear", "log", "symlog"] as const);
  const width = options.width === undefined ? 400 : expectPositive(where, "width", options.width);
  const height = options.height === undefined ? 250 : expectPositive(where, "height", options.height);
  const strokeWidth =
    options.strokeWidth === undefined ? 1.5 : expectPositive(where, "strokeWidth", options.strokeWidth);

  const names: string[] = [];
  // One row per series holding its points as two arrays, unfolded by a flatten transform in the
  // spec: a row per point would repeat the series' name and the field names at every point (lab
  // 000's loss per batch was 620 KB that way, stored in the notebook and again in its page).
  const rows: { series: string; x: (number | null)[]; y: (number | null)[] }[] = [];
  let yMin = Infinity;
  let yMax = -Infinity;
  series.forEach((s, i) => {
    const at = `series[${i}]`;
    rejectUnknownOptions(`${where}: ${at}`, s, SERIES_KEYS);
    if (typeof s?.name !== "string")
      throw new TypeError(`${where}: ${at}.name must be a string, got ${describe(s?.name)}`);
    if (names.includes(s.name))
      throw new Error(`${where}: two series are named "${s.name}"; names label the legend and must be unique`);
    names.push(s.name);
    const values = expectNumberList(where, `${at}.values`, s.values, 0);
    const xs = s.x === undefined ? undefined : expectNumberList(where, `${at}.x`, s.x, 0);
    if (xs !== undefined && xs.length !== values.length) {
      throw new RangeError(
        `${where}: ${at}.x has ${xs.length} values but ${at}.values has ${values.length}; give one x per value`,
      );
    }
    const row = { series: s.name, x: [] as (number | null)[], y: [] as (number | null)[] };
    for (let k = 0; k < values.length; k++) {
      // A log axis cannot place y <= 0: leave a gap there rather than a line to -infinity.
      const raw = values[k];
      const y = yScale === "log" && raw <= 0 ? null : roundSignificant(raw);
      if (y !== null) {
        yMin = Math.min(yMin, y);
        yMax = Math.max(yMax, y);
      }
      row.x.push(roundSignificant(xs === undefined ? k : xs[k]));
      row.y.push(y);
    }
    rows.push(row);
  });

  const colors = options.colors ?? {};
  if (typeof colors !== "object" || colors === null)
    throw new TypeError(`${where}: colors must be {seriesName: colour}, got ${describe(colors)}`);
  for (const key of Object.keys(colors)) {
    if (!names.includes(key))
      throw new Error(`${where}: colors has "${key}" but no series has that name (series: ${names.join(", ")})`);
  }
  let cycle = 0;
  const range = series.map((s) => resolveColor(s.color ?? colors[s.name] ?? TAB10[cycle++ % TAB10.length]));

  const xScale: Scale = { zero: false, nice: false };
  if (options.xDomain !== undefined) {
    const [from, to] = expectPair(where, "xDomain", options.xDomain);
    if (from === to) throw new RangeError(`${where}: xDomain [${from}, ${to}] is empty; give two different ends`);
    xScale.domain = from < to ? [from, to] : [to, from];
    if (from > to) xScale.reverse = true; // matplotlib's xlim(0, -n): 0 on the left
  }
  // Log scales have no zero; Vega-Lite warns (on stderr, every chart) when told not to include it.
  const yScaleSpec: Scale = yScale === "log" ? { type: yScale } : { type: yScale, zero: false };
  if (yScale === "symlog") yScaleSpec.constant = 1;
  let yDomain: [number, number] | undefined;
  if (options.yDomain !== undefined) {
    const [from, to] = expectPair(where, "yDomain", options.yDomain);
    if (from === to) throw new RangeError(`${where}: yDomain [${from}, ${to}] is empty; give two different ends`);
    yDomain = from < to ? [from, to] : [to, from];
    yScaleSpec.domain = yDomain;
    yScaleSpec.nice = false;
    if (from > to) yScaleSpec.reverse = true;
  }

  if (yDomain === undefined && yScale !== "linear" && yMin <= yMax) {
    // Vega-Lite's "nice" rounds a log/symlog domain out to whole decades, which can leave most of
    // the plot empty; pad the data by 5 % in the scale's own space instead, like matplotlib.
    yDomain = paddedDomain(yMin, yMax, yScale);
    yScaleSpec.domain = yDomain;
    yScaleSpec.nice = false;
  }

  const xAxis: Axis = { grid: false };
  if (options.xTicks !== undefined) {
    const ticks = Array.from(expectNumberList(where, "xTicks", options.xTicks));
    xAxis.values = ticks;
    if (ticks.every(Number.isInteger)) xAxis.format = "d";
  }
  const yAxis: Axis = { grid: false };
  if (options.yTicks !== undefined) {
    // Vega draws explicit ticks even outside the domain (past the plot edge); keep those inside.
    const [lo, hi] = yDomain ?? [yMin, yMax];
    const ticks = Array.from(expectNumberList(where, "yTicks", options.yTicks)).filter((t) => t >= lo && t <= hi);
    yAxis.values = ticks;
    if (yScale !== "linear") yAxis.labelExpr = powerOfTenLabelExpr(ticks, "superscript");
  }

  const showLegend = names.length > 1 || options.legendTitle !== undefined;
  const encoding = {
    x: { field: "x", type: "quantitative", title: options.xTitle ?? null, scale: xScale, axis: xAxis },
    y: { field: "y", type: "quantitative", title: options.yTitle ?? null, scale: yScaleSpec, axis: yAxis },
    color: {
      field: "series",
      type: "nominal",
      sort: names,
      scale: { domain: names, range },
      // labelLimit: Vega's default 160 px cut long run names ("ReLU RNN (6 layers × 60 units)").
      legend: showLegend ? { title: options.legendTitle ?? null, symbolType: "stroke", labelLimit: 400 } : null,
    },
  };
  const line = { type: "line", strokeWidth, clip: true } as const;
  const top = {
    $schema: VEGA_LITE_SCHEMA,
    ...titleProperty(where, options.title),
    width,
    height,
    data: { values: rows },
    transform: [{ flatten: ["x", "y"] }], // → one row {series, x, y} per point
  };
  if (options.interactive === false) return { ...top, mark: line, encoding } as unknown as TopLevelSpec;
  const layers = interactionLayers(names, options.xTitle, showLegend);
  return {
    ...top,
    encoding,
    layer: [{ mark: line, ...layers.line }, layers.hoverRule, layers.hoverPoints],
  } as unknown as TopLevelSpec;
}

/**
 * The interactive layers of lineChart. Their selections are named after the chart's series
 * (`pick_<hash>`, `hover_<hash>`): charts side by side that show the same runs share them (picking
 * a run highlights it in every panel, hovering marks the same x), charts of other series keep their
 * own (Vega-Lite merges selections of the same name across a composition). The hover rules exist
 * only where a browser draws the chart (IN_BROWSER): the static fallback, drawn in Node, carries
 * none of their invisible items (a rule and a Voronoi cell per x).
 */
function interactionLayers(
  names: readonly string[],
  xTitle: string | undefined,
  legend: boolean,
): {
  line: Record<string, unknown>;
  hoverRule: Record<string, unknown>;
  hoverPoints: Record<string, unknown>;
} {
  const id = nameHash(names);
  const pick = `pick_${id}`,
    hover = `hover_${id}`;
  // One row per x with a column per series ("0", "1", … by the series' order: any name is safe).
  const wide = [
    { filter: IN_BROWSER },
    { calculate: `indexof(${JSON.stringify(names)}, datum.series)`, as: "series_index" },
    { pivot: "series_index", value: "y", groupby: ["x"] },
  ];
  const tooltip = [
    { field: "x", type: "quantitative", title: xTitle ?? "x", format: ".6~g" },
    ...names.map((name, i) => ({ field: String(i), type: "quantitative", title: name, format: ".4~g" })),
  ];
  return {
    line: legend
      ? {
          params: [{ name: pick, select: { type: "point", fields: ["series"] }, bind: "legend" }],
          encoding: { opacity: { condition: { param: pick, value: 1 }, value: 0.15 } },
        }
      : {},
    // Invisible until hovered: the nearest x (Vega-Lite's voronoi over these rules) shows its rule.
    hoverRule: {
      transform: wide,
      mark: { type: "rule", color: "#888888", strokeWidth: 1, clip: true, aria: false },
      params: [
        {
          name: hover,
          select: { type: "point", fields: ["x"], nearest: true, on: "pointerover", clear: "pointerout" },
        },
      ],
      encoding: {
        y: null,
        color: null,
        opacity: { condition: { param: hover, value: 0.7, empty: false }, value: 0 },
        tooltip,
      },
    },
    hoverPoints: {
      transform: [{ filter: { param: hover, empty: false } }],
      mark: { type: "point", filled: true, size: 36, clip: true, aria: false },
    },
  };
}

/** A short, stable identifier from the series names (djb2 in base 36), for selection names. */
function nameHash(names: readonly string[]): string {
  let h = 5381;
  for (const ch of JSON.stringify(names)) h = ((h * 33) ^ ch.charCodeAt(0)) >>> 0;
  return h.toString(36);
}

/** [lo, hi] widened by 5 % of the span on each side, measured after the scale's transform. */
function paddedDomain(lo: number, hi: number, scale: "log" | "symlog"): [number, number] {
  // symlog with constant 1, as Vega's: sign(v)·log1p(|v|).
  const fwd = scale === "log" ? Math.log10 : (v: number) => Math.sign(v) * Math.log1p(Math.abs(v));
  const inv = scale === "log" ? (u: number) => 10 ** u : (u: number) => Math.sign(u) * Math.expm1(Math.abs(u));
  const a = fwd(lo);
  const b = fwd(hi);
  const pad = a === b ? 0.5 : 0.05 * (b - a);
  return [roundSignificant(inv(a - pad)) as number, roundSignificant(inv(b + pad)) as number];
}

/**
 * A Vega expression labelling the given tick values: exact powers of ten as 10ⁿ (style
 * 'superscript', matplotlib's log/symlog axes) or as 1e+0n (style 'e', the original colour bar's
 * '{:.0e}'), zero as 0, anything else with d3's '~g'. Built as a chain of comparisons because
 * Vega expressions have no string-mapping helper.
 */
export function powerOfTenLabelExpr(ticks: readonly number[], style: "superscript" | "e"): string {
  let expr = "format(datum.value, '~g')";
  for (const t of [...ticks].reverse()) {
    const label = powerOfTenLabel(t, style);
    if (label !== undefined) expr = `datum.value === ${t} ? '${label}' : ${expr}`;
  }
  return expr;
}

const SUPERSCRIPT: Record<string, string> = {
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
  "-": "⁻",
};

/** The label of one tick, or undefined when it is not 0 or ±10ⁿ. */
export function powerOfTenLabel(value: number, style: "superscript" | "e"): string | undefined {
  if (value === 0) return "0";
  const exponent = Math.round(Math.log10(Math.abs(value)));
  if (Math.abs(Math.abs(value) / 10 ** exponent - 1) > 1e-9) return undefined;
  const sign = value < 0 ? "−" : "";
  if (style === "superscript") {
    return `${sign}10${String(exponent)
      .split("")
      .map((ch) => SUPERSCRIPT[ch])
      .join("")}`;
  }
  const e = Math.abs(exponent);
  return `${value < 0 ? "-" : ""}1e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
}

/** `title` as Vega-Lite wants it; several lines stay an array (Vega draws one line each). */
export function titleProperty(
  where: string,
  title: unknown,
): { title?: { text: string | string[]; anchor: "middle" } } {
  if (title === undefined) return {};
  if (typeof title === "string") return { title: { text: title, anchor: "middle" } };
  if (Array.isArray(title) && title.every((t) => typeof t === "string"))
    return { title: { text: [...title], anchor: "middle" } };
  throw new TypeError(`${where}: title must be a string or an array of lines, got ${describe(title)}`);
}
