/**
 * The two-parameter linear RNN of labs 003 and 004:
 *
 *   s_k = x_k · w_x + s_{k−1} · w_rec,   s_0 = 0,   y = s_n,   ξ = mean_i (t_i − y_i)²
 *
 * It has no non-linearity, so the gradient reaching step k is the output gradient times w_rec^(n−k):
 * the smallest net that shows gradients vanishing (|w_rec| < 1) or exploding (|w_rec| > 1) through time.
 *
 * The file reads top to bottom like the original lab: the forward pass (`updateState`,
 * `forwardStates`), the loss, the output gradient and the backward pass (`backwardGradient`), each a
 * plain float64 loop over the equation it cites; notebooks 003 and 004 show them with
 * `lab.showSource`. They are the reference BPTT and, the net being this small, also the path that
 * trains: `LinearRnn` wraps them in the model contract (src/models/model.ts) for `train`,
 * `gradCheck` and the bench, and writes the same loss in TensorFlow.js ops for the autodiff check.
 * Introduced in lab 003.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertRank, ndarray } from "../ndarray";
import type { LossAndGradients, Model, Tf } from "./model";

/** The two weights as plain numbers (what the equations and the charts use). */
export interface LinearRnnParams {
  /** Input weight w_x. */
  wx: number;
  /** Recurrent weight w_rec. */
  wRec: number;
}

/** One batch of labs 003/004: sequences and their targets. */
export interface LinearRnnBatch {
  /** Inputs x_k, [batch, time]: one scalar per step. */
  x: NdArray;
  /** Targets t_i (the sums of the sequences), [batch]. */
  y: ArrayLike<number>;
}

function checkInputs(X: NdArray, targets?: ArrayLike<number>): void {
  if (X.shape.length !== 2) {
    throw new RangeError(
      `linear RNN input X must be [batch, time] (one scalar input per step), got shape [${X.shape.join(", ")}]`,
    );
  }
  if (targets !== undefined && targets.length !== X.shape[0]) {
    throw new RangeError(`linear RNN targets have ${targets.length} values for a batch of ${X.shape[0]} sequences`);
  }
}

/** One step of the recurrence: s_k = x_k·w_x + s_{k−1}·w_rec. */
export function updateState(xk: number, sPrev: number, { wx, wRec }: LinearRnnParams): number {
  return xk * wx + sPrev * wRec;
}

/**
 * Unfolds the net over time and keeps every state, since the backward pass needs them.
 * X: [batch, time]. Returns S: [batch, time + 1], S[:, 0] = s_0 = 0 and S[:, time] = y.
 */
export function forwardStates(X: NdArray, params: LinearRnnParams): NdArray {
  checkInputs(X);
  const [batch, n] = X.shape;
  const S = ndarray([batch, n + 1]); // (B, n+1), zeros: s_0 = 0
  for (let i = 0; i < batch; i++) {
    const x = X.data.subarray(i * n, (i + 1) * n); // x_1 … x_n of sequence i (x[k−1] is x_k)
    const s = S.data.subarray(i * (n + 1), (i + 1) * (n + 1)); // s_0 … s_n of sequence i
    for (let k = 1; k <= n; k++) s[k] = updateState(x[k - 1], s[k - 1], params);
  }
  return S;
}

/** The outputs y = S[:, time] of a states array [batch, time + 1]. */
export function outputs(S: NdArray): Float64Array {
  assertRank(S, 2, "states S");
  const [batch, cols] = S.shape;
  return Float64Array.from({ length: batch }, (_, i) => S.data[i * cols + cols - 1]);
}

/** ξ = mean_i (t_i − y_i)². */
export function mseLoss(y: ArrayLike<number>, t: ArrayLike<number>): number {
  if (y.length !== t.length) throw new RangeError(`mseLoss: ${y.length} outputs for ${t.length} targets`);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (t[i] - y[i]) ** 2;
  return s / y.length;
}

/** ∂(y_i − t_i)²/∂y_i = 2(y_i − t_i), per sequence (the backward pass takes the batch mean). */
export function outputGradient(y: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: y.length }, (_, i) => 2 * (y[i] - t[i]));
}

export interface LinearRnnBackward {
  /** ∂ξ/∂w_x and ∂ξ/∂w_rec of the batch-mean loss. */
  grads: LinearRnnParams;
  /**
   * [batch, time + 1]: entry (i, k) is g_k = ∂(y_i − t_i)²/∂s_k for sequence i, the per-sequence
   * gradient that flows back to step k (column `time` is the output gradient itself).
   */
  gradOverTime: NdArray;
}

/**
 * Backpropagation through time. With g_k = ∂(y − t)²/∂s_k:
 *   g_n = 2(y − t);   g_{k−1} = g_k · w_rec                      (∂s_k/∂s_{k−1} = w_rec)
 *   ∂ξ/∂w_x   = Σ_k mean_i g_k · x_k                             (∂s_k/∂w_x  = x_k)
 *   ∂ξ/∂w_rec = Σ_k mean_i g_k · s_{k−1}                         (∂s_k/∂w_rec = s_{k−1})
 * X: [batch, time]; S: [batch, time + 1] from forwardStates; gradOut: [batch] from outputGradient.
 */
