/**
 * The loss of a two-weight model as a surface: evaluated over a grid of the two weights like the
 * labs' `get_loss_surface` (np.meshgrid), the function the labs draw (`lossPlusOne`), and the path
 * an optimiser takes across it (`weightPath`, a recorder for train's `onEpochEnd`).
 * The grid feeds src/plot/surface.ts. Introduced in lab 003 (the linear RNN's w_x and w_rec).
 */
import { type ParamSet, linspace, ndarray } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import type { Model } from "../models/model";

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
  /** Row-major [ys.length, xs.length]: values[i·n + j] is the loss at (xs[j], ys[i]). */
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

/** The names of a model's two scalar parameters, in their order (x axis first), or a one-line error. */
function twoScalars<Batch>(model: Model<Batch>, where: string): [string, string] {
  const names = Object.keys(model.params);
  if (names.length !== 2 || names.some((n) => model.params[n].data.length !== 1)) {
    const shapes = names.map((n) => `${n} [${model.params[n].shape.join(", ")}]`).join(", ");
    throw new RangeError(
      `${where}: ${model.name} must have exactly two scalar parameters to have a loss surface, it has ${shapes}`,
    );
  }
  return [names[0], names[1]];
}

/**
 * The model's loss on `batch` as a function of its two scalar parameters (w_x, w_rec for the linear
 * RNN), the model's own parameters untouched.
 */
export function twoWeightLoss<Batch>(
  model: Model<Batch>,
  batch: Batch,
  where = "twoWeightLoss",
): (w1: number, w2: number) => number {
  const [a, b] = twoScalars(model, where);
  return (w1, w2) => {
    const params: ParamSet = { [a]: ndarray([], [w1]), [b]: ndarray([], [w2]) };
    return model.lossAndGradients(batch, params).loss;
  };
}

/**
 * ξ + 1 at (w1, w2): what labs 003 and 004 draw on a log colour scale (the original's
 * `loss_ws + 1`). The +1 keeps the logarithm finite at the minimum, where ξ = 0.
 */
export function lossPlusOne<Batch>(model: Model<Batch>, batch: Batch): (w1: number, w2: number) => number {
  const loss = twoWeightLoss(model, batch, "lossPlusOne");
  return (w1, w2) => loss(w1, w2) + 1;
}

export interface WeightPath {
  /** [w1, w2] at the start and after every epoch (one optimiser step per epoch in labs 003/004). */
  readonly points: [number, number][];
  /** Pass as train's `onEpochEnd`: records the parameters as they are after the epoch. */
  readonly onEpochEnd: () => void;
}

/**
 * Records the path of a two-weight model's parameters through training (the original's
 * `ls_of_ws`): the starting point now, then one point per `onEpochEnd` call.
 *   const path = weightPath(model);
 *   await train({ model, optimizer, epochs, batches, onEpochEnd: path.onEpochEnd });
 */
export function weightPath<Batch>(model: Model<Batch>): WeightPath {
  const [a, b] = twoScalars(model, "weightPath");
  const points: [number, number][] = [];
  const record = () => {
    points.push([model.params[a].data[0], model.params[b].data[0]]);
  };
  record();
  return { points, onEpochEnd: record };
}
