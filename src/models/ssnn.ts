/**
 * The state-space neural network (SSNN) of lab 000: a linear recurrent net
 *
 *   x_k = A·x_{k−1} + B·u_k,     y_k = C·x_k + D·u_k,     k = 1 … T,   x_0 = 0 (or given)
 *
 * with A [x_len, x_len], B [x_len, u_len], C [y_len, x_len], D [y_len, u_len], no bias and no
 * activation. Being linear, it is a discrete-time linear system, so control theory applies: its
 * observability matrix O = [C; C·A; …; C·A^(x_len−1)] says whether the state can be recovered from
 * the outputs (det O ≠ 0 for a single output), which lab 000 logs while BPTT trains the net.
 *
 * Forward (float64) returning every state, the hand-derived BPTT beside it, the MSE on the last
 * output (what the lab trains), the autoregressive roll-out, and the same loss in TensorFlow.js
 * ops for the autodiff check. Used by notebook 000 and test/ssnn.test.ts. Introduced in lab 000.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { rejectUnknownOptions } from "../optim/optimizer";
import { NumpyRandom } from "../random";
import { determinant, matmul } from "./linear-algebra";

/** The four matrices, keyed like their gradients (a ParamSet, so optimisers update them in place). */
export type SsnnParams = {
  /** State transition, [x_len, x_len]. */
  A: NdArray;
  /** Input to state, [x_len, u_len]. */
  B: NdArray;
  /** State to output, [y_len, x_len]. */
  C: NdArray;
  /** Input straight to output (feed-through), [y_len, u_len]. */
  D: NdArray;
};

export interface SsnnSizes {
  uLen: number;
  xLen: number;
  yLen: number;
}

export interface InitSsnnOptions {
  /** Input features per step (the lab: 1, one signal sample). */
  uLen?: number;
  /** State size (the lab: 10). */
  xLen?: number;
  /** Outputs per step (the lab: 1, the next sample). */
  yLen?: number;
  /** Seed of the NumpyRandom that draws A, B, C, D in that order (default 0, as the lab seeds NumPy). */
  seed?: number;
}

const INIT_OPTIONS = ["uLen", "xLen", "yLen", "seed"];

/**
 * Parameters drawn uniform in ±1/√x_len (PyTorch's default for a layer with x_len inputs), so the
 * initial A has spectral radius well below 1 and the untrained net is a stable system.
 */
export function initSsnn(options: InitSsnnOptions = {}): SsnnParams {
  rejectUnknownOptions("initSsnn", options, INIT_OPTIONS);
  const { uLen = 1, xLen = 10, yLen = 1, seed = 0 } = options;
  for (const [name, v] of Object.entries({ uLen, xLen, yLen })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`initSsnn: ${name} must be a positive integer, got ${v}`);
  }
  const rng = new NumpyRandom(seed);
  const k = 1 / Math.sqrt(xLen);
  const draw = (shape: number[]) => rng.uniform({ low: -k, high: k, size: shape });
  return { A: draw([xLen, xLen]), B: draw([xLen, uLen]), C: draw([yLen, xLen]), D: draw([yLen, uLen]) };
}

/**
 * The sizes the four matrices imply; throws if one is missing or they do not fit together.
 * Functions here take any ParamSet (what gradCheck and optimisers pass) and check it this way.
 */
export function ssnnSizes(params: ParamSet): SsnnSizes {
  const { A, B, C, D } = params;
  for (const [name, M] of Object.entries({ A, B, C, D })) {
    if (M === undefined) throw new Error(`SSNN parameters have no ${name}; pass {A, B, C, D} as initSsnn returns them (got ${Object.keys(params).join(", ") || "nothing"})`);
    if (M.shape?.length !== 2) throw new RangeError(`SSNN parameter ${name} must be a matrix, got shape [${M.shape?.join(", ")}]`);
  }
  const xLen = A.shape[0];
  const uLen = B.shape[1];
  const yLen = C.shape[0];
  assertShape(A, [xLen, xLen], "SSNN parameter A", ["x_len", "x_len"]);
  assertShape(B, [xLen, uLen], "SSNN parameter B", ["x_len", "u_len"]);
  assertShape(C, [yLen, xLen], "SSNN parameter C", ["y_len", "x_len"]);
  assertShape(D, [yLen, uLen], "SSNN parameter D", ["y_len", "u_len"]);
  return { uLen, xLen, yLen };
}