export function backwardGradient(X: NdArray, S: NdArray, gradOut: ArrayLike<number>, wRec: number): LinearRnnBackward {
  checkInputs(X, gradOut);
  const [batch, n] = X.shape;
  if (S.shape[0] !== batch || S.shape[1] !== n + 1) {
    throw new RangeError(`states S must be [${batch}, ${n + 1}] for X [${batch}, ${n}], got [${S.shape.join(", ")}]`);
  }
  const x = (i: number, k: number) => X.data[i * n + k - 1]; // x_k of sequence i, k = 1 … n
  const s = (i: number, k: number) => S.data[i * (n + 1) + k]; // s_k of sequence i, k = 0 … n
  const G = ndarray([batch, n + 1]); // (B, n+1): g_k of every sequence and step
  const g = (i: number, k: number) => i * (n + 1) + k; // where g_k of sequence i sits in G
  for (let i = 0; i < batch; i++) G.data[g(i, n)] = gradOut[i]; // g_n = 2(y − t)
  let wxGrad = 0;
  let wRecGrad = 0;
  // Time outer, batch inner, a batch mean per step: the original's order of summation.
  for (let k = n; k >= 1; k--) {
    let wxStep = 0;
    let wRecStep = 0;
    for (let i = 0; i < batch; i++) {
      const gk = G.data[g(i, k)];
      wxStep += gk * x(i, k); // g_k · ∂s_k/∂w_x
      wRecStep += gk * s(i, k - 1); // g_k · ∂s_k/∂w_rec
      G.data[g(i, k - 1)] = gk * wRec; // g_{k−1} = g_k · ∂s_k/∂s_{k−1}
    }
    wxGrad += wxStep / batch;
    wRecGrad += wRecStep / batch;
  }
  return { grads: { wx: wxGrad, wRec: wRecGrad }, gradOverTime: G };
}

/**
 * ∂ξ/∂S_k averaged over the batch (the batch mean of g_k, so ∂ of the mean loss), k = 0 … time:
 * what labs 003/004 plot as "gradient over time". (The originals plotted N² times this: they
 * broadcast the batch-summed output gradient to every sequence, then summed over the batch again,
 * and skipped the 1/N of the mean.)
 */
export function lossGradientOverTime(X: NdArray, targets: ArrayLike<number>, params: LinearRnnParams): Float64Array {
  checkInputs(X, targets);
  const S = forwardStates(X, params);
  const { gradOverTime: G } = backwardGradient(X, S, outputGradient(outputs(S), targets), params.wRec);
  const [batch, cols] = G.shape;
  const out = new Float64Array(cols);
  for (let i = 0; i < batch; i++) for (let k = 0; k < cols; k++) out[k] += G.data[i * cols + k] / batch;
  return out;
}

/** The two weights of a ParamSet of scalars, refused with a one-line reason when malformed. */
function weightsOf(params: ParamSet, where: string): LinearRnnParams {
  for (const name of ["wx", "wRec"]) {
    if (params[name]?.data.length !== 1)
      throw new RangeError(
        `${where}: params.${name} must be a scalar (shape []), got ${params[name] === undefined ? "nothing" : `shape [${params[name].shape.join(", ")}]`}`,
      );
  }
  return { wx: params.wx.data[0], wRec: params.wRec.data[0] };
}

/**
 * The linear RNN in the model contract: parameters `wx` and `wRec` as scalars (shape []), the loss
 * and hand-derived gradients of a batch by the functions above, and the same loss in TensorFlow.js.
 * `train` steps an optimiser on `params` in place; `weights` reads them back as numbers.
 */
export class LinearRnn implements Model<LinearRnnBatch> {
  readonly name = "linear RNN";
  readonly params: ParamSet;

  constructor(init: LinearRnnParams) {
    if (!Number.isFinite(init?.wx) || !Number.isFinite(init?.wRec)) {
      throw new TypeError(`LinearRnn: pass the starting weights as numbers, e.g. { wx: -2, wRec: 2 }`);
    }
    this.params = { wx: ndarray([], [init.wx]), wRec: ndarray([], [init.wRec]) };
  }

  /** The current weights (or those of `params`) as numbers. */
  weights(params: ParamSet = this.params): LinearRnnParams {
    return weightsOf(params, "LinearRnn.weights");
  }

  /** Forward, loss ξ and BPTT over a batch at `params` (default: the model's own). */
  lossAndGradients({ x, y }: LinearRnnBatch, params: ParamSet = this.params): LossAndGradients {
    checkInputs(x, y);
    const w = weightsOf(params, "LinearRnn.lossAndGradients");
    const S = forwardStates(x, w);
    const out = outputs(S);
    const { grads } = backwardGradient(x, S, outputGradient(out, y), w.wRec);
    return { loss: mseLoss(out, y), grads: { wx: ndarray([], [grads.wx]), wRec: ndarray([], [grads.wRec]) } };
  }

  /** The same loss in TensorFlow.js ops (float32), for the autodiff check: `params` holds scalar tensors. */
  tfLoss(tf: Tf, { x, y }: LinearRnnBatch, params: Record<string, tfCore.Tensor>): tfCore.Scalar {
    checkInputs(x, y);
    for (const name of ["wx", "wRec"]) {
      if (params[name] === undefined || params[name].size !== 1)
        throw new RangeError(`LinearRnn.tfLoss: params.${name} must be a scalar tensor`);
    }
    const [batch, time] = x.shape;
    return tf.tidy(() => {
      const xs = tf.tensor2d(Float32Array.from(x.data), [batch, time], "float32"); // (B, T)
      let s: tfCore.Tensor1D = tf.zeros([batch]); // (B,)
      for (let k = 0; k < time; k++) {
        const xk = tf.squeeze(tf.slice(xs, [0, k], [batch, 1]), [1]) as tfCore.Tensor1D; // (B,)
        s = tf.add(tf.mul(xk, params.wx), tf.mul(s, params.wRec));
      }
      return tf.mean(tf.square(tf.sub(tf.tensor1d(Float32Array.from(y)), s))) as tfCore.Scalar;
    });
  }
}
