/**
 * The vanilla tanh RNN of lab 002, with its backward pass through time derived by hand.
 *
 *   (1) z_t = x_t·W_in + h_{t−1}·W_hh (+ b_h)        h_0 = 0                 x_t: [N, I], h_t: [N, H]
 *   (2) h_t = tanh(z_t)                               t = 1 … T
 *   (3) y   = h_T·W_out (+ b_out)                     read-out from the last state only, y: [N, O]
 *   (4) L   = 1/(2N) · Σ_n ‖y_n − t_n‖²               MSE on one-hot targets, mean over the N sequences
 *
 * Backward (δ_· = ∂L/∂·), each line of `backwardChunk` cites the equation it implements:
 *   (5)  δy      = (y − t) / N
 *   (6)  ∂L/∂W_out = h_Tᵀ·δy,          ∂L/∂b_out = Σ_n δy
 *   (7)  δh_T    = δy·W_outᵀ
 *   (8)  δz_t    = δh_t ⊙ (1 − h_t²)                 tanh′(z) = 1 − tanh²(z)
 *   (9)  ∂L/∂W_in += x_tᵀ·δz_t,  ∂L/∂W_hh += h_{t−1}ᵀ·δz_t,  ∂L/∂b_h += Σ_n δz_t
 *   (10) δh_{t−1} = δz_t·W_hhᵀ                        the only path back in time
 *
 * How it runs fast in float64 (lab 002 trains on 4,500 sequences × 140 steps × 100 units, about
 * 38 GFLOP per full-batch epoch):
 * - the batch is cut into chunks of `chunkRows` sequences that are independent until their
 *   gradients are added, so a chunk's states (T+1 × rows × H) stay small and warm in cache,
 *   memory does not grow with the batch, and chunks can run on several threads;
 * - every O(rows·H²) product of (1), (9) and (10) goes through one blocked kernel
 *   (src/kernels/gemm.ts: WebAssembly SIMD, or the same blocking in JavaScript), on buffers
 *   allocated once; the O(rows·H) element-wise work stays in plain loops;
 * - each chunk writes its loss and gradients to its own slot and the slots are added in chunk
 *   order, so the result is bit-for-bit the same on 1 or 2 threads.
 * The hidden size is padded to a multiple of 4 with zero weights (padded units stay at 0).
 *
 * Also here: the same loss in TensorFlow.js ops, for the autodiff check. Introduced in lab 002.
 */