/** Checks u against the net: [batch, time, u_len], naming both widths when the last one is wrong. */
function checkInput(u: NdArray, { uLen }: SsnnSizes): [number, number] {
  if (u.shape.length !== 3) {
    throw new RangeError(`SSNN input u must be [batch, time, u_len=${uLen}], got shape [${u.shape.join(", ")}]`);
  }
  if (u.shape[2] !== uLen) {
    throw new RangeError(
      `SSNN input u has ${u.shape[2]} features per step but the net takes u_len = ${uLen} (B is [x_len, ${uLen}]); ` +
        `pass u as [batch, time, ${uLen}]`,
    );
  }
  if (u.shape[1] < 1) throw new RangeError(`SSNN input u has no time steps (shape [${u.shape.join(", ")}])`);
  return [u.shape[0], u.shape[1]];
}

export interface SsnnForward {
  /** States [batch, time + 1, x_len]: X[:, 0] = x_0, X[:, k] = x_k after input k. */
  states: NdArray;
  /** Outputs [batch, time, y_len]: Y[:, k − 1] = y_k. */
  outputs: NdArray;
}

/**
 * Unfolds the net over u [batch, time, u_len] from x0 [batch, x_len] (default zeros), keeping every
 * state for the backward pass.
 */
export function forward(params: ParamSet, u: NdArray, x0?: NdArray): SsnnForward {
  const sizes = ssnnSizes(params);
  const { uLen, xLen, yLen } = sizes;
  const [batch, time] = checkInput(u, sizes);
  const A = params.A.data, B = params.B.data, C = params.C.data, D = params.D.data;
  const X = ndarray([batch, time + 1, xLen]); // (B, T+1, X)
  const Y = ndarray([batch, time, yLen]); // (B, T, Y)
  if (x0 !== undefined) {
    assertShape(x0, [batch, xLen], "SSNN initial state x0", ["batch", "x_len"]);
    for (let i = 0; i < batch; i++) X.data.set(x0.data.subarray(i * xLen, (i + 1) * xLen), i * (time + 1) * xLen);
  }
  const S = X.data, U = u.data, O = Y.data;
  for (let i = 0; i < batch; i++) {
    for (let k = 1; k <= time; k++) {
      const prev = (i * (time + 1) + k - 1) * xLen; // offset of x_{k−1}
      const cur = prev + xLen; // offset of x_k
      const uk = (i * time + k - 1) * uLen; // offset of u_k
      for (let r = 0; r < xLen; r++) {
        let s = 0;
        const a = r * xLen, b = r * uLen;
        for (let c = 0; c < xLen; c++) s += A[a + c] * S[prev + c];
        for (let c = 0; c < uLen; c++) s += B[b + c] * U[uk + c];
        S[cur + r] = s;
      }
      const yk = (i * time + k - 1) * yLen;
      for (let r = 0; r < yLen; r++) {
        let s = 0;
        const a = r * xLen, b = r * uLen;
        for (let c = 0; c < xLen; c++) s += C[a + c] * S[cur + c];
        for (let c = 0; c < uLen; c++) s += D[b + c] * U[uk + c];
        O[yk + r] = s;
      }
    }
  }
  return { states: X, outputs: Y };
}

/** The last output of each sequence, [batch, time, y_len] → [batch, y_len]. */
export function lastOutput(outputs: NdArray): NdArray {
  const [batch, time, yLen] = outputs.shape;
  const out = ndarray([batch, yLen]); // (B, Y)
  for (let i = 0; i < batch; i++) out.data.set(outputs.data.subarray(((i + 1) * time - 1) * yLen, (i + 1) * time * yLen), i * yLen);
  return out;
}

