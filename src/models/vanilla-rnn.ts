/**
 * The vanilla tanh RNN of lab 002, with its backward pass through time derived by hand.
 *
 *   (1) z_t = x_t·W_in + h_{t−1}·W_hh (+ b_h)        h_0 = 0                 x_t: [N, I], h_t: [N, H]
 *   (2) h_t = tanh(z_t)                               t = 1 … T
 *   (3) y   = h_T·W_out (+ b_out)                     read-out from the last state only, y: [N, O]
 *   (4) L   = 1/(2N) · Σ_n ‖y_n − t_n‖²               MSE on one-hot targets, mean over the N sequences
 *
 * Backward (δ_· = ∂L/∂·); the reference and the chunk code cite these numbers line by line:
 *   (5)  δy      = (y − t) / N
 *   (6)  ∂L/∂W_out = h_Tᵀ·δy,          ∂L/∂b_out = Σ_n δy
 *   (7)  δh_T    = δy·W_outᵀ
 *   (8)  δz_t    = δh_t ⊙ (1 − h_t²)                 tanh′(z) = 1 − tanh²(z)
 *   (9)  ∂L/∂W_in += x_tᵀ·δz_t,  ∂L/∂W_hh += h_{t−1}ᵀ·δz_t,  ∂L/∂b_h += Σ_n δz_t
 *   (10) δh_{t−1} = δz_t·W_hhᵀ                        the only path back in time
 *
 * What lives where (one concept per file):
 * - this file: the model as the library's contract (src/models/model.ts) sees it: parameters,
 *   loss and gradients of a batch, the forward pass, evaluation;
 * - src/models/vanilla-rnn-reference.ts: the same equations as plain loops (BPTT from scratch,
 *   what the notebook shows), against which the fast path is tested;
 * - src/models/vanilla-rnn-chunk.ts: the fast path's equations on one chunk of sequences, on the
 *   WebAssembly kernel's heap;
 * - src/models/vanilla-rnn-threads.ts (+ -worker.ts): chunks spread over threads with Atomics;
 * - src/models/vanilla-rnn-tf.ts: the loss in TensorFlow.js ops, for the autodiff check;
 * - src/models/vanilla-rnn-metrics.ts: MSE and accuracy.
 *
 * How it runs fast in float64 (lab 002 trains on 4,500 sequences × 140 steps × 100 units, about
 * 38 GFLOP per full-batch epoch): the batch is cut into chunks of `chunkRows` sequences that are
 * independent until their gradients are added, so a chunk's states stay small and warm in cache,
 * memory does not grow with the batch, and chunks run on several threads; each chunk writes its
 * loss and gradients to its own slot and the slots are added in chunk order, so the result is the
 * same to the bit on 1 or 2 threads. Introduced in lab 002.
 */
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import { NumpyRandom } from "../random";
import type * as tfCore from "@tensorflow/tfjs-core";
import { type ProductKernel, wasmFmaAvailable, wasmSimdAvailable } from "../kernels/heap-kernels";
import type { LossAndGradients, Model, Tf } from "./model";
import { countCorrect, mseLoss, accuracy } from "./vanilla-rnn-metrics";
import { vanillaRnnTfLoss } from "./vanilla-rnn-tf";
import { VanillaRnnThreads, defaultThreads } from "./vanilla-rnn-threads";

export interface VanillaRnnConfig {
  /** Features per time step (1 for ECG5000). */
  inputSize: number;
  /** Hidden units H (100 in lab 002). */
  hiddenSize: number;
  /** Outputs O (5 classes for ECG5000). */
  outputSize: number;
  /** Add the biases b_h and b_out (default false: the lab's RNN has none). */
  bias?: boolean;
}

export interface VanillaRnnOptions extends VanillaRnnConfig {
  /**
   * Initial weights (default "uniform"): "uniform" draws every weight from U(−1/√H, 1/√H)
   * (PyTorch's nn.RNN default), so z_t starts in tanh's linear range; "original" draws from
   * U(0, 1) as the lab did, which saturates tanh from the first steps (kept to show why it fails).
   */
  init?: "uniform" | "original";
  /** Seed of the NumPy-compatible generator that draws the weights (default 0). */
  seed?: number;
  /** Threads (default: 2, or 1 on a one-core machine). Results do not depend on it. */
  threads?: number;
  /** Sequences per chunk, a multiple of 4 (default 16: a batch of 32 keeps 2 threads busy). Results depend on it only through rounding. */
  chunkRows?: number;
  /**
   * Matrix-product kernel (default "wasm" when WebAssembly SIMD runs, else "js"; both give the same
   * numbers to the bit). "wasm-fma": fused multiply-adds (relaxed SIMD), about 1.4 times as fast
   * on the products, its results within rounding of the exact ones, not equal to them.
   */
  kernel?: ProductKernel;
}

