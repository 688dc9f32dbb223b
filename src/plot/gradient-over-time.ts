/**
 * The "gradient over time" chart of notebooks 003 and 004: ∂ξ/∂S_k backpropagated from the output
 * (k = 0, on the left) to the first input (k = −n, on the right), one line per annotated point of
 * the loss surface, on a symmetric-log axis, with a tooltip on every point.
 *
 * Why the y ticks are placed here and not left to the data: the explicit ticks of the original
 * (±10², ±10⁴, ±10⁶, ±10⁸) are kept only inside the data's range, and our gradients are the
 * original's divided by N² (see lossGradientOverTime), so in lab 003 the negative half, where the
 * vanishing curves are, reaches only about −22 and got no tick at all. Each half that holds data
 * is now extended to its first tick, so both halves are labelled, as in the original.
 * Introduced in lab 003.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Axis } from "vega-lite/build/src/axis";
import { lineChart, powerOfTenLabelExpr, type LineSeries } from "./lines";
import { withEmbedOptions } from "./explorable";
import {
  describe,
  expectFinite,
  expectNumberList,
  NumberList,
  rejectUnknownOptions,
  roundSignificant,
} from "../options";

export interface GradientCurve {
  /** The point's w_x (w_in); with wRec it labels the legend "(wx, wRec)" as the original does. */
  wx: number;
  wRec: number;
  /** matplotlib letter or CSS colour of the point on the loss surface. */
  color?: string;
  /** ∂ξ/∂S_k summed over the batch, for k = −n … 0 (the original's grad_over_time.sum(axis=0)). */
  values: NumberList;
}

export interface GradientOverTimeOptions {
  curves: readonly GradientCurve[];
  title?: string | readonly string[];
  width?: number;
  height?: number;
  /** Default ±1e8, ±1e6, ±1e4, ±1e2 and 0, as in the original. */
  yTicks?: NumberList;
}

const GRADIENT_OPTIONS = ["curves", "title", "width", "height", "yTicks"] as const;

/** Original title of labs 003/004, on two lines like the matplotlib figure. */
export const GRADIENT_OVER_TIME_TITLE = [
  "Unstability of gradient in backward propagation.",
  "(backpropagate from left to right)",
] as const;

/**
 * Gradient of the loss with respect to each state S_k, backpropagated from the output (k = 0, on
 * the left) to the first input (k = −n, on the right), one line per annotated point; symlog y.
 * Used by notebooks 003 and 004.
 */
export function gradientOverTimeChart(options: GradientOverTimeOptions): TopLevelSpec {
  const where = "gradientOverTimeChart";
  rejectUnknownOptions(where, options, GRADIENT_OPTIONS);
  const curves = options?.curves;
  if (!Array.isArray(curves) || curves.length === 0) {
    throw new TypeError(`${where}: curves must be a non-empty array of {wx, wRec, values}, got ${describe(curves)}`);
  }
  let steps = -1;
  const series: LineSeries[] = curves.map((c, i) => {
    rejectUnknownOptions(`${where}: curves[${i}]`, c, ["wx", "wRec", "color", "values"]);
    expectFinite(where, `curves[${i}].wx`, c.wx);
    expectFinite(where, `curves[${i}].wRec`, c.wRec);
    const values = expectNumberList(where, `curves[${i}].values`, c.values, 2);
    if (steps !== -1 && values.length !== steps) {
      throw new RangeError(
        `${where}: curves[${i}].values has ${values.length} timesteps but curves[0] has ${steps}; all curves come from the same sequences`,
      );
    }
    steps = values.length;
    const n = values.length - 1;
    return {
      // Python's f'({wx}, {wRec})' prints 2 as "2" and 0.997 as "0.997", as String() does.
      name: `(${String(c.wx)}, ${String(c.wRec)})`,
      values,
      x: Array.from({ length: values.length }, (_, k) => k - n),
      ...(c.color === undefined ? {} : { color: c.color }),
    };
  });
  const n = steps - 1;
  const yTicks = Array.from(
    expectNumberList(where, "yTicks", options.yTicks ?? [1e8, 1e6, 1e4, 1e2, 0, -1e2, -1e4, -1e6, -1e8]),
  );
  const spec = lineChart({
    series,
    title: options.title ?? GRADIENT_OVER_TIME_TITLE,
    xTitle: "timestep k",
    yTitle: "∂ξ/∂Sₖ",
    yScale: "symlog",
    width: options.width ?? 420,
    height: options.height ?? 260,
    xDomain: [0, -n],
    xTicks: Array.from({ length: n + 1 }, (_, k) => (k === 0 ? 0 : -k)), // no -0: it would print as "-0"
    yTicks,
    legendTitle: "(w_x, w_rec)",
    strokeWidth: 1,
  });
  const y = (spec as unknown as { encoding: { y: { scale: { domain?: [number, number] }; axis: Axis } } }).encoding.y;
  if (y.scale.domain !== undefined) {
    const domain = domainReachingTicks(y.scale.domain, yTicks);
    y.scale.domain = domain;
    const shown = yTicks.filter((t) => t >= domain[0] && t <= domain[1]);
    y.axis.values = shown;
    y.axis.labelExpr = powerOfTenLabelExpr(shown, "superscript");
  }
  // The original writes ∂ξ/∂S_k upright beside the axis (ylabel rotation=0).
  Object.assign(y.axis, {
    titleAngle: 0,
    titleAlign: "right",
    titleBaseline: "middle",
    titleFontSize: 14,
  } satisfies Axis);
  return withEmbedOptions(spec);
}

/**
 * The symlog domain [lo, hi] widened, where a half (below or above 0) holds data but none of that
 * half's ticks, to that half's tick nearest 0, plus 5 % of the span (symlog space, constant 1).
 */
function domainReachingTicks([lo, hi]: [number, number], ticks: readonly number[]): [number, number] {
  const fwd = (v: number) => Math.sign(v) * Math.log1p(Math.abs(v));
  const inv = (u: number) => Math.sign(u) * Math.expm1(Math.abs(u));
  const negative = ticks.filter((t) => t < 0).sort((a, b) => b - a); // nearest 0 first
  const positive = ticks.filter((t) => t > 0).sort((a, b) => a - b);
  let [a, b] = [lo, hi];
  if (lo < 0 && negative.length > 0 && !negative.some((t) => t >= lo)) a = negative[0];
  if (hi > 0 && positive.length > 0 && !positive.some((t) => t <= hi)) b = positive[0];
  if (a === lo && b === hi) return [lo, hi];
  const pad = 0.05 * (fwd(b) - fwd(a));
  return [
    a === lo ? lo : (roundSignificant(inv(fwd(a) - pad)) as number),
    b === hi ? hi : (roundSignificant(inv(fwd(b) + pad)) as number),
  ];
}