export interface SsnnBackward {
  /** ∂L/∂A, ∂L/∂B, ∂L/∂C, ∂L/∂D, shaped like the parameters. */
  grads: SsnnParams;
  /** ∂L/∂x_0, [batch, x_len] (for carrying state across chunks). */
  gradX0: NdArray;
}

/**
 * Backpropagation through time for any loss L whose gradient with respect to the outputs is
 * gradY = ∂L/∂y_k, [batch, time, y_len]. With δ_k = ∂L/∂x_k (through every later step):
 *   δ_T = Cᵀ·g_T;   δ_k = Cᵀ·g_k + Aᵀ·δ_{k+1}                  (x_{k+1} = A·x_k + B·u_{k+1})
 *   ∂L/∂A = Σ_k δ_k·x_{k−1}ᵀ    ∂L/∂B = Σ_k δ_k·u_kᵀ            (x_k = A·x_{k−1} + B·u_k)
 *   ∂L/∂C = Σ_k g_k·x_kᵀ        ∂L/∂D = Σ_k g_k·u_kᵀ            (y_k = C·x_k + D·u_k)
 *   ∂L/∂x_0 = Aᵀ·δ_1
 * summed over the batch (gradY already carries the loss's 1/N). u, states from `forward`.
 */
export function backward(params: ParamSet, u: NdArray, fwd: SsnnForward, gradY: NdArray): SsnnBackward {
  const sizes = ssnnSizes(params);
  const { uLen, xLen, yLen } = sizes;
  const [batch, time] = checkInput(u, sizes);
  assertShape(fwd.states, [batch, time + 1, xLen], "SSNN states", ["batch", "time+1", "x_len"]);
  assertShape(gradY, [batch, time, yLen], "SSNN output gradient", ["batch", "time", "y_len"]);
  const A = params.A.data, C = params.C.data;
  const S = fwd.states.data;
  const gA = ndarray([xLen, xLen]), gB = ndarray([xLen, uLen]), gC = ndarray([yLen, xLen]), gD = ndarray([yLen, uLen]);
  const gX0 = ndarray([batch, xLen]); // (B, X)
  const delta = new Float64Array(xLen); // δ_k of one sequence, (X,)
  const next = new Float64Array(xLen); // Aᵀ·δ_{k+1}, (X,)
  for (let i = 0; i < batch; i++) {
    next.fill(0);
    for (let k = time; k >= 1; k--) {
      const cur = (i * (time + 1) + k) * xLen; // x_k
      const prev = cur - xLen; // x_{k−1}
      const uk = (i * time + k - 1) * uLen;
      const gk = (i * time + k - 1) * yLen;
      // δ_k = Cᵀ·g_k + Aᵀ·δ_{k+1}; and the output-side gradients of step k.
      delta.set(next);
      for (let r = 0; r < yLen; r++) {
        const g = gradY.data[gk + r];
        if (g === 0) continue; // the lab's loss touches only the last step
        for (let c = 0; c < xLen; c++) {
          delta[c] += C[r * xLen + c] * g;
          gC.data[r * xLen + c] += g * S[cur + c];
        }
        for (let c = 0; c < uLen; c++) gD.data[r * uLen + c] += g * u.data[uk + c];
      }
      // State-side gradients of step k, then δ flows back through A.
      for (let r = 0; r < xLen; r++) {
        const d = delta[r];
        if (d === 0) continue;
        for (let c = 0; c < xLen; c++) gA.data[r * xLen + c] += d * S[prev + c];
        for (let c = 0; c < uLen; c++) gB.data[r * uLen + c] += d * u.data[uk + c];
      }
      for (let c = 0; c < xLen; c++) {
        let s = 0;
        for (let r = 0; r < xLen; r++) s += A[r * xLen + c] * delta[r];
        next[c] = s;
      }
    }
    gX0.data.set(next, i * xLen);
  }
  return { grads: { A: gA, B: gB, C: gC, D: gD }, gradX0: gX0 };
}