const OPTION_KEYS = ["inputSize", "hiddenSize", "outputSize", "bias", "init", "seed", "threads", "chunkRows", "kernel"];

/** Parameter names and shapes, in the order the lab draws them (w_in, w_hh, w_out), then the biases. */
export function paramShapes(config: VanillaRnnConfig): Record<string, number[]> {
  const { inputSize: I, hiddenSize: H, outputSize: O } = config;
  return {
    wIn: [I, H],
    wHh: [H, H],
    wOut: [H, O],
    ...(config.bias ? { bH: [H], bOut: [O] } : {}),
  };
}

function checkConfig(config: VanillaRnnConfig, owner: string): void {
  for (const key of ["inputSize", "hiddenSize", "outputSize"] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${owner}: ${key} must be a positive integer, got ${v}`);
  }
}

/** Fresh parameters drawn as `init` says, from NumpyRandom(seed). */
export function initParams(
  config: VanillaRnnConfig,
  options: { init?: "uniform" | "original"; seed?: number } = {},
): ParamSet {
  rejectUnknownOptions("vanillaRnn.initParams", options, ["init", "seed"]);
  checkConfig(config, "vanillaRnn.initParams");
  const { init = "uniform", seed = 0 } = options;
  if (init !== "uniform" && init !== "original")
    throw new RangeError(`vanillaRnn.initParams: init must be "uniform" or "original", got "${init}"`);
  const rng = new NumpyRandom(seed);
  const bound = 1 / Math.sqrt(config.hiddenSize);
  const params: ParamSet = {};
  for (const [name, shape] of Object.entries(paramShapes(config))) {
    params[name] = init === "uniform" ? rng.uniform({ low: -bound, high: bound, size: shape }) : rng.rand(shape);
  }
  return params;
}

/** Matrix-product flops of one loss-and-gradient pass over N sequences of T steps. */
export function gradientFlops(config: VanillaRnnConfig, N: number, T: number): number {
  const { inputSize: I, hiddenSize: H, outputSize: O } = config;
  // forward (1)+(3), backward (9) for W_in and W_hh, (10), (6)+(7); h_0 = 0 skips one H² product each.
  return N * (2 * I * H * T + 2 * H * H * (T - 1) + 2 * H * O + 2 * I * H * T + 4 * H * H * (T - 1) + 4 * H * O);
}

/** Matrix-product flops of a forward pass only. */
export function forwardFlops(config: VanillaRnnConfig, N: number, T: number): number {
  const { inputSize: I, hiddenSize: H, outputSize: O } = config;
  return N * (2 * I * H * T + 2 * H * H * (T - 1) + 2 * H * O);
}

/**
 * A batch of the vanilla RNN: x [T, Nall, I] time-major, one-hot y [Nall, O], and optionally the
 * sequences `rows` of them to use (a mini-batch of a data set; all when absent). A whole data set
 * (loadEcg5000) is itself a batch.
 */
export interface VanillaRnnBatch {
  x: NdArray;
  y: NdArray;
  rows?: ArrayLike<number>;
}

/** What `lossAndGradients` gives: the contract's loss, gradients and accuracy, plus the outputs. */
export interface GradientResult extends LossAndGradients {
  /** L of equation (4) over the batch. */
  loss: number;
  /** ∂L/∂θ keyed like the parameters (fresh arrays on every call). */
  grads: ParamSet;
  /** accuracy: the fraction of the batch's sequences classified right. */
  metrics: { accuracy: number };
  /** y of equation (3): [N, O]. */
  outputs: NdArray;
  /** Sequences whose largest output is at the target's class. */
  correct: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  outputs: NdArray;
}

/** Running totals of the work done, to report speed. */
export interface RnnStats {
  gradientCalls: number;
  forwardCalls: number;
  /** Matrix-product flops done (see gradientFlops / forwardFlops). */
  flops: number;
  /** Wall time spent in the calls. */
  seconds: number;
}

/**
 * The lab's RNN with the library's fast hand-derived BPTT. `params` is what an optimiser updates
 * in place; every call reads it afresh (or reads the `params` it is given).
 */
export class VanillaRnn implements Model<VanillaRnnBatch> {
  readonly name: string;
  readonly config: Required<VanillaRnnConfig>;
  readonly params: ParamSet;
  readonly kernel: ProductKernel;
  readonly chunkRows: number;
  readonly stats: RnnStats = { gradientCalls: 0, forwardCalls: 0, flops: 0, seconds: 0 };
  private readonly threadPool: VanillaRnnThreads;

  constructor(options: VanillaRnnOptions) {
    rejectUnknownOptions("VanillaRnn", options, OPTION_KEYS);
    checkConfig(options, "VanillaRnn");
    const { inputSize, hiddenSize, outputSize, bias = false, init = "uniform", seed = 0 } = options;
    this.config = { inputSize, hiddenSize, outputSize, bias };
    const threads = options.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`VanillaRnn: threads must be a positive integer, got ${threads}`);
    const chunkRows = options.chunkRows ?? 16;
    if (!Number.isInteger(chunkRows) || chunkRows < 4 || chunkRows % 4 !== 0) {
      throw new RangeError(`VanillaRnn: chunkRows must be a positive multiple of 4, got ${chunkRows}`);
    }
    const kernel = options.kernel ?? (wasmSimdAvailable() ? "wasm" : "js");
    if (kernel !== "wasm" && kernel !== "wasm-fma" && kernel !== "js")
      throw new RangeError(`VanillaRnn: kernel must be "wasm", "wasm-fma" or "js", got "${kernel}"`);
    if (kernel === "wasm" && !wasmSimdAvailable())
      throw new Error(
        `VanillaRnn: kernel "wasm" asked for, but this runtime has no WebAssembly SIMD; use kernel: "js"`,
      );
    if (kernel === "wasm-fma" && !wasmFmaAvailable())
      throw new Error(
        `VanillaRnn: kernel "wasm-fma" asked for, but this runtime has no WebAssembly relaxed SIMD; use kernel: "wasm"`,
      );
    this.name = `vanilla RNN (${hiddenSize} units${bias ? ", with biases" : ""})`;
    this.kernel = kernel;
    this.chunkRows = chunkRows;
    this.params = initParams(this.config, { init, seed });
    this.threadPool = new VanillaRnnThreads(this.config, kernel, chunkRows, threads);
  }

  /** Threads that run a job: the main one plus the workers that started. */
  get threads(): number {
    return this.threadPool.threads;
  }

  /** Why fewer threads run than were asked for, if they do. */
  get threadNote(): string {
    return this.threadPool.threadNote;
  }

  /** One line for notebooks: kernel, threads, chunking. */
  describe(): string {
    const k = {
      wasm: "float64 WebAssembly SIMD kernel",
      "wasm-fma": "float64 WebAssembly SIMD kernel with fused multiply-adds",
      js: "float64 JavaScript kernel",
    }[this.kernel];
    return (
      `hand-written BPTT on the ${k}, ${this.threads} thread${this.threads > 1 ? "s" : ""}, chunks of ${this.chunkRows} sequences` +
      (this.threadNote ? ` (${this.threadNote})` : "")
    );
  }

  /**
   * L (equation 4) and its gradients by the hand-derived BPTT, on the batch's sequences `rows` of
   * x [T, N, I] and one-hot y [N, O] (all of them when rows is absent), at `params` (default:
   * the model's own).
   */
  lossAndGradients(batch: VanillaRnnBatch, params: ParamSet = this.params): GradientResult {
    const started = performance.now();
    const owner = "VanillaRnn.lossAndGradients";
    const { T, N } = this.checkBatch(batch, true, owner);
    this.checkParams(params, owner);
    const job = this.threadPool.runJob("gradient", params, batch.x, batch.y, batch.rows);
    // Add the chunks in chunk order: the same sums whichever thread ran which chunk.
    const P = job.params.length;
    let loss = 0;
    for (let c = 0; c < job.chunks; c++) loss += job.chunkLoss[c];
    const grads: ParamSet = {};
    let offset = 0;
    for (const [name, shape] of Object.entries(paramShapes(this.config))) {
      const grad = ndarray(shape);
      const g = grad.data;
      const at =
        name === "bH"
          ? P - this.config.hiddenSize - this.config.outputSize
          : name === "bOut"
            ? P - this.config.outputSize
            : offset;
      for (let c = 0; c < job.chunks; c++) {
        const slot = job.chunkGrads.subarray(c * P + at, c * P + at + g.length);
        for (let i = 0; i < g.length; i++) g[i] += slot[i];
      }
      grads[name] = grad;
      offset += g.length;
    }
    const outputs = ndarray([N, this.config.outputSize], job.outputs.subarray(0, N * this.config.outputSize));
    const correct = countCorrect(outputs, job.Y.subarray(0, N * this.config.outputSize));
    this.stats.gradientCalls++;
    this.stats.flops += gradientFlops(this.config, N, T);
    this.stats.seconds += (performance.now() - started) / 1000;
    return { loss: loss / N, grads, metrics: { accuracy: correct / N }, outputs, correct };
  }

  /** y (equation 3) for the batch's sequences `rows` of x [T, N, I] (all when absent): [N, O]. */
  forward(batch: { x: NdArray; rows?: ArrayLike<number> }, params: ParamSet = this.params): NdArray {
    return this.forwardJob(batch, false, params, "VanillaRnn.forward").outputs;
  }

  /** Loss (4) and accuracy of the batch (a whole data set, usually), forward only. */
  evaluate(batch: VanillaRnnBatch, params: ParamSet = this.params): Evaluation {
    const { outputs, targets } = this.forwardJob(batch, true, params, "VanillaRnn.evaluate");
    return { loss: mseLoss(outputs, targets!), accuracy: accuracy(outputs, targets!), outputs };
  }

  /** Equations (1)–(4) in TensorFlow.js ops on `params` (float32 tensors), for gradCheck's autodiff. */
  tfLoss(tf: Tf, batch: VanillaRnnBatch, params: Record<string, tfCore.Tensor>): tfCore.Scalar {
    this.checkBatch(batch, true, "VanillaRnn.tfLoss");
    return vanillaRnnTfLoss(tf, batch, params);
  }

  /** Stops the worker threads (they are unref'd, so forgetting this does not keep Node alive). */
  dispose(): void {
    this.threadPool.dispose();
  }

  /** A forward job over the batch; with `withTargets`, also the batch's targets, gathered like its inputs. */
  private forwardJob(
    batch: { x: NdArray; y?: NdArray; rows?: ArrayLike<number> },
    withTargets: boolean,
    params: ParamSet,
    owner: string,
  ): { outputs: NdArray; targets?: NdArray } {
    const started = performance.now();
    const { T, N } = this.checkBatch(batch, withTargets, owner);
    const y = withTargets ? batch.y : undefined;
    this.checkParams(params, owner);
    const job = this.threadPool.runJob("forward", params, batch.x, y, batch.rows);
    const O = this.config.outputSize;
    this.stats.forwardCalls++;
    this.stats.flops += forwardFlops(this.config, N, T);
    this.stats.seconds += (performance.now() - started) / 1000;
    const outputs = ndarray([N, O], job.outputs.subarray(0, N * O));
    // The targets as gathered for the job (the batch's rows, in order); the same values as y's.
    return { outputs, targets: y && (batch.rows === undefined ? y : ndarray([N, O], job.Y.subarray(0, N * O))) };
  }

  private checkBatch(
    batch: { x: NdArray; y?: NdArray; rows?: ArrayLike<number> },
    needY: boolean,
    owner: string,
  ): { T: number; N: number } {
    const { inputSize: I, outputSize: O } = this.config;
    if (batch === null || typeof batch !== "object" || "data" in batch || !("x" in batch)) {
      throw new TypeError(
        `${owner}: pass a batch { x: [time, sequences, features]${needY ? ", y: [sequences, outputs]" : ""}, rows? } (a data set from loadEcg5000 is one)`,
      );
    }
    const { x, y, rows } = batch;
    assertShape(x, [null, null, I], `${owner}: x`, ["time", "sequences", "features"]);
    const [T, Nall] = x.shape;
    if (needY) {
      if (y === undefined) throw new TypeError(`${owner}: the batch has no y (one-hot targets [sequences, outputs])`);
      assertShape(y, [Nall, O], `${owner}: y`, ["sequences", "outputs"]);
    }
    if (T < 1) throw new RangeError(`${owner}: x has no time steps`);
    if (rows !== undefined) {
      for (let n = 0; n < rows.length; n++) {
        const r = rows[n];
        if (!Number.isInteger(r) || r < 0 || r >= Nall)
          throw new RangeError(`${owner}: rows[${n}] = ${r} is not a sequence index in [0, ${Nall})`);
      }
    }
    const N = rows === undefined ? Nall : rows.length;
    if (N < 1) throw new RangeError(`${owner}: no sequences to run`);
    return { T, N };
  }

  private checkParams(params: ParamSet, owner: string): void {
    if (params === this.params) return;
    for (const [name, shape] of Object.entries(paramShapes(this.config))) {
      const p = params?.[name];
      if (p === undefined)
        throw new Error(
          `${owner}: params has no "${name}"; pass every parameter of the model (${Object.keys(paramShapes(this.config)).join(", ")})`,
        );
      assertShape(p, shape, `${owner}: params.${name}`);
    }
  }
}
