/**
 * The state-space neural network (SSNN) of lab 000: a linear recurrent net
 *
 *   x_k = A·x_{k−1} + B·u_k     (1)        y_k = C·x_k + D·u_k     (2)        k = 1 … T,  x_0 = 0 (or given)
 *
 * with A [x_len, x_len], B [x_len, u_len], C [y_len, x_len], D [y_len, u_len], no bias and no
 * activation. Being linear, it is a discrete-time linear system, so control theory applies: its
 * observability matrix O = [C; C·A; …; C·A^(x_len−1)] says whether the state can be recovered from
 * the outputs (det O ≠ 0 for a single output), which lab 000 logs while BPTT trains the net.
 *
 * `ssnnForward` and `ssnnBptt` are the model's forward pass and its hand-derived BPTT, plain float64
 * loops in the order of the equations; there is no separate fast path (a 10-state net is small), so
 * they are also the reference the notebook shows. `ssnn()` wraps them in the model contract
 * (src/models/model.ts): the MSE of the last output and its gradients, and the same loss in
 * TensorFlow.js ops for the autodiff check (TensorFlow.js is passed in: this file imports only its
 * types). Also here: the observability matrix and det(O), and the autoregressive roll-out.
 * Used by notebook 000, src/models/ssnn-run.ts and test/ssnn.test.ts. Introduced in lab 000.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import { NumpyRandom } from "../random";
import { addOuterProduct, addProduct, addTransposedProduct, determinant, matmul } from "./linear-algebra";
import type { LossAndGradients, Model, Tf } from "./model";

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

/**
 * One batch of the lab's task. The names are the model contract's (x: inputs, y: targets); in the
 * SSNN's own equations the inputs are u and x is the state.
 */
export interface SsnnBatch {
  /** The input windows u_1 … u_T, [batch, time, u_len]. */
  x: NdArray;
  /** The target of each window's last output y_T (the sample after the window), [batch, y_len]. */
  y: NdArray;
}

export interface SsnnOptions {
  /** Input features per step (the lab: 1, one signal sample). */
  uLen?: number;
  /** State size (the lab: 10). */
  xLen?: number;
  /** Outputs per step (the lab: 1, the next sample). */
  yLen?: number;
  /** Seed of a fresh NumpyRandom that draws A, B, C, D in that order (default 0, as the lab seeds NumPy). */
  seed?: number;
  /** Draw from this generator instead, continuing its stream (a second net after a first, as torch's global generator does). */
  rng?: NumpyRandom;
  /** Names the net in progress lines and errors (default "SSNN"). */
  name?: string;
}

const OPTIONS = ["uLen", "xLen", "yLen", "seed", "rng", "name"];

/**
 * An SSNN with its parameters drawn uniform in ±1/√x_len (PyTorch's default for a layer with x_len
 * inputs), so the initial A has spectral radius well below 1 and the untrained net is a stable system.
 */
export function ssnn(options: SsnnOptions = {}): Ssnn {
  return new Ssnn(options);
}

/** The SSNN as a model (src/models/model.ts): trained on the MSE of the last output. Build it with `ssnn()`. */
class Ssnn implements Model<SsnnBatch> {
  readonly name: string;
  readonly params: SsnnParams;
  readonly sizes: SsnnSizes;

