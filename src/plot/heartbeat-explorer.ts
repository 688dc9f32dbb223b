/**
 * Lab 002's heartbeat explorer, as a plain Vega-Lite 5 spec (built here, rendered in src/render,
 * shown by src/notebook): a dropdown picks one test beat; the figure shows its ECG signal, the
 * trained net's read-out y for the five classes (true and predicted class marked), and the hidden
 * state h_t of the net over the 140 steps as a heatmap. Everything moves in the browser with no
 * kernel: the dropdown is a Vega-Lite parameter bound to an input, and every view filters its data
 * by it (`datum.beat == beat`). Introduced in lab 002 (issue 13).
 *
 * The data stay small: a few beats, the `units` hidden units whose state varies most over them
 * (saturated units carry little), the signal and outputs rounded to `digits` significant digits,
 * and each series stored once per beat (and unit), unfolded in the browser by Vega-Lite's flatten
 * transform. The states, all in [−1, 1], are kept in thousandths and written as one string of
 * integers per beat and unit ("12 -340 998 …", split in the browser): written with one number per
 * line, as notebooks store JSON, an array would take twice the space.
 */
import type { TopLevelSpec } from "vega-lite";
import type { NdArray } from "../ndarray";
import { predictedClasses } from "../models/vanilla-rnn-metrics";
import { describe, rejectUnknownOptions, roundSignificant } from "../options";
import { EMBED_OPTIONS, IN_BROWSER } from "./explorable";
import { VEGA_LITE_SCHEMA } from "./lines";

export interface HeartbeatExplorerOptions {
  /** The beats' signals, time-major as the data sets hold them: [T, B, 1]. */
  signals: NdArray;
  /** Hidden states h_0 … h_T of the beats, each [B, H] (what vanillaRnnReferenceForward returns). */
  states: readonly NdArray[];
  /** The read-out y of the beats: [B, O]; the predicted class is its argmax. */
  outputs: NdArray;
  /** True class (0-based) of every beat. */
  classes: ArrayLike<number>;
  /** Names of the O classes, in output order. */
  classNames: readonly string[];
  /** Row of every beat in its data set, for the dropdown's labels (default: 0, 1, …). */
  rows?: ArrayLike<number>;
  /** Hidden units drawn: this many, those whose state varies most over the beats (default 12, so the spec stays under 200 KB). */
  units?: number;
  /** Significant digits kept of the signal and the outputs (default 3; the states keep 3 decimals). */
  digits?: number;
  /** Width of the signal and hidden-state views in pixels (default 400: with the read-out beside it, the figure fits a 940 px column). */
  width?: number;
  title?: string;
}

const OPTION_KEYS = [
  "signals",
  "states",
  "outputs",
  "classes",
  "classNames",
  "rows",
  "units",
  "digits",
  "width",
  "title",
] as const;