import * as os from "node:os";
import { MessageChannel, type MessagePort, type Worker, receiveMessageOnPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { NumpyRandom } from "../random";
import { type GemmKernel, createWasmGemm, gemmJs, wasmSimdAvailable } from "../kernels/heap-kernels";
import { tanhJs } from "../kernels/tanh";
import { rejectUnknownOptions } from "../optim/optimizer";
import { startLibraryWorker } from "../worker-threads";
// Type only: the checker (and the TensorFlow.js gradients it registers) is loaded when a check
// runs, so the worker threads, which load this module, stay free of it.
import type { GradCheckReport } from "../bptt/grad-check";

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
  /** Matrix-product kernel (default "wasm" when WebAssembly SIMD runs, else "js"). */
  kernel?: "wasm" | "js";
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
export function initParams(config: VanillaRnnConfig, options: { init?: "uniform" | "original"; seed?: number } = {}): ParamSet {
  rejectUnknownOptions("vanillaRnn.initParams", options, ["init", "seed"]);
  checkConfig(config, "vanillaRnn.initParams");
  const { init = "uniform", seed = 0 } = options;
  if (init !== "uniform" && init !== "original") throw new RangeError(`vanillaRnn.initParams: init must be "uniform" or "original", got "${init}"`);
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

// ---------------------------------------------------------------------------------------------
// One thread's view of a job, and the chunk-level forward and backward.

/**
 * What a job shares between threads (SharedArrayBuffers, so workers read and write in place).
 * params: flat [wIn (I·H) | wHh (H·H) | wOut (H·O) | bH (H) | bOut (O)], biases 0 when absent.
 * X: time-major [T, N, I] (the rows of the batch, gathered); Y: [N, O]; outputs: [N, O].
 * chunkLoss: [chunks]; chunkGrads: [chunks, P] with P the length of params.
 * control: [next chunk to claim, workers finished, worker error flag].
 */
export interface SharedJob {
  kind: "gradient" | "forward";
  I: number;
  H: number;
  O: number;
  T: number;
  N: number;
  bias: boolean;
  chunkRows: number;
  chunks: number;
  params: Float64Array;
  X: Float64Array;
  Y: Float64Array;
  outputs: Float64Array;
  chunkLoss: Float64Array;
  chunkGrads: Float64Array;
  control: Int32Array;
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/** One thread's buffers: the kernel's heap (products) and small plain arrays (element-wise work). */
export class ChunkWorkspace {
  private heap!: Float64Array;
  private kernel!: GemmKernel;
  /** heap[offset … offset + count − 1] ← tanh (the WebAssembly loop, or tanhJs: the same values). */
  private tanh!: (offset: number, count: number) => void;
  private shape = "";
  // Heap offsets (elements).
  private oWhh = 0;
  private oWhhT = 0;
  private oGWhh = 0;
  private oStates = 0;
  private oDh = 0;
  private oDz = 0;
  private Hp = 0;
  private wIn = new Float64Array(0);
  private bH = new Float64Array(0);
  private wOut = new Float64Array(0);
  private bOut = new Float64Array(0);
  private y = new Float64Array(0);
  private dy = new Float64Array(0);

  constructor(readonly kernelName: "wasm" | "js") {}

  /** (Re)allocates for these sizes; a no-op when they have not changed. */
  private ensure(I: number, H: number, O: number, T: number, rows: number): void {
    const key = `${I},${H},${O},${T},${rows}`;
    if (key === this.shape) return;
    const Hp = roundUp4(H);
    this.Hp = Hp;
    let at = 0;
    const take = (n: number) => ((at += n), at - n);
    this.oWhh = take(Hp * Hp);
    this.oWhhT = take(Hp * Hp);
    this.oGWhh = take(Hp * Hp);
    this.oDh = take(rows * Hp);
    this.oDz = take(rows * Hp);
    this.oStates = take((T + 1) * rows * Hp); // (T+1, rows, Hp): h_0 … h_T of the chunk
    if (this.kernelName === "wasm") {
      const w = createWasmGemm(at);
      this.heap = w.heap;
      this.kernel = w.kernel;
      this.tanh = w.tanh;
    } else {
      const heap = new Float64Array(at);
      this.heap = heap;
      this.kernel = gemmJs;
      this.tanh = (offset, count) => {
        for (let e = offset, end = offset + count; e < end; e++) heap[e] = tanhJs(heap[e]);
      };
    }
    this.wIn = new Float64Array(I * Hp);
    this.bH = new Float64Array(Hp);
    this.wOut = new Float64Array(Hp * O);
    this.bOut = new Float64Array(O);
    this.y = new Float64Array(rows * O);
    this.dy = new Float64Array(rows * O);
    this.shape = key;
  }

  /** Copies the job's parameters into the padded layouts (padding stays 0). */
  private loadParams(job: SharedJob): void {
    const { I, H, O, params: p } = job;
    const Hp = this.Hp, heap = this.heap;
    heap.fill(0, this.oWhh, this.oWhh + 2 * Hp * Hp);
    this.wIn.fill(0);
    this.bH.fill(0);
    this.wOut.fill(0);
    let at = 0;
    for (let i = 0; i < I; i++) for (let j = 0; j < H; j++) this.wIn[i * Hp + j] = p[at++];
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        const w = p[at++];
        heap[this.oWhh + i * Hp + j] = w; // W_hh  (Hp, Hp)
        heap[this.oWhhT + j * Hp + i] = w; // W_hhᵀ (Hp, Hp), for (10)
      }
    }
    for (let j = 0; j < H; j++) for (let o = 0; o < O; o++) this.wOut[j * O + o] = p[at++];
    for (let j = 0; j < H; j++) this.bH[j] = p[at++];
    for (let o = 0; o < O; o++) this.bOut[o] = p[at++];
  }

  /**
   * Claims chunks from the job's counter until none is left: the same loop on the main thread
   * and on every worker. Returns how many chunks this thread ran.
   */
  runJob(job: SharedJob): number {
    this.ensure(job.I, job.H, job.O, job.T, job.chunkRows);
    this.loadParams(job);
    let ran = 0;
    for (;;) {
      const chunk = Atomics.add(job.control, 0, 1);
      if (chunk >= job.chunks) return ran;
      const n0 = chunk * job.chunkRows;
      const rows = Math.min(job.chunkRows, job.N - n0);
      this.forwardChunk(job, n0, rows);
      if (job.kind === "gradient") this.backwardChunk(job, chunk, n0, rows);
      ran++;
    }
  }

  /** Equations (1)–(4) for sequences n0 … n0+rows−1; fills the chunk's states and outputs. */
  private forwardChunk(job: SharedJob, n0: number, rows: number): void {
    const { I, O, T, N, X, Y, outputs } = job;
    const Hp = this.Hp, heap = this.heap, M = roundUp4(rows); // padded rows have x = 0
    const stride = job.chunkRows * Hp; // one time step of states
    heap.fill(0, this.oStates, this.oStates + M * Hp); // h_0 = 0
    for (let t = 1; t <= T; t++) {
      const ht = this.oStates + t * stride;
      // (1) z_t = x_t·W_in + b_h  …
      for (let b = 0; b < M; b++) {
        const row = ht + b * Hp;
        for (let j = 0; j < Hp; j++) heap[row + j] = this.bH[j];
        if (b >= rows) continue;
        const xt = ((t - 1) * N + n0 + b) * I; // X[t−1, n0+b, :]
        for (let i = 0; i < I; i++) {
          const x = X[xt + i];
          for (let j = 0; j < Hp; j++) heap[row + j] += x * this.wIn[i * Hp + j];
        }
      }
      // (1) … + h_{t−1}·W_hh   (h_0 = 0 adds nothing)
      if (t > 1) {
        this.kernel(heap, {
          a: ht - stride, aRowStride: Hp, aColStride: 1, w: this.oWhh, wRowStride: Hp,
          c: ht, cRowStride: Hp, M, N: Hp, K: Hp, accumulate: true,
        });
      }
      // (2) h_t = tanh(z_t), in place (src/kernels/gemm.ts: within 3 ulp of Math.tanh, a third of its time)
      this.tanh(ht, M * Hp);
    }
    // (3) y = h_T·W_out + b_out, and (4) the chunk's Σ ½‖y − t‖²
    const hT = this.oStates + T * stride;
    let loss = 0;
    for (let b = 0; b < rows; b++) {
      for (let o = 0; o < O; o++) {
        let s = this.bOut[o];
        for (let j = 0; j < Hp; j++) s += heap[hT + b * Hp + j] * this.wOut[j * O + o];
        this.y[b * O + o] = s;
        outputs[(n0 + b) * O + o] = s;
        if (job.kind === "gradient") loss += 0.5 * (s - Y[(n0 + b) * O + o]) ** 2;
      }
    }
    if (job.kind === "gradient") job.chunkLoss[n0 / job.chunkRows] = loss;
  }

  /** Equations (5)–(10) for the chunk; writes its gradients to its slot of chunkGrads. */
  private backwardChunk(job: SharedJob, chunk: number, n0: number, rows: number): void {
    const { I, H, O, T, N, X, Y } = job;
    const Hp = this.Hp, heap = this.heap, M = roundUp4(rows);
    const stride = job.chunkRows * Hp;
    const P = I * H + H * H + H * O + H + O;
    const slot = job.chunkGrads.subarray(chunk * P, (chunk + 1) * P);
    slot.fill(0);
    const gWin = slot.subarray(0, I * H); // (I, H)
    const gWout = slot.subarray(I * H + H * H, I * H + H * H + H * O); // (H, O)
    const gbH = slot.subarray(I * H + H * H + H * O, I * H + H * H + H * O + H); // (H,)
    const gbOut = slot.subarray(I * H + H * H + H * O + H); // (O,)
    const dy = this.dy;
    // (5) δy = (y − t)/N, 0 on padded rows
    dy.fill(0);
    for (let b = 0; b < rows; b++) for (let o = 0; o < O; o++) dy[b * O + o] = (this.y[b * O + o] - Y[(n0 + b) * O + o]) / N;
    const hT = this.oStates + T * stride;
    // (6) ∂L/∂W_out = h_Tᵀ·δy, ∂L/∂b_out = Σ_n δy
    for (let b = 0; b < rows; b++) {
      for (let o = 0; o < O; o++) {
        const d = dy[b * O + o];
        gbOut[o] += d;
        for (let j = 0; j < H; j++) gWout[j * O + o] += heap[hT + b * Hp + j] * d;
      }
    }
    // (7) δh_T = δy·W_outᵀ
    for (let b = 0; b < M; b++) {
      for (let j = 0; j < Hp; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) s += dy[b * O + o] * this.wOut[j * O + o];
        heap[this.oDh + b * Hp + j] = s;
      }
    }
    heap.fill(0, this.oGWhh, this.oGWhh + Hp * Hp);
    for (let t = T; t >= 1; t--) {
      const ht = this.oStates + t * stride;
      // (8) δz_t = δh_t ⊙ (1 − h_t²)
      for (let e = 0, end = M * Hp; e < end; e++) {
        const h = heap[ht + e];
        heap[this.oDz + e] = heap[this.oDh + e] * (1 - h * h);
      }
      // (9) ∂L/∂W_in += x_tᵀ·δz_t,  ∂L/∂b_h += Σ_n δz_t
      for (let b = 0; b < rows; b++) {
        const xt = ((t - 1) * N + n0 + b) * I;
        const dz = this.oDz + b * Hp;
        for (let j = 0; j < H; j++) gbH[j] += heap[dz + j];
        for (let i = 0; i < I; i++) {
          const x = X[xt + i];
          for (let j = 0; j < H; j++) gWin[i * H + j] += x * heap[dz + j];
        }
      }
      if (t > 1) {
        // (9) ∂L/∂W_hh += h_{t−1}ᵀ·δz_t   (h_0 = 0 adds nothing at t = 1)
        this.kernel(heap, {
          a: ht - stride, aRowStride: 1, aColStride: Hp, w: this.oDz, wRowStride: Hp,
          c: this.oGWhh, cRowStride: Hp, M: Hp, N: Hp, K: M, accumulate: true,
        });
        // (10) δh_{t−1} = δz_t·W_hhᵀ
        this.kernel(heap, {
          a: this.oDz, aRowStride: Hp, aColStride: 1, w: this.oWhhT, wRowStride: Hp,
          c: this.oDh, cRowStride: Hp, M, N: Hp, K: Hp, accumulate: false,
        });
      }
    }
    const gWhh = slot.subarray(I * H, I * H + H * H); // (H, H)
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) gWhh[i * H + j] = heap[this.oGWhh + i * Hp + j];
    if (!job.bias) {
      gbH.fill(0);
      gbOut.fill(0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The model: parameters, a worker pool, and the calls a training loop makes.

interface PoolWorker {
  worker: Worker;
  errors: MessagePort;
}

/** How a worker is told about a job (SharedArrayBuffers travel by reference). */
export interface JobMessage {
  job: Omit<SharedJob, "params" | "X" | "Y" | "outputs" | "chunkLoss" | "chunkGrads" | "control">;
  buffers: { params: SharedArrayBuffer; X: SharedArrayBuffer; Y: SharedArrayBuffer; outputs: SharedArrayBuffer; chunkLoss: SharedArrayBuffer; chunkGrads: SharedArrayBuffer; control: SharedArrayBuffer };
  kernel: "wasm" | "js";
}

/** Rebuilds the typed views of a job from a JobMessage (used by the workers). */
export function jobFromMessage(message: JobMessage): SharedJob {
  const b = message.buffers;
  return {
    ...message.job,
    params: new Float64Array(b.params),
    X: new Float64Array(b.X),
    Y: new Float64Array(b.Y),
    outputs: new Float64Array(b.outputs),
    chunkLoss: new Float64Array(b.chunkLoss),
    chunkGrads: new Float64Array(b.chunkGrads),
    control: new Int32Array(b.control),
  };
}

const WORKER_START_TIMEOUT_MS = 30_000;

export interface GradientResult {
  /** L of equation (4) over the batch. */
  loss: number;
  /** ∂L/∂θ keyed like the parameters. Reused by the next call: consume before calling again. */
  grads: ParamSet;
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
 * in place; every call reads it afresh.
 */
export class VanillaRnn {
  readonly config: Required<VanillaRnnConfig>;
  readonly params: ParamSet;
  readonly kernel: "wasm" | "js";
  readonly chunkRows: number;
  readonly stats: RnnStats = { gradientCalls: 0, forwardCalls: 0, flops: 0, seconds: 0 };
  /** Why fewer threads run than were asked for, if they do. */
  threadNote = "";
  private readonly workspace: ChunkWorkspace;
  private pool: PoolWorker[] = [];
  private readonly requestedThreads: number;
  private shared?: { job: SharedJob; message: JobMessage };
  private readonly grads: ParamSet;

  constructor(options: VanillaRnnOptions) {
    rejectUnknownOptions("VanillaRnn", options, OPTION_KEYS);
    checkConfig(options, "VanillaRnn");
    const { inputSize, hiddenSize, outputSize, bias = false, init = "uniform", seed = 0 } = options;
    this.config = { inputSize, hiddenSize, outputSize, bias };
    const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    const threads = options.threads ?? Math.min(2, Math.max(1, cores));
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`VanillaRnn: threads must be a positive integer, got ${threads}`);
    const chunkRows = options.chunkRows ?? 16;
    if (!Number.isInteger(chunkRows) || chunkRows < 4 || chunkRows % 4 !== 0) {
      throw new RangeError(`VanillaRnn: chunkRows must be a positive multiple of 4, got ${chunkRows}`);
    }
    const kernel = options.kernel ?? (wasmSimdAvailable() ? "wasm" : "js");
    if (kernel !== "wasm" && kernel !== "js") throw new RangeError(`VanillaRnn: kernel must be "wasm" or "js", got "${kernel}"`);
    if (kernel === "wasm" && !wasmSimdAvailable()) throw new Error(`VanillaRnn: kernel "wasm" asked for, but this runtime has no WebAssembly SIMD; use kernel: "js"`);
    this.kernel = kernel;
    this.chunkRows = chunkRows;
    this.requestedThreads = threads;
    this.params = initParams(this.config, { init, seed });
    this.workspace = new ChunkWorkspace(kernel);
    this.grads = Object.fromEntries(Object.entries(paramShapes(this.config)).map(([k, s]) => [k, ndarray(s)]));
  }

  /** Threads that run a job: the main one plus the workers that started. */
  get threads(): number {
    if (this.pool.length > 0 || this.threadNote) return 1 + this.pool.length;
    return this.requestedThreads; // the workers start on the first call
  }

  /** One line for notebooks: kernel, threads, chunking. */
  describe(): string {
    const k = this.kernel === "wasm" ? "float64 WebAssembly SIMD kernel" : "float64 JavaScript kernel";
    return `hand-written BPTT on the ${k}, ${this.threads} thread${this.threads > 1 ? "s" : ""}, chunks of ${this.chunkRows} sequences` +
      (this.threadNote ? ` (${this.threadNote})` : "");
  }

  /** Starts the workers on first use. Falls back to one thread, with a note, if they cannot start. */
  private ensurePool(): void {
    if (this.pool.length > 0 || this.requestedThreads === 1 || this.threadNote) return;
    const ready = new Int32Array(new SharedArrayBuffer(4 * this.requestedThreads));
    const started: PoolWorker[] = [];
    try {
      for (let i = 1; i < this.requestedThreads; i++) {
        const { port1, port2 } = new MessageChannel();
        const worker = startLibraryWorker(__filename, "vanilla-rnn-worker", { ready: ready.buffer, index: i, errors: port2 }, [port2]);
        worker.on("error", () => undefined); // reported through the error port instead
        worker.unref(); // idle workers must not keep the process alive
        started.push({ worker, errors: port1 });
      }
      const deadline = Date.now() + WORKER_START_TIMEOUT_MS;
      for (let i = 1; i < this.requestedThreads; i++) {
        while (Atomics.load(ready, i) === 0) {
          const error = receiveMessageOnPort(started[i - 1].errors);
          if (error) throw new Error(String((error.message as { message?: unknown })?.message ?? error.message));
          if (Date.now() > deadline) throw new Error(`no answer within ${WORKER_START_TIMEOUT_MS / 1000} s`);
          Atomics.wait(ready, i, 0, 50);
        }
      }
      this.pool = started;
    } catch (error) {
      for (const p of started) void p.worker.terminate();
      this.threadNote = `worker threads unavailable, running on 1: ${(error as Error).message.split("\n")[0]}`;
    }
  }

  /** Shared buffers big enough for N sequences of T steps (reused across calls). */
  private prepare(kind: SharedJob["kind"], T: number, N: number): SharedJob {
    const { inputSize: I, hiddenSize: H, outputSize: O, bias } = this.config;
    const chunks = Math.ceil(N / this.chunkRows);
    const P = I * H + H * H + H * O + H + O;
    const need = { params: P, X: T * N * I, Y: N * O, outputs: N * O, chunkLoss: chunks, chunkGrads: chunks * P, control: 3 };
    const old = this.shared?.message.buffers;
    const fits = old && (Object.keys(need) as (keyof typeof need)[]).every((k) => old[k].byteLength >= need[k] * (k === "control" ? 4 : 8));
    if (!fits) {
      const buffers = Object.fromEntries(
        Object.entries(need).map(([k, n]) => [k, new SharedArrayBuffer(Math.max(1, n) * (k === "control" ? 4 : 8))]),
      ) as JobMessage["buffers"];
      const header = { kind, I, H, O, T, N, bias, chunkRows: this.chunkRows, chunks };
      const message: JobMessage = { job: header, buffers, kernel: this.kernel };
      this.shared = { job: jobFromMessage(message), message };
    }
    const shared = this.shared!;
    Object.assign(shared.message.job, { kind, T, N, chunks });
    Object.assign(shared.job, { kind, T, N, chunks });
    // Parameters, flat: [wIn | wHh | wOut | bH | bOut].
    const p = shared.job.params;
    let at = 0;
    for (const name of ["wIn", "wHh", "wOut"]) {
      p.set(this.params[name].data, at);
      at += this.params[name].data.length;
    }
    if (bias) {
      p.set(this.params.bH.data, at);
      p.set(this.params.bOut.data, at + H);
    } else {
      p.fill(0, at, at + H + O);
    }
    return shared.job;
  }

  /** Copies sequences `rows` (all when undefined) of X [T, Nall, I] and Y [Nall, O] into the job. */
  private gather(job: SharedJob, X: NdArray, Y: NdArray | undefined, rows: ArrayLike<number> | undefined): void {
    const [T, Nall, I] = X.shape;
    const N = job.N, O = this.config.outputSize;
    if (rows === undefined) {
      job.X.set(X.data.subarray(0, T * N * I));
      if (Y) job.Y.set(Y.data.subarray(0, N * O));
      return;
    }
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const src = (t * Nall + rows[n]) * I, dst = (t * N + n) * I;
        for (let i = 0; i < I; i++) job.X[dst + i] = X.data[src + i];
      }
    }
    if (Y) for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) job.Y[n * O + o] = Y.data[rows[n] * O + o];
  }

  /** Runs a prepared job on every thread and waits for all of them. */
  private run(job: SharedJob): void {
    this.ensurePool();
    job.control[0] = 0;
    job.control[1] = 0;
    job.control[2] = 0;
    const message = this.shared!.message;
    for (const p of this.pool) p.worker.postMessage(message);
    this.workspace.runJob(job);
    // Wait for the workers (they finish their last chunk; there is nothing left to claim).
    for (;;) {
      const done = Atomics.load(job.control, 1);
      if (job.control[2] !== 0) {
        const detail = this.pool.map((p) => receiveMessageOnPort(p.errors)).find((m) => m)?.message;
        throw new Error(`VanillaRnn: a worker thread failed: ${detail ? String(detail.message) : "unknown error"}`);
      }
      if (done >= this.pool.length) break;
      Atomics.wait(job.control, 1, done, 1000);
    }
  }

  private checkData(X: NdArray, Y: NdArray | undefined, rows: ArrayLike<number> | undefined, owner: string): { T: number; N: number } {
    const { inputSize: I, outputSize: O } = this.config;
    assertShape(X, [null, null, I], `${owner}: X`, ["time", "sequences", "features"]);
    const [T, Nall] = X.shape;
    if (Y) assertShape(Y, [Nall, O], `${owner}: Y`, ["sequences", "outputs"]);
    if (T < 1) throw new RangeError(`${owner}: X has no time steps`);
    if (rows !== undefined) {
      for (let n = 0; n < rows.length; n++) {
        const r = rows[n];
        if (!Number.isInteger(r) || r < 0 || r >= Nall) throw new RangeError(`${owner}: rows[${n}] = ${r} is not a sequence index in [0, ${Nall})`);
      }
    }
    const N = rows === undefined ? Nall : rows.length;
    if (N < 1) throw new RangeError(`${owner}: no sequences to run`);
    return { T, N };
  }

  /**
   * L (equation 4) and its gradients by the hand-derived BPTT, on the sequences `rows` of
   * X [T, N, I] and one-hot Y [N, O] (all of them when rows is undefined).
   */
  lossAndGradients(X: NdArray, Y: NdArray, rows?: ArrayLike<number>): GradientResult {
    const started = performance.now();
    const { T, N } = this.checkData(X, Y, rows, "VanillaRnn.lossAndGradients");
    const job = this.prepare("gradient", T, N);
    this.gather(job, X, Y, rows);
    this.run(job);
    // Add the chunks in chunk order: the same sums whichever thread ran which chunk.
    const P = job.params.length;
    let loss = 0;
    for (let c = 0; c < job.chunks; c++) loss += job.chunkLoss[c];
    let offset = 0;
    for (const name of Object.keys(paramShapes(this.config))) {
      const g = this.grads[name].data;
      const at = name === "bH" ? P - this.config.hiddenSize - this.config.outputSize : name === "bOut" ? P - this.config.outputSize : offset;
      g.fill(0);
      for (let c = 0; c < job.chunks; c++) {
        const slot = job.chunkGrads.subarray(c * P + at, c * P + at + g.length);
        for (let i = 0; i < g.length; i++) g[i] += slot[i];
      }
      offset += g.length;
    }
    const outputs = ndarray([N, this.config.outputSize], job.outputs.subarray(0, N * this.config.outputSize));
    const correct = countCorrect(outputs, job.Y.subarray(0, N * this.config.outputSize));
    this.stats.gradientCalls++;
    this.stats.flops += gradientFlops(this.config, N, T);
    this.stats.seconds += (performance.now() - started) / 1000;
    return { loss: loss / N, grads: this.grads, outputs, correct };
  }

  /** y (equation 3) for the sequences `rows` of X [T, N, I]: [N, O]. */
  forward(X: NdArray, rows?: ArrayLike<number>): NdArray {
    const started = performance.now();
    const { T, N } = this.checkData(X, undefined, rows, "VanillaRnn.forward");
    const job = this.prepare("forward", T, N);
    this.gather(job, X, undefined, rows);
    this.run(job);
    this.stats.forwardCalls++;
    this.stats.flops += forwardFlops(this.config, N, T);
    this.stats.seconds += (performance.now() - started) / 1000;
    return ndarray([N, this.config.outputSize], job.outputs.subarray(0, N * this.config.outputSize));
  }

  /** Loss (4) and accuracy on a whole set, forward only. */
  evaluate(X: NdArray, Y: NdArray): Evaluation {
    const outputs = this.forward(X);
    assertShape(Y, [X.shape[1], this.config.outputSize], "VanillaRnn.evaluate: Y", ["sequences", "outputs"]);
    return { loss: mseLoss(outputs, Y), accuracy: accuracy(outputs, Y), outputs };
  }

  /** Stops the worker threads (they are unref'd, so forgetting this does not keep Node alive). */
  dispose(): void {
    for (const p of this.pool) {
      p.errors.close();
      void p.worker.terminate();
    }
    this.pool = [];
  }
}

