/**
 * The explorable figure of lab 001: how far back the error of a chunk's last step reaches,
 * ‖∂ℓ_T/∂h_{T−k}‖ relative to k = 0 (src/bptt/gradient-reach.ts measures it), for several models
 * before and after training. A slider moves k (the steps back), a dropdown picks the model:
 * - left, the picked model's two curves over k on a log axis, with the values at the slider's k;
 * - right, every model at the slider's k, before and after training, the picked one emphasised.
 * Vega-Lite 5 parameters bound to inputs, so it moves in the browser with no kernel (JupyterLab,
 * the results site); the static fallback draws it at the initial k and model. Pure: returns a
 * spec, never renders. Used by notebook 001. Introduced in issue 13.
 */
import type { TopLevelSpec } from "vega-lite";
import { TAB10 } from "./colors";
import { EMBED_OPTIONS } from "./explorable";
import { VEGA_LITE_SCHEMA, powerOfTenLabelExpr, titleProperty } from "./lines";
import { describe, expectNumberList, expectPositive, type NumberList, rejectUnknownOptions } from "../options";

export interface GradientReachCurve {
  /** The model's name (the dropdown's entry), e.g. "LSTM (16 units)". */
  model: string;
  /** When it was measured, e.g. "before training" / "after training": one line colour each. */
  phase: string;
  /** ‖∂ℓ_T/∂h_{T−k}‖ / ‖∂ℓ_T/∂h_T‖ for k = 0 … T−1 (gradientReach(…).relative). */
  values: NumberList;
}

export interface GradientReachExplorerOptions {
  curves: readonly GradientReachCurve[];
  /** The slider's first position (default 10, or T − 1 when the chunks are shorter). */
  k?: number;
  /** The model picked first (default the first curve's). */
  model?: string;
  title?: string | readonly string[];
  /** Plot width of the left panel in pixels (default 330; the right one below it is 330 too). */
  width?: number;
  /** Default 250. */
  height?: number;
}

const OPTIONS = ["curves", "k", "model", "title", "width", "height"] as const;

/** One point of the figure's data: a model, a phase, a step back k and the measured ratio. */
export interface GradientReachRow {
  model: string;
  phase: string;
  k: number;
  /** The ratio as measured (0 when nothing reaches back). */
  value: number;
  /** Where it is drawn: the value, or the log axis' lower end for 0. */
  shown: number;
  /** The value as the notebook prints it (1 significant digit, e.g. "4.0e+0"). */
  label: string;
}

/** The rows the figure draws, one per curve and k (exported for tests and for other front-ends). */
export function gradientReachRows(curves: readonly GradientReachCurve[]): {
  rows: GradientReachRow[];
  steps: number;
  domain: [number, number];
} {
  const where = "gradientReachExplorer";
  if (!Array.isArray(curves) || curves.length === 0) {
    throw new TypeError(
      `${where}: curves must be a non-empty array of {model, phase, values}, got ${describe(curves)}`,
    );
  }
  let steps = -1;
  const seen = new Set<string>();
  const checked = curves.map((c, i) => {
    rejectUnknownOptions(`${where}: curves[${i}]`, c, ["model", "phase", "values"]);
    if (typeof c?.model !== "string" || typeof c.phase !== "string")
      throw new TypeError(`${where}: curves[${i}] needs a model and a phase (strings)`);
    const key = JSON.stringify([c.model, c.phase]);
    if (seen.has(key))
      throw new Error(`${where}: two curves are "${c.model}", "${c.phase}"; give each model one curve per phase`);
    seen.add(key);
    const values = expectNumberList(where, `curves[${i}].values`, c.values, 2);
    if (steps !== -1 && values.length !== steps) {
      throw new RangeError(
        `${where}: curves[${i}].values has ${values.length} steps but curves[0] has ${steps}; measure every model on chunks of the same length`,
      );
    }
    steps = values.length;
    for (let k = 0; k < values.length; k++) {
      if (!(values[k] >= 0) || !Number.isFinite(values[k]))
        throw new RangeError(`${where}: curves[${i}].values[${k}] is ${values[k]}; a norm ratio is finite and ≥ 0`);
    }
    return { ...c, values };
  });
  const positive = checked.flatMap((c) => Array.from(c.values as ArrayLike<number>).filter((v) => v > 0));
  const lo = positive.length ? Number(`1e${Math.floor(Math.log10(Math.min(...positive)))}`) : 1e-12;
  const hi = positive.length ? Number(`1e${Math.ceil(Math.log10(Math.max(...positive)))}`) : 1;
  const rows = checked.flatMap((c) =>
    Array.from({ length: steps }, (_, k): GradientReachRow => {
      const value = c.values[k];
      return {
        model: c.model,
        phase: c.phase,
        k,
        value,
        shown: Math.max(value, lo),
        label: value === 0 ? "0" : value.toExponential(1),
      };
    }),
  );
  return { rows, steps, domain: [lo, hi === lo ? 10 * lo : hi] };
}