function checkTargets(targets: NdArray, batch: number, yLen: number): void {
  assertShape(targets, [batch, yLen], "SSNN targets", ["batch", "y_len"]);
}

/** MSE of the last outputs [batch, y_len] against targets [batch, y_len], mean over every entry (torch.nn.MSELoss). */
export function mseLastOutput(yLast: NdArray, targets: NdArray): number {
  checkTargets(targets, yLast.shape[0], yLast.shape[1]);
  let s = 0;
  for (let i = 0; i < yLast.data.length; i++) s += (yLast.data[i] - targets.data[i]) ** 2;
  return s / yLast.data.length;
}

export interface SsnnLossAndGradients {
  /** L = mean over batch and outputs of (y_T − t)². */
  loss: number;
  grads: SsnnParams;
  /** The last outputs, [batch, y_len]. */
  yLast: NdArray;
}

/**
 * The lab's training objective and its gradients: the MSE of the last output y_T against the next
 * sample, ∂L/∂y_T = 2(y_T − t)/(batch·y_len), ∂L/∂y_k = 0 for k < T. u: [batch, time, u_len],
 * targets: [batch, y_len]. Its {loss, grads} is what `train`'s step returns.
 */
export function lossAndGradients(params: ParamSet, u: NdArray, targets: NdArray): SsnnLossAndGradients {
  const sizes = ssnnSizes(params);
  const [batch, time] = checkInput(u, sizes);
  checkTargets(targets, batch, sizes.yLen);
  const fwd = forward(params, u);
  const yLast = lastOutput(fwd.outputs);
  const n = batch * sizes.yLen;
  const gradY = ndarray([batch, time, sizes.yLen]); // (B, T, Y), zero but at the last step
  for (let i = 0; i < batch; i++) {
    for (let r = 0; r < sizes.yLen; r++) {
      gradY.data[((i + 1) * time - 1) * sizes.yLen + r] = (2 * (yLast.data[i * sizes.yLen + r] - targets.data[i * sizes.yLen + r])) / n;
    }
  }
  return { loss: mseLastOutput(yLast, targets), grads: backward(params, u, fwd, gradY).grads, yLast };
}

/**
 * The same loss in TensorFlow.js ops (float32), for the autodiff check:
 * x ← x·Aᵀ + u_k·Bᵀ over time (row-vector form of A·x + B·u), then mean((x_T·Cᵀ + u_T·Dᵀ − t)²).
 */
export function tfLoss(u: NdArray, targets: NdArray, params: Record<string, tf.Tensor>): tf.Scalar {
  for (const name of ["A", "B", "C", "D"]) {
    if (params[name]?.rank !== 2) throw new RangeError(`tfLoss: params.${name} must be a 2-D tensor (the SSNN's ${name} matrix)`);
  }
  const [A, B, C, D] = [params.A, params.B, params.C, params.D] as tf.Tensor2D[];
  const [batch, time, uLen] = u.shape;
  const xLen = A.shape[0];
  const yLen = C.shape[0];
  checkInput(u, { uLen: B.shape[1], xLen, yLen });
  checkTargets(targets, batch, yLen);
  return tf.tidy(() => {
    const U = tf.tensor3d(Float32Array.from(u.data), [batch, time, uLen]); // (B, T, U)
    const At = tf.transpose(A), Bt = tf.transpose(B);
    let x: tf.Tensor2D = tf.zeros([batch, xLen]); // (B, X)
    let uk: tf.Tensor2D = tf.zeros([batch, uLen]);
    for (let k = 0; k < time; k++) {
      uk = tf.reshape(tf.slice(U, [0, k, 0], [batch, 1, uLen]), [batch, uLen]); // (B, 1, U) → (B, U)
      x = tf.add(tf.matMul(x, At), tf.matMul(uk, Bt));
    }
    const y = tf.add(tf.matMul(x, tf.transpose(C)), tf.matMul(uk, tf.transpose(D))); // (B, Y)
    return tf.mean(tf.square(tf.sub(y, tf.tensor2d(Float32Array.from(targets.data), [batch, yLen])))) as tf.Scalar;
  });
}