/** Unit indices, ascending, of the `count` units with the largest variance of h over every beat and step. */
export function mostVaryingUnits(states: readonly NdArray[], count: number): number[] {
  const [B, H] = states[0].shape;
  const variance = Array.from({ length: H }, (_, j) => {
    let sum = 0,
      sumSq = 0,
      n = 0;
    for (let t = 1; t < states.length; t++) {
      for (let b = 0; b < B; b++) {
        const v = states[t].data[b * H + j];
        sum += v;
        sumSq += v * v;
        n++;
      }
    }
    return sumSq / n - (sum / n) ** 2;
  });
  const order = variance.map((v, j) => [v, j]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return order
    .slice(0, Math.min(count, H))
    .map(([, j]) => j)
    .sort((a, b) => a - b);
}

/** The explorer's spec; pure (the same options give the same JSON). */
export function heartbeatExplorer(options: HeartbeatExplorerOptions): TopLevelSpec {
  const where = "heartbeatExplorer";
  rejectUnknownOptions(where, options, OPTION_KEYS);
  const { signals, states, outputs, classes, classNames, units = 12, digits = 3, width = 400 } = options;
  if (signals?.shape?.length !== 3 || signals.shape[2] !== 1)
    throw new TypeError(
      `${where}: signals must be [time, beats, 1] (a data set's x), got ${Array.isArray(signals?.shape) ? `[${signals.shape.join(", ")}]` : describe(signals)}`,
    );
  const [T, B] = signals.shape;
  const shapeOf = (a: NdArray | undefined) => (Array.isArray(a?.shape) ? `[${a.shape.join(", ")}]` : describe(a));
  if (!Array.isArray(states) || states.length !== T + 1)
    throw new RangeError(
      `${where}: states must hold h_0 … h_${T} (${T + 1} arrays [beats, hidden]), got ${Array.isArray(states) ? states.length : describe(states)}`,
    );
  const H = states[0].shape[1];
  states.forEach((h, t) => {
    if (h.shape[0] !== B || h.shape[1] !== H)
      throw new RangeError(`${where}: states[${t}] has shape [${h.shape.join(", ")}], expected [${B}, ${H}]`);
  });
  const O = classNames.length;
  if (outputs?.shape?.[0] !== B || outputs.shape[1] !== O)
    throw new RangeError(`${where}: outputs must be [${B}, ${O}] (beats, classes), got ${shapeOf(outputs)}`);
  if (classes?.length !== B)
    throw new RangeError(`${where}: classes must give one class per beat (${B}), got ${describe(classes)}`);
  const rows = options.rows ?? Array.from({ length: B }, (_, b) => b);
  if (rows.length !== B) throw new RangeError(`${where}: rows must give one row per beat (${B}), got ${rows.length}`);
  if (!Number.isInteger(units) || units < 1)
    throw new RangeError(`${where}: units must be a positive integer, got ${units}`);
  const round = (v: number) => roundSignificant(v, digits);

  const predicted = predictedClasses(outputs);
  const shown = mostVaryingUnits(states, units);
  const beats = Array.from({ length: B }, (_, b) => {
    const truth = classNames[classes[b]];
    const guess = classNames[predicted[b]];
    const verdict = classes[b] === predicted[b] ? "right" : "wrong";
    return {
      beat: b,
      label: `${b + 1}. row ${rows[b]}: ${truth}${verdict === "right" ? "" : ` (predicted ${guess})`}`,
      caption: `Test row ${rows[b]}: true class ${truth}; predicted ${guess} (${verdict})`,
    };
  });
  // One series per beat (signal) and per beat and unit (hidden state), time along the series.
  const signalRows = beats.map(({ beat }) => ({
    beat,
    v: Array.from({ length: T }, (_, t) => round(signals.data[t * B + beat])),
  }));
  const hiddenRows = beats.flatMap(({ beat }) =>
    shown.map((unit) => ({
      beat,
      unit,
      h: Array.from({ length: T }, (_, t) => thousandths(states[t + 1].data[beat * H + unit])).join(" "),
    })),
  );
  const outputRows = beats.flatMap(({ beat }) =>
    classNames.map((name, k) => ({
      beat,
      k,
      y: round(outputs.data[beat * O + k]),
      role:
        k === classes[beat]
          ? k === predicted[beat]
            ? "true and predicted"
            : "true class"
          : k === predicted[beat]
            ? "predicted"
            : "other",
    })),
  );

  const byBeat = { filter: "datum.beat == beat" };
  // The flattened array's position is the time step: row_number counts 1 … T in array order.
  const unfold = (field: string, groupby: string[], split = false) => [
    byBeat,
    ...(split ? [{ calculate: `split(datum.${field}, ' ')`, as: field }] : []),
    { flatten: [field] },
    { window: [{ op: "row_number", as: "t" }], groupby },
  ];
  const stepScale = { domain: [0.5, T + 0.5], nice: false, zero: false };
  const stepAxis = {
    values: [1, ...Array.from({ length: Math.floor(T / 20) }, (_, i) => 20 * (i + 1))].filter((v) => v <= T),
  };

  const caption = {
    data: { name: "beats" },
    transform: [byBeat],
    width,
    height: 34,
    // Two lines (split at the "; "): one long bold line would be wider than a notebook column, more
    // so in the static figure, where Vega estimates text widths without a canvas.
    mark: { type: "text", align: "left", baseline: "top", fontSize: 13, fontWeight: "bold", lineBreak: "; " },
    encoding: { text: { field: "caption" }, x: { value: 0 }, y: { value: 0 } },
  };
  const signal = {
    data: { name: "signals" },
    transform: unfold("v", ["beat"]),
    width,
    height: 150,
    title: { text: "ECG signal x_t, one sample per step", anchor: "start", fontSize: 12 },
    layer: [
      {
        mark: { type: "line", color: "#1f77b4", strokeWidth: 1.5 },
        encoding: {
          x: { field: "t", type: "quantitative", title: "time step t", scale: stepScale, axis: stepAxis },
          y: { field: "v", type: "quantitative", title: "x_t" },
        },
      },
      // Invisible points give the line a tooltip at the nearest step; only a browser draws them
      // (the static fallback would carry a point and a Voronoi cell per step for nothing).
      {
        transform: [{ filter: IN_BROWSER }],
        mark: { type: "point", opacity: 0, size: 60 },
        params: [
          {
            name: "hover",
            select: { type: "point", fields: ["t"], nearest: true, on: "mouseover", clear: "mouseout" },
          },
        ],
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "v", type: "quantitative" },
          tooltip: [
            { field: "t", type: "quantitative", title: "step" },
            { field: "v", type: "quantitative", title: "x_t" },
          ],
        },
      },
      {
        mark: { type: "rule", color: "#888" },
        transform: [{ filter: { param: "hover", empty: false } }],
        encoding: { x: { field: "t", type: "quantitative" } },
      },
    ],
  };
  const readout = {
    data: { name: "outputs" },
    transform: [byBeat],
    width: 150,
    height: 150,
    title: {
      text: "read-out y (largest = predicted)",
      subtitle: ["green: true and predicted", "orange: true; red: predicted"],
      anchor: "start",
      fontSize: 12,
      subtitleFontSize: 10,
    },
    mark: "bar",
    encoding: {
      y: {
        field: "k",
        type: "ordinal",
        title: null,
        axis: { labelExpr: `${JSON.stringify(classNames.map((n) => shortName(n)))}[datum.value]` },
      },
      x: { field: "y", type: "quantitative", title: "y" },
      color: {
        field: "role",
        type: "nominal",
        scale: {
          domain: ["true and predicted", "true class", "predicted", "other"],
          range: ["#2ca02c", "#ff7f0e", "#d62728", "#bbbbbb"],
        },
        legend: null,
      },
      tooltip: [
        { field: "k", type: "ordinal", title: "class (0-based)" },
        { field: "y", type: "quantitative", title: "y" },
        { field: "role", type: "nominal", title: "role" },
      ],
    },
  };
  const hidden = {
    data: { name: "hidden" },
    transform: [
      ...unfold("h", ["beat", "unit"], true),
      { calculate: "toNumber(datum.h) / 1000", as: "h" }, // stored in thousandths
      { calculate: "datum.t - 0.5", as: "t0" },
      { calculate: "datum.t + 0.5", as: "t1" },
    ],
    width,
    height: Math.max(80, 10 * shown.length),
    title: {
      text: `hidden state h_t, the ${shown.length} units that vary most`,
      anchor: "start",
      fontSize: 12,
    },
    mark: "rect",
    encoding: {
      x: { field: "t0", type: "quantitative", title: "time step t", scale: stepScale, axis: stepAxis },
      x2: { field: "t1" },
      y: { field: "unit", type: "ordinal", title: "hidden unit" },
      color: {
        field: "h",
        type: "quantitative",
        title: "h_t",
        scale: { scheme: "redblue", domain: [-1, 1], reverse: true },
      },
      tooltip: [
        { field: "t", type: "quantitative", title: "step" },
        { field: "unit", type: "ordinal", title: "unit" },
        { field: "h", type: "quantitative", title: "h_t" },
      ],
    },
  };

  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title === undefined ? {} : { title: options.title }),
    usermeta: { embedOptions: EMBED_OPTIONS },
    params: [
      {
        name: "beat",
        value: 0,
        bind: {
          input: "select",
          name: "test beat ",
          options: beats.map((b) => b.beat),
          labels: beats.map((b) => b.label),
        },
      },
    ],
    datasets: { beats, signals: signalRows, hidden: hiddenRows, outputs: outputRows },
    vconcat: [caption, { hconcat: [signal, readout] }, hidden],
    config: { view: { stroke: null } },
  };
  return spec as unknown as TopLevelSpec;
}

/** h in thousandths, as an integer (−0 written as 0; a non-finite state as NaN, drawn as missing). */
function thousandths(h: number): number {
  return Number.isFinite(h) ? Math.round(h * 1000) || 0 : NaN;
}

/** A class name cut to its first words, for an axis label ("R-on-T premature ventricular contraction" → "R-on-T premature…"). */
function shortName(name: string): string {
  return name.length <= 18 ? name : `${name.slice(0, 17).trimEnd()}…`;
}