// ---------------------------------------------------------------------------------------------
// Loss and accuracy, as the lab's `mse` and `accuracy` functions (with the fixes).

/** Equation (4): 1/(2N) Σ_n ‖y_n − t_n‖². outputs, Y: [N, O]. */
export function mseLoss(outputs: NdArray, Y: NdArray): number {
  assertShape(Y, outputs.shape, "mseLoss: targets");
  const N = outputs.shape[0];
  let s = 0;
  for (let i = 0; i < outputs.data.length; i++) s += (outputs.data[i] - Y.data[i]) ** 2;
  return s / (2 * N);
}

function argmaxRow(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (data[offset + k] > data[offset + best]) best = k;
  return best; // the first of equal maxima, as np.argmax
}

function countCorrect(outputs: NdArray, Y: ArrayLike<number>): number {
  const [N, O] = outputs.shape;
  let correct = 0;
  for (let n = 0; n < N; n++) if (argmaxRow(outputs.data, n * O, O) === argmaxRow(Y, n * O, O)) correct++;
  return correct;
}

/** Fraction of sequences whose largest output is the target class. outputs, Y: [N, O]. */
export function accuracy(outputs: NdArray, Y: NdArray): number {
  assertShape(Y, outputs.shape, "accuracy: targets");
  return countCorrect(outputs, Y.data) / outputs.shape[0];
}