/** The explorable figure (see the file header); pure, returns a Vega-Lite v5 spec. */
export function gradientReachExplorer(options: GradientReachExplorerOptions): TopLevelSpec {
  const where = "gradientReachExplorer";
  rejectUnknownOptions(where, options, OPTIONS);
  const { rows, steps, domain } = gradientReachRows(options?.curves);
  const models = [...new Set(rows.map((r) => r.model))];
  const phases = [...new Set(rows.map((r) => r.phase))];
  const k0 = options.k ?? Math.min(10, steps - 1);
  if (!Number.isInteger(k0) || k0 < 0 || k0 >= steps)
    throw new RangeError(`${where}: k must be an integer in [0, ${steps - 1}], got ${describe(options.k)}`);
  const model0 = options.model ?? models[0];
  if (!models.includes(model0))
    throw new Error(`${where}: model "${model0}" has no curve; models are ${models.join(", ")}`);
  const width = options.width === undefined ? 330 : expectPositive(where, "width", options.width);
  const height = options.height === undefined ? 250 : expectPositive(where, "height", options.height);

  const ratio = "‖∂ℓ_T/∂h_{T−k}‖ / ‖∂ℓ_T/∂h_T‖";
  const color = {
    field: "phase",
    type: "nominal",
    sort: phases,
    scale: { domain: phases, range: TAB10.slice(0, phases.length) },
    legend: { title: null, orient: "bottom" },
  };
  // Ticks at whole decades only, labelled 10ⁿ (Vega's log axis would label 2…9 of every decade too).
  const [e0, e1] = domain.map((d) => Math.round(Math.log10(d)));
  const decades = Array.from({ length: e1 - e0 + 1 }, (_, i) => Number(`1e${e0 + i}`)); // exact 10ⁿ, no 10ⁿ·(1 + ε)
  const axis = { grid: false, values: decades, labelExpr: powerOfTenLabelExpr(decades, "superscript") };
  const y = { field: "shown", type: "quantitative", scale: { type: "log", domain, nice: false }, axis, title: ratio };
  const tooltip = [
    { field: "model", title: "model" },
    { field: "phase", title: "measured" },
    { field: "k", type: "quantitative", title: "steps back k" },
    { field: "label", title: "ratio" },
  ];
  const atK = { filter: "datum.k === stepsBack" };
  const left = {
    width,
    height,
    title: { text: { expr: "'How far back the error reaches: ' + pickedModel" }, fontSize: 12 },
    transform: [{ filter: "datum.model === pickedModel" }],
    encoding: {
      x: {
        field: "k",
        type: "quantitative",
        title: "k (steps back from the last step)",
        scale: { domain: [0, steps - 1], nice: false },
        axis: { grid: false, tickMinStep: 1 },
      },
      y,
      color,
    },
    layer: [
      { mark: { type: "line", strokeWidth: 1.5 }, encoding: { tooltip } },
      // One row (the first phase at k) for one rule at the slider's k.
      {
        transform: [{ filter: `datum.k === stepsBack && datum.phase === ${JSON.stringify(phases[0])}` }],
        mark: { type: "rule", color: "#888888", strokeDash: [4, 3] },
        encoding: { y: null, color: null },
      },
      { transform: [atK], mark: { type: "point", filled: true, size: 60 }, encoding: { tooltip } },
      {
        transform: [atK],
        mark: { type: "text", align: "left", dx: 7, dy: -7, fontSize: 11 },
        encoding: { text: { field: "label" } },
      },
    ],
  };
  const right = {
    width: 330,
    height,
    title: { text: { expr: "'Every model, ' + stepsBack + ' steps back'" }, fontSize: 12 },
    transform: [atK],
    mark: { type: "point", filled: true, size: 70 },
    encoding: {
      y: { field: "model", type: "nominal", sort: models, title: null, axis: { labelLimit: 400 } },
      x: { ...y, axis: { ...axis, grid: true }, title: "ratio at k" },
      color,
      opacity: { condition: { test: "datum.model === pickedModel", value: 1 }, value: 0.3 },
      tooltip,
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...titleProperty(where, options.title),
    // tslab sends no output metadata, so JupyterLab's renderer (vega-embed) reads its options here.
    usermeta: { embedOptions: EMBED_OPTIONS },
    params: [
      {
        name: "stepsBack",
        value: k0,
        bind: { input: "range", min: 0, max: steps - 1, step: 1, name: "steps back k " },
      },
      { name: "pickedModel", value: model0, bind: { input: "select", options: models, name: "model " } },
    ],
    data: { values: rows },
    // One above the other: side by side, the models' names between the panels made the figure wider than a 940 px column.
    vconcat: [left, right],
    resolve: { scale: { color: "shared", y: "independent" } },
  } as unknown as TopLevelSpec;
}