/**
 * The observability matrix O = [C; C·A; C·A²; …; C·A^(x_len−1)], [x_len·y_len, x_len]: block k
 * (rows k·y_len … (k+1)·y_len − 1) is C·A^k. The pair (A, C) is observable iff O has rank x_len.
 */
export function observabilityMatrix(A: NdArray, C: NdArray): NdArray {
  assertShape(A, [null, A.shape[0]], "observability: A", ["x_len", "x_len"]);
  const xLen = A.shape[0];
  assertShape(C, [null, xLen], "observability: C", ["y_len", `x_len=${xLen}`]);
  const yLen = C.shape[0];
  const O = ndarray([xLen * yLen, xLen]); // (X·Y, X)
  let block = C; // C·A^k, (Y, X)
  for (let k = 0; k < xLen; k++) {
    O.data.set(block.data, k * yLen * xLen);
    if (k < xLen - 1) block = matmul(block, A);
  }
  return O;
}

/**
 * det(O) of a single-output net (O is square only when y_len = 1). Computed in float64 by LU: O's
 * rows C·A^k shrink like ρ(A)^k, so det(O) is often tiny and float32 would lose it.
 */
export function observabilityDeterminant(params: { A: NdArray; C: NdArray }): number {
  if (params.C.shape[0] !== 1) {
    throw new RangeError(
      `observabilityDeterminant: O is square only for one output, but C is [${params.C.shape.join(", ")}] (y_len = ${params.C.shape[0]}); ` +
        `use observabilityMatrix and a rank test instead`,
    );
  }
  return determinant(observabilityMatrix(params.A, params.C));
}

export interface RollOutOptions {
  /** True samples that start the roll-out (the lab: 10 samples right after the training signal). */
  seed: ArrayLike<number>;
  /** Points in the result, seed included (the lab: 100). */
  length: number;
  /** How many latest points each prediction sees, from a zero state (default: the seed's length). */
  window?: number;
}

/**
 * The lab's autoregressive roll-out for a scalar signal (u_len = y_len = 1): starting from the
 * seed, each next point is the last output of the net run from x = 0 over the `window` latest
 * points, the net's own predictions included. Returns `length` points, [length].
 */
export function rollOut(params: ParamSet, options: RollOutOptions): Float64Array {
  rejectUnknownOptions("rollOut", options, ["seed", "length", "window"]);
  const { uLen, yLen } = ssnnSizes(params);
  if (uLen !== 1 || yLen !== 1) {
    throw new RangeError(`rollOut feeds predictions back as inputs, so it needs u_len = y_len = 1; this net has u_len = ${uLen}, y_len = ${yLen}`);
  }
  const { seed, length, window = seed.length } = options;
  if (!Number.isInteger(window) || window < 1 || window > seed.length) {
    throw new RangeError(`rollOut: window must be an integer in [1, ${seed.length}] (the seed's length), got ${window}`);
  }
  if (!Number.isInteger(length) || length < seed.length) {
    throw new RangeError(`rollOut: length must be an integer ≥ the seed's ${seed.length} points, got ${length}`);
  }
  const out = new Float64Array(length);
  out.set(Array.from(seed));
  for (let t = seed.length; t < length; t++) {
    const u = ndarray([1, window, 1], out.subarray(t - window, t)); // (1, W, 1)
    const { outputs } = forward(params, u);
    out[t] = outputs.data[window - 1];
  }
  return out;
}

/** A copy of the parameters (e.g. to keep a snapshot per epoch). */
export function cloneParams(params: ParamSet): SsnnParams {
  ssnnSizes(params);
  const copy = (M: NdArray) => ndarray(M.shape, M.data);
  return { A: copy(params.A), B: copy(params.B), C: copy(params.C), D: copy(params.D) };
}
