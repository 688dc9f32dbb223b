/**
 * The two-parameter linear RNN of labs 003 and 004:
 *
 *   s_k = x_k · w_x + s_{k−1} · w_rec,   s_0 = 0,   y = s_n,   ξ = mean_i (y_i − t_i)²
 *
 * It has no non-linearity, so the gradient reaching step k is the output gradient times w_rec^(n−k):
 * the smallest net that shows gradients vanishing (|w_rec| < 1) or exploding (|w_rec| > 1) through time.
 * Forward (float64, as NumPy), the hand-derived backward beside it, and the same loss in
 * TensorFlow.js for the autodiff check. Introduced in lab 003.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertRank, ndarray } from "../ndarray";

export interface LinearRnnParams {
  /** Input weight w_x. */
  wx: number;
  /** Recurrent weight w_rec. */
  wRec: number;
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
 * Unfolds the net over time. X: [batch, time]. Returns S: [batch, time + 1], S[:, 0] = 0 and
 * S[:, time] the outputs (the backward pass needs every state).
 */
export function forwardStates(X: NdArray, params: LinearRnnParams): NdArray {
  checkInputs(X);
  const [batch, time] = X.shape;
  const S = ndarray([batch, time + 1]); // (B, T+1)
  for (let i = 0; i < batch; i++) {
    for (let k = 0; k < time; k++) {
      S.data[i * (time + 1) + k + 1] = updateState(X.data[i * time + k], S.data[i * (time + 1) + k], params);
    }
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

/** ∂(y_i − t_i)²/∂y_i = 2(y_i − t_i), per sequence (the batch mean is taken in the backward pass). */
export function outputGradient(y: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: y.length }, (_, i) => 2 * (y[i] - t[i]));
}

export interface LinearRnnBackward {
  /** ∂ξ/∂w_x and ∂ξ/∂w_rec of the batch-mean loss. */
  grads: LinearRnnParams;
  /**
   * [batch, time + 1]: entry (i, k) is ∂(y_i − t_i)²/∂s_k for sequence i, the per-sequence gradient
   * that flows back to step k (column `time` is the output gradient itself).
   */
  gradOverTime: NdArray;
}

/**
 * Backpropagation through time. With g_k = ∂(y − t)²/∂s_k:
 *   g_n = 2(y − t);   g_{k−1} = g_k · w_rec                      (∂s_k/∂s_{k−1} = w_rec)
 *   ∂ξ/∂w_x   = mean_i Σ_k g_k · x_k                             (∂s_k/∂w_x  = x_k)
 *   ∂ξ/∂w_rec = mean_i Σ_k g_k · s_{k−1}                         (∂s_k/∂w_rec = s_{k−1})
 * X: [batch, time]; S: [batch, time + 1] from forwardStates; gradOut: [batch].
 */
export function backwardGradient(X: NdArray, S: NdArray, gradOut: ArrayLike<number>, wRec: number): LinearRnnBackward {
  checkInputs(X, gradOut);
  const [batch, time] = X.shape;
  if (S.shape[0] !== batch || S.shape[1] !== time + 1) {
    throw new RangeError(`states S must be [${batch}, ${time + 1}] for X [${batch}, ${time}], got [${S.shape.join(", ")}]`);
  }
  const G = ndarray([batch, time + 1]); // (B, T+1)
  const T1 = time + 1;
  for (let i = 0; i < batch; i++) G.data[i * T1 + time] = gradOut[i];
  let wxGrad = 0;
  let wRecGrad = 0;
  // Time outer, batch inner, a batch mean per step: the original's order of summation.
  for (let k = time; k > 0; k--) {
    let wxStep = 0;
    let wRecStep = 0;
    for (let i = 0; i < batch; i++) {
      const g = G.data[i * T1 + k];
      wxStep += g * X.data[i * time + k - 1];
      wRecStep += g * S.data[i * T1 + k - 1];
      G.data[i * T1 + k - 1] = g * wRec;
    }
    wxGrad += wxStep / batch;
    wRecGrad += wRecStep / batch;
  }
  return { grads: { wx: wxGrad, wRec: wRecGrad }, gradOverTime: G };
}

/** Loss and hand-derived gradients at `params`: what an optimiser step needs. */
export function lossAndGradients(X: NdArray, targets: ArrayLike<number>, params: LinearRnnParams): { loss: number; grads: LinearRnnParams } {
  checkInputs(X, targets);
  const S = forwardStates(X, params);
  const y = outputs(S);
  const { grads } = backwardGradient(X, S, outputGradient(y, targets), params.wRec);
  return { loss: mseLoss(y, targets), grads };
}

/**
 * The same loss in TensorFlow.js ops (float32), so autodiff can check the hand-derived gradients.
 * `params` holds the scalar tensors `wx` and `wRec` (keyed like toParamSet, as gradCheck passes them).
 */
export function tfLoss(X: NdArray, targets: ArrayLike<number>, params: Record<string, tf.Tensor>): tf.Scalar {
  checkInputs(X, targets);
  for (const name of ["wx", "wRec"]) {
    if (params[name] === undefined || params[name].size !== 1) throw new RangeError(`tfLoss: params.${name} must be a scalar tensor`);
  }
  const [batch, time] = X.shape;
  return tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(X.data), [batch, time], "float32"); // (B, T)
    let s: tf.Tensor1D = tf.zeros([batch]); // (B,)
    for (let k = 0; k < time; k++) {
      const xk = tf.squeeze(tf.slice(x, [0, k], [batch, 1]), [1]) as tf.Tensor1D; // (B,)
      s = tf.add(tf.mul(xk, params.wx), tf.mul(s, params.wRec));
    }
    return tf.mean(tf.square(tf.sub(tf.tensor1d(Float32Array.from(targets)), s))) as tf.Scalar;
  });
}

/**
 * ∂ξ/∂S_k summed over the batch, for k = 0 … time: what labs 003/004 plot as "gradient over time".
 * (The originals plotted N² times this: they broadcast the batch-summed output gradient to every
 * sequence, then summed over the batch again, and skipped the 1/N of the mean.)
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

/** The two weights as a ParamSet of scalars (shape []), the form gradCheck and optimisers take. */
export function toParamSet({ wx, wRec }: LinearRnnParams): ParamSet {
  return { wx: ndarray([], [wx]), wRec: ndarray([], [wRec]) };
}

/** Back from a ParamSet of scalars. */
export function fromParamSet(p: ParamSet): LinearRnnParams {
  return { wx: p.wx.data[0], wRec: p.wRec.data[0] };
}
