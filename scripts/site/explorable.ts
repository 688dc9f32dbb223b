// The marker that turns a chart of the results site into a live explorable: a Vega-Lite spec whose
// `usermeta.bpttLab.liveRprop` holds the object below. Vega-Lite, Vega and JupyterLab ignore
// `usermeta`, so a marked chart draws as before everywhere else; the site's page script
// (scripts/site/page.ts) reads it and wires the explorable in. The rest of `usermeta.bpttLab` (what
// the plot builders record there, e.g. a loss surface's panels) is theirs: only `liveRprop` is read
// here. Read by the page (in the browser) and by the tests (in Node), so this file imports nothing.
//
// The one live explorable so far (labs 003 and 004): a click on the loss surface runs the library's
// RProp, and plain gradient descent for contrast, from the clicked (w_x, w_rec), in the page
// (scripts/site/live-rprop.ts), and draws both paths on every panel of the figure. A notebook marks
// its loss-surface figure like this (X the [batch, time] inputs, t the targets):
//
//   const figure = lab.lossSurfaceFigure({ ... });
//   const usermeta = (figure.usermeta ?? {}) as { bpttLab?: object };
//   await lab.show({ ...figure, usermeta: { ...usermeta, bpttLab: { ...usermeta.bpttLab, liveRprop: {
//     model: "linear-rnn",
//     batch: { x: lab.toRows(X), y: Array.from(t) },
//     rprop: { etaPlus: 1.2, etaMinus: 0.5, initialStep: 0.003, initialSign: { wx: -1, wRec: 1 } },
//     iterations: nbOfIters, gradientDescent: { lr: 0.001 }, start: [-2, 2],
//   } } } }, { fallback: "png" });

/** Where the marker sits in a spec: spec.usermeta[USERMETA_KEY][LIVE_RPROP_KEY]. */
export const USERMETA_KEY = "bpttLab";
export const LIVE_RPROP_KEY = "liveRprop";

export interface LiveRpropMarker {
  /** The model whose loss the surface shows; the two-weight linear RNN of labs 003/004. */
  model: "linear-rnn";
  /** The training batch: x [batch, time] as rows of inputs, y [batch] targets. */
  batch: { x: number[][]; y: number[] };
  /** RProp's options, as the notebook passes them to lab.RProp. */
  rprop: { etaPlus?: number; etaMinus?: number; initialStep: number; initialSign?: { wx?: number; wRec?: number } };
  /** Iterations of each path (the notebook's nbOfIters). */
  iterations: number;
  /** Plain gradient descent, for contrast: w ← w − lr·∂ξ/∂w. */
  gradientDescent: { lr: number };
  /** [w_x, w_rec] of the paths drawn before any click (the notebook's own start); none when omitted. */
  start?: [number, number];
}

export type ExplorableMarker = LiveRpropMarker;

const LIVE_RPROP_KEYS = ["model", "batch", "rprop", "iterations", "gradientDescent", "start"];

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : JSON.stringify(v);
}

/**
 * The marker of a spec, checked: undefined when the spec has none; throws one line naming the field
 * and the fix when it is malformed (the page shows the static figure then, and says why).
 */
export function explorableMarker(spec: unknown): ExplorableMarker | undefined {
  const usermeta = (spec as { usermeta?: unknown } | null)?.usermeta;
  const ours = (usermeta as Record<string, unknown> | undefined)?.[USERMETA_KEY];
  const marker = (ours as Record<string, unknown> | undefined)?.[LIVE_RPROP_KEY];
  if (marker === undefined) return undefined;
  const where = `usermeta.${USERMETA_KEY}.${LIVE_RPROP_KEY}`;
  if (marker === null || typeof marker !== "object" || Array.isArray(marker)) {
    throw new TypeError(
      `${where} must be an object like {model: "linear-rnn", batch, rprop, ...}, got ${describe(marker)}`,
    );
  }
  const m = marker as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!LIVE_RPROP_KEYS.includes(key))
      throw new TypeError(`${where}: unknown field ${key}; fields are ${LIVE_RPROP_KEYS.join(", ")}`);
  }
  if (m.model !== "linear-rnn") throw new TypeError(`${where}.model must be "linear-rnn", got ${describe(m.model)}`);
  const batch = m.batch as { x?: unknown; y?: unknown } | undefined;
  const rows = batch?.x;
  if (
    !Array.isArray(rows) ||
    rows.length === 0 ||
    !rows.every((r) => Array.isArray(r) && r.length > 0 && r.every(isFiniteNumber))
  ) {
    throw new TypeError(
      `${where}.batch.x must be the inputs [batch, time] as non-empty rows of numbers (lab.toRows(X)), got ${describe(rows)}`,
    );
  }
  const time = (rows[0] as number[]).length;
  if (!rows.every((r) => (r as number[]).length === time))
    throw new RangeError(`${where}.batch.x: every row must have ${time} steps, as the first`);
  const y = batch?.y;
  if (!Array.isArray(y) || y.length !== rows.length || !y.every(isFiniteNumber)) {
    throw new TypeError(
      `${where}.batch.y must hold one finite target per row of batch.x (${rows.length}), got ${describe(y)}`,
    );
  }
  const rprop = m.rprop as Record<string, unknown> | undefined;
  if (!rprop || typeof rprop !== "object" || !isFiniteNumber(rprop.initialStep)) {
    throw new TypeError(
      `${where}.rprop must hold RProp's options with initialStep, as passed to lab.RProp, got ${describe(rprop)}`,
    );
  }
  if (!Number.isInteger(m.iterations) || (m.iterations as number) < 1) {
    throw new RangeError(`${where}.iterations must be a positive integer, got ${describe(m.iterations)}`);
  }
  const gd = m.gradientDescent as { lr?: unknown } | undefined;
  if (!gd || !isFiniteNumber(gd.lr) || !(gd.lr > 0)) {
    throw new TypeError(`${where}.gradientDescent must be {lr: a positive number}, got ${describe(gd)}`);
  }
  if (m.start !== undefined && !(Array.isArray(m.start) && m.start.length === 2 && m.start.every(isFiniteNumber))) {
    throw new TypeError(`${where}.start must be [w_x, w_rec], got ${describe(m.start)}`);
  }
  return marker as LiveRpropMarker;
}