/** Predicted class (0-based) of every sequence: argmax of its outputs. outputs: [N, O]. */
export function predictedClasses(outputs: NdArray): Int32Array {
  const [N, O] = outputs.shape;
  return Int32Array.from({ length: N }, (_, n) => argmaxRow(outputs.data, n * O, O));
}

/**
 * Equations (1)–(4) in TensorFlow.js ops (float32), so autodiff can check the hand-derived
 * gradients. X: [T, N, I], Y: [N, O]; params keyed as paramShapes says.
 */
export function tfLoss(X: NdArray, Y: NdArray, params: Record<string, tf.Tensor>): tf.Scalar {
  const [T, N, I] = X.shape;
  return tf.tidy(() => {
    const x = tf.tensor3d(Float32Array.from(X.data), [T, N, I]); // (T, N, I)
    const wIn = params.wIn as tf.Tensor2D, wHh = params.wHh as tf.Tensor2D, wOut = params.wOut as tf.Tensor2D;
    let h: tf.Tensor2D = tf.zeros([N, wHh.shape[0]]); // (N, H): h_0 = 0
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(x, [t, 0, 0], [1, N, I]), [N, I]) as tf.Tensor2D; // (N, I)
      let z = tf.add(tf.matMul(xt, wIn), tf.matMul(h, wHh)) as tf.Tensor2D; // (N, H)
      if (params.bH) z = tf.add(z, params.bH) as tf.Tensor2D;
      h = tf.tanh(z);
    }
    let y = tf.matMul(h, wOut) as tf.Tensor2D; // (N, O)
    if (params.bOut) y = tf.add(y, params.bOut) as tf.Tensor2D;
    const t = tf.tensor2d(Float32Array.from(Y.data), Y.shape as [number, number]);
    return tf.div(tf.sum(tf.square(tf.sub(y, t))), 2 * N) as tf.Scalar;
  });
}