  constructor(options: SsnnOptions) {
    rejectUnknownOptions("ssnn", options, OPTIONS);
    const { uLen = 1, xLen = 10, yLen = 1, name = "SSNN" } = options;
    for (const [key, v] of Object.entries({ uLen, xLen, yLen })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ssnn: ${key} must be a positive integer, got ${v}`);
    }
    if (options.seed !== undefined && options.rng !== undefined) {
      throw new TypeError("ssnn: pass seed (a fresh generator) or rng (continue one), not both");
    }
    const rng = options.rng ?? new NumpyRandom(options.seed ?? 0);
    const k = 1 / Math.sqrt(xLen);
    const draw = (shape: number[]) => rng.uniform({ low: -k, high: k, size: shape });
    this.name = name;
    this.params = { A: draw([xLen, xLen]), B: draw([xLen, uLen]), C: draw([yLen, xLen]), D: draw([yLen, uLen]) };
    this.sizes = { uLen, xLen, yLen };
  }

  /** The MSE of the last output and its BPTT gradients (`ssnnLastOutputLoss`), at `params` (default: the net's). */
  lossAndGradients(batch: SsnnBatch, params: ParamSet = this.params): LossAndGradients {
    const { loss, grads } = ssnnLastOutputLoss(params, batch);
    return { loss, grads };
  }

  /**
   * The same loss in TensorFlow.js ops (float32), for the autodiff check: x ← x·Aᵀ + u_k·Bᵀ over time
   * (the row-vector form of (1)), then mean((x_T·Cᵀ + u_T·Dᵀ − t)²).
   */
  tfLoss(tf: Tf, batch: SsnnBatch, params: Record<string, tfCore.Tensor>): tfCore.Scalar {
    for (const key of ["A", "B", "C", "D"]) {
      if (params[key]?.rank !== 2)
        throw new RangeError(`SSNN tfLoss: params.${key} must be a 2-D tensor (the SSNN's ${key} matrix)`);
    }
    const [A, B, C, D] = [params.A, params.B, params.C, params.D] as tfCore.Tensor2D[];
    const [xLen, uLen, yLen] = [A.shape[0], B.shape[1], C.shape[0]];
    const [n, time] = checkInput(batch.x, uLen);
    assertShape(batch.y, [n, yLen], "SSNN targets", ["batch", "y_len"]);
    return tf.tidy(() => {
      const U = tf.tensor3d(Float32Array.from(batch.x.data), [n, time, uLen]); // (B, T, U)
      const [At, Bt] = [tf.transpose(A), tf.transpose(B)];
      let x: tfCore.Tensor2D = tf.zeros([n, xLen]); // (B, X)
      let uk: tfCore.Tensor2D = tf.zeros([n, uLen]);
      for (let k = 0; k < time; k++) {
        uk = tf.reshape(tf.slice(U, [0, k, 0], [n, 1, uLen]), [n, uLen]); // (B, 1, U) → (B, U)
        x = tf.add(tf.matMul(x, At), tf.matMul(uk, Bt));
      }
      const y = tf.add(tf.matMul(x, tf.transpose(C)), tf.matMul(uk, tf.transpose(D))); // (B, Y)
      const t = tf.tensor2d(Float32Array.from(batch.y.data), [n, yLen]); // (B, Y)
      return tf.mean(tf.square(tf.sub(y, t))) as tfCore.Scalar;
    });
  }
}
export type { Ssnn };

/**
 * The sizes the four matrices imply; throws if one is missing or they do not fit together.
 * Functions here take any ParamSet (what gradCheck and optimisers pass) and check it this way.
 */
export function ssnnSizes(params: ParamSet): SsnnSizes {
  const { A, B, C, D } = params;
  for (const [name, M] of Object.entries({ A, B, C, D })) {
    if (M === undefined)
      throw new Error(
        `SSNN parameters have no ${name}; pass {A, B, C, D} as ssnn().params holds them (got ${Object.keys(params).join(", ") || "nothing"})`,
      );
    if (M.shape?.length !== 2)
      throw new RangeError(`SSNN parameter ${name} must be a matrix, got shape [${M.shape?.join(", ")}]`);
  }
  const [xLen, uLen, yLen] = [A.shape[0], B.shape[1], C.shape[0]];
  assertShape(A, [xLen, xLen], "SSNN parameter A", ["x_len", "x_len"]);
  assertShape(B, [xLen, uLen], "SSNN parameter B", ["x_len", "u_len"]);
  assertShape(C, [yLen, xLen], "SSNN parameter C", ["y_len", "x_len"]);
  assertShape(D, [yLen, uLen], "SSNN parameter D", ["y_len", "u_len"]);
  return { uLen, xLen, yLen };
}

/** Checks u against the net: [batch, time, u_len], naming both widths when the last one is wrong. */
function checkInput(u: NdArray, uLen: number): [number, number] {
  if (u?.shape?.length !== 3) {
    throw new RangeError(`SSNN input u must be [batch, time, u_len=${uLen}], got shape [${u?.shape?.join(", ")}]`);
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
  /** States [batch, time + 1, x_len]: x[:, 0] = x_0, x[:, k] = x_k after input k. */
  states: NdArray;
  /** Outputs [batch, time, y_len]: y[:, k − 1] = y_k. */
  outputs: NdArray;
}

/**
 * The SSNN unfolded over u [batch, time, u_len] from x_0 [batch, x_len] (default zeros), keeping
 * every state for BPTT. Vectors are (flat array, offset): x_k of sequence i starts at
 * x[(i·(T+1) + k)·x_len]; addProduct(out, at, M, v, vt) adds M·v to the vector at out[at …]
 * (src/models/linear-algebra.ts), and x_k, y_k start at zero.
 */
export function ssnnForward(params: ParamSet, input: NdArray, x0?: NdArray): SsnnForward {
  const { uLen, xLen, yLen } = ssnnSizes(params);
  const [batch, time] = checkInput(input, uLen);
  const { A, B, C, D } = params;
  const states = ndarray([batch, time + 1, xLen]); // (B, T+1, X), x_0 = 0 unless given
  const outputs = ndarray([batch, time, yLen]); // (B, T, Y)
  if (x0 !== undefined) {
    assertShape(x0, [batch, xLen], "SSNN initial state x0", ["batch", "x_len"]);
    for (let i = 0; i < batch; i++) states.data.set(x0.data.subarray(i * xLen, (i + 1) * xLen), i * (time + 1) * xLen);
  }
  const [x, u, y] = [states.data, input.data, outputs.data];
  for (let i = 0; i < batch; i++) {
    for (let k = 1; k <= time; k++) {
      const xk = (i * (time + 1) + k) * xLen; // where x_k starts (x_{k−1} at xk − x_len)
      const uk = (i * time + k - 1) * uLen; // where u_k starts
      const yk = (i * time + k - 1) * yLen; // where y_k starts
      addProduct(x, xk, A, x, xk - xLen); // (1) x_k = A·x_{k−1}
      addProduct(x, xk, B, u, uk); //            + B·u_k
      addProduct(y, yk, C, x, xk); // (2) y_k = C·x_k
      addProduct(y, yk, D, u, uk); //            + D·u_k
    }
  }
  return { states, outputs };
}

export interface SsnnGradients {
  /** ∂L/∂A, ∂L/∂B, ∂L/∂C, ∂L/∂D, shaped like the parameters. */
  grads: SsnnParams;
  /** ∂L/∂x_0, [batch, x_len] (for carrying state across chunks). */
  gradX0: NdArray;
}

/**
 * Backpropagation through time for any loss L, given g_k = ∂L/∂y_k as gradY [batch, time, y_len].
 * δ_k = ∂L/∂x_k sums the paths from x_k to L: through y_k by (2) and through x_{k+1} by (1), so
 *   δ_k = Aᵀ·δ_{k+1} + Cᵀ·g_k,  for k = T down to 1, with δ_{T+1} = 0        (3)
 *   ∂L/∂A = Σ_k δ_k·x_{k−1}ᵀ,   ∂L/∂B = Σ_k δ_k·u_kᵀ                        (4), from (1)
 *   ∂L/∂C = Σ_k g_k·x_kᵀ,       ∂L/∂D = Σ_k g_k·u_kᵀ                        (5), from (2)
 *   ∂L/∂x_0 = Aᵀ·δ_1                                                         (6)
 * summed over the batch (gradY already carries the loss's 1/N). Vectors are (flat array, offset)
 * as in `ssnnForward`, whose states `fwd` holds; addTransposedProduct(out, at, M, v, vt) adds Mᵀ·v,
 * addOuterProduct(G, a, at, b, bt) adds a·bᵀ to G.
 */
export function ssnnBptt(params: ParamSet, input: NdArray, fwd: SsnnForward, gradY: NdArray): SsnnGradients {
  const { uLen, xLen, yLen } = ssnnSizes(params);
  const [batch, time] = checkInput(input, uLen);
  assertShape(fwd.states, [batch, time + 1, xLen], "SSNN states", ["batch", "time+1", "x_len"]);
  assertShape(gradY, [batch, time, yLen], "SSNN output gradient", ["batch", "time", "y_len"]);
  const { A, C } = params;
  const [x, u, g] = [fwd.states.data, input.data, gradY.data];
  const [gA, gB] = [ndarray([xLen, xLen]), ndarray([xLen, uLen])]; // ∂L/∂A, ∂L/∂B
  const [gC, gD] = [ndarray([yLen, xLen]), ndarray([yLen, uLen])]; // ∂L/∂C, ∂L/∂D
  const gX0 = ndarray([batch, xLen]); // (B, X)
  const delta = new Float64Array(xLen); // δ_k of one sequence, (X,)
  const deltaNext = new Float64Array(xLen); // δ_{k+1}, (X,)
  for (let i = 0; i < batch; i++) {
    deltaNext.fill(0); // δ_{T+1} = 0
    for (let k = time; k >= 1; k--) {
      const xk = (i * (time + 1) + k) * xLen; // where x_k starts (x_{k−1} at xk − x_len)
      const uk = (i * time + k - 1) * uLen; // where u_k starts
      const gk = (i * time + k - 1) * yLen; // where g_k starts
      delta.fill(0);
      addTransposedProduct(delta, 0, A, deltaNext, 0); // (3) δ_k = Aᵀ·δ_{k+1}
      addTransposedProduct(delta, 0, C, g, gk); //            + Cᵀ·g_k
      addOuterProduct(gA, delta, 0, x, xk - xLen); // (4) ∂L/∂A += δ_k·x_{k−1}ᵀ
      addOuterProduct(gB, delta, 0, u, uk); //     ∂L/∂B += δ_k·u_kᵀ
      addOuterProduct(gC, g, gk, x, xk); // (5) ∂L/∂C += g_k·x_kᵀ
      addOuterProduct(gD, g, gk, u, uk); //     ∂L/∂D += g_k·u_kᵀ
      deltaNext.set(delta);
    }
    addTransposedProduct(gX0.data, i * xLen, A, deltaNext, 0); // (6) ∂L/∂x_0 = Aᵀ·δ_1
  }
  return { grads: { A: gA, B: gB, C: gC, D: gD }, gradX0: gX0 };
}

export interface SsnnLastOutputLoss extends LossAndGradients {
  /** L = mean over batch and outputs of (y_T − t)². */
  loss: number;
  grads: SsnnParams;
  /** The last outputs y_T, [batch, y_len]. */
  yLast: NdArray;
}

/**
 * The lab's training objective, the MSE of the last output y_T against the sample after the window
 * (torch.nn.MSELoss over [batch, y_len]), and its gradients: ∂L/∂y_T = 2(y_T − t)/N with N = batch·y_len,
 * ∂L/∂y_k = 0 for k < T, then `ssnnBptt`.
 */
export function ssnnLastOutputLoss(params: ParamSet, batch: SsnnBatch): SsnnLastOutputLoss {
  const { uLen, yLen } = ssnnSizes(params);
  const [n, time] = checkInput(batch.x, uLen);
  assertShape(batch.y, [n, yLen], "SSNN targets", ["batch", "y_len"]);
  const fwd = ssnnForward(params, batch.x);
  const yLast = ndarray([n, yLen]); // (B, Y)
  const gradY = ndarray([n, time, yLen]); // (B, T, Y), zero but at the last step
  let squares = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < yLen; r++) {
      const last = ((i + 1) * time - 1) * yLen + r; // y_T of sequence i
      const error = fwd.outputs.data[last] - batch.y.data[i * yLen + r];
      yLast.data[i * yLen + r] = fwd.outputs.data[last];
      squares += error ** 2;
      gradY.data[last] = (2 * error) / (n * yLen);
    }
  }
  return { loss: squares / (n * yLen), grads: ssnnBptt(params, batch.x, fwd, gradY).grads, yLast };
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
export function ssnnRollOut(params: ParamSet, options: RollOutOptions): Float64Array {
  rejectUnknownOptions("ssnnRollOut", options, ["seed", "length", "window"]);
  const { uLen, yLen } = ssnnSizes(params);
  if (uLen !== 1 || yLen !== 1) {
    throw new RangeError(
      `ssnnRollOut feeds predictions back as inputs, so it needs u_len = y_len = 1; this net has u_len = ${uLen}, y_len = ${yLen}`,
    );
  }
  const { seed, length, window = seed.length } = options;
  if (!Number.isInteger(window) || window < 1 || window > seed.length) {
    throw new RangeError(
      `ssnnRollOut: window must be an integer in [1, ${seed.length}] (the seed's length), got ${window}`,
    );
  }
  if (!Number.isInteger(length) || length < seed.length) {
    throw new RangeError(`ssnnRollOut: length must be an integer ≥ the seed's ${seed.length} points, got ${length}`);
  }
  const out = new Float64Array(length);
  out.set(Array.from(seed));
  for (let t = seed.length; t < length; t++) {
    const u = ndarray([1, window, 1], out.subarray(t - window, t)); // (1, W, 1)
    out[t] = ssnnForward(params, u).outputs.data[window - 1];
  }
  return out;
}
