/**
 * Evaluates a loss over a grid of two weights, like the labs' `get_loss_surface` (np.meshgrid):
 * values[i·n + j] is the loss at (xs[j], ys[i]). The result feeds src/plot/surface.ts.
 * Introduced in lab 003 (the linear RNN's two weights).
 */
import { linspace } from "../ndarray";
import { rejectUnknownOptions } from "../optim/optimizer";

export interface LossSurfaceOptions {
  /** Range of the first weight (x axis), inclusive. */
  x: readonly [number, number];
  /** Range of the second weight (y axis), inclusive. */
  y: readonly [number, number];
  /** Grid points per axis (labs: 100 in 003, 50 in 004). */
  n: number;
  /** The loss at (x, y). */
  loss: (x: number, y: number) => number;
}

export interface LossSurface {
  xs: number[];
  ys: number[];
  /** Row-major [ys.length, xs.length]. */
  values: Float64Array;
}

export function lossSurface(options: LossSurfaceOptions): LossSurface {
  rejectUnknownOptions("lossSurface", options, ["x", "y", "n", "loss"]);
  const { x, y, n, loss } = options;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`lossSurface: n must be an integer >= 2, got ${n}`);
  const xs = linspace(x[0], x[1], n);
  const ys = linspace(y[0], y[1], n);
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values[i * n + j] = loss(xs[j], ys[i]);
  return { xs, ys, values };
}