export interface CheckGradientsOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Entries per parameter checked by finite differences, picked at random (default: all). */
  maxEntries?: number;
  /** Also check against TensorFlow.js autodiff of `tfLoss` (default true). */
  autodiff?: boolean;
}

/**
 * The gradient check of lab 002: the model's hand-derived gradients at its current weights
 * against central finite differences of its float64 loss and against TensorFlow.js autodiff,
 * for every parameter. The weights are restored afterwards.
 */
export async function checkGradients(model: VanillaRnn, X: NdArray, Y: NdArray, options: CheckGradientsOptions = {}): Promise<GradCheckReport> {
  rejectUnknownOptions("vanillaRnn.checkGradients", options, ["eps", "maxEntries", "autodiff"]);
  const saved = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, ndarray(v.shape, v.data)]));
  const use = (p: ParamSet) => {
    for (const k of Object.keys(p)) model.params[k].data.set(p[k].data);
  };
  const { gradCheck } = await import("../bptt/grad-check");
  try {
    return await gradCheck({
      params: saved,
      loss: (p) => (use(p), model.lossAndGradients(X, Y).loss),
      gradients: (p) => {
        use(p);
        const g = model.lossAndGradients(X, Y).grads;
        return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.data.slice()]));
      },
      tfLoss: options.autodiff === false ? undefined : (p) => tfLoss(X, Y, p),
      eps: options.eps ?? 1e-6,
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    });
  } finally {
    use(saved);
  }
}
