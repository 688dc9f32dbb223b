/**
 * The fast path of lab 002's vanilla RNN, one chunk at a time: equations (1)–(10) of
 * src/models/vanilla-rnn.ts on a batch of `chunkRows` sequences, with every O(rows·H²) product on
 * the blocked float64 kernel of src/kernels/heap-kernels.ts (WebAssembly SIMD, or the same blocking
 * in JavaScript) and the O(rows·H) element-wise steps (1), (8), (9) on src/kernels/rnn-steps.ts
 * (WebAssembly SIMD, or the same loops in JavaScript, chosen with the product kernel).
 *
 * Why it looks like this: the kernel addresses its operands by element offsets into one
 * Float64Array heap (the WebAssembly memory), so this file lays out W_hh, W_hhᵀ, ∂L/∂W_hh, δh, δz,
 * the chunk's states h_0 … h_T, its inputs x_1 … x_T, W_in, b_h and their gradients at fixed
 * offsets (`oWhh`, `oWhhT`, …) and allocates nothing per call. The hidden size is padded to Hp, a
 * multiple of 4, with zero weights (padded units stay 0), and a chunk's rows to a multiple of 4
 * (padded rows get δy = 0, so they add nothing).
 * The same code runs on the main thread and on every worker (src/models/vanilla-rnn-threads.ts,
 * src/models/vanilla-rnn-worker.ts). src/models/vanilla-rnn-reference.ts computes the same
 * equations in plain loops; test/vanilla-rnn.test.ts checks that both agree to the bit.
 * Introduced in lab 002.
 */
import { type GemmKernel, type ProductKernel, createWasmGemm, gemmJs } from "../kernels/heap-kernels";
import { type RnnSteps, rnnStepsJs } from "../kernels/rnn-steps";
import { tanhJs } from "../kernels/tanh";

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

/** One thread's buffers: the kernels' heap (products, element-wise steps, tanh) and small plain arrays (the read-out). */
export class ChunkWorkspace {
  private heap!: Float64Array;
  private kernel!: GemmKernel;
  /** heap[offset … offset + count − 1] ← tanh (the WebAssembly loop, or tanhJs: the same values). */
  private tanh!: (offset: number, count: number) => void;
  /** Equations (1), (8), (9) on the heap. */
  private steps!: RnnSteps;
  private shape = "";
  // Heap offsets (elements).
  private oWhh = 0;
  private oWhhT = 0;
  private oGWhh = 0;
  private oStates = 0;
  private oDh = 0;
  private oDz = 0;
  private oX = 0;
  private oWIn = 0;
  private oBH = 0;
  private oGWin = 0;
  private oGbH = 0;
  private Hp = 0;
  private wOut = new Float64Array(0);
  private bOut = new Float64Array(0);
  private y = new Float64Array(0);
  private dy = new Float64Array(0);

  constructor(readonly kernelName: ProductKernel) {}

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
    this.oX = take(T * rows * I); // (T, rows, I): x_1 … x_T of the chunk
    this.oWIn = take(I * Hp); // (I, Hp)
    this.oBH = take(Hp);
    this.oGWin = take(I * Hp); // ∂L/∂W_in (I, Hp)
    this.oGbH = take(Hp); // ∂L/∂b_h
    if (this.kernelName !== "js") {
      const w = createWasmGemm(at, { fused: this.kernelName === "wasm-fma" });
      this.heap = w.heap;
      this.kernel = w.kernel;
      this.tanh = w.tanh;
      this.steps = w.steps;
    } else {
      const heap = new Float64Array(at);
      this.heap = heap;
      this.kernel = gemmJs;
      this.tanh = (offset, count) => {
        for (let e = offset, end = offset + count; e < end; e++) heap[e] = tanhJs(heap[e]);
      };
      this.steps = rnnStepsJs(heap);
    }
    this.wOut = new Float64Array(Hp * O);
    this.bOut = new Float64Array(O);
    this.y = new Float64Array(rows * O);
    this.dy = new Float64Array(rows * O);
    this.shape = key;
  }

  /** Copies the job's parameters into the padded layouts (padding stays 0). */
  private loadParams(job: SharedJob): void {
    const { I, H, O, params: p } = job;
    const Hp = this.Hp,
      heap = this.heap;
    heap.fill(0, this.oWhh, this.oWhh + 2 * Hp * Hp);
    heap.fill(0, this.oWIn, this.oWIn + I * Hp);
    heap.fill(0, this.oBH, this.oBH + Hp);
    this.wOut.fill(0);
    let at = 0;
    for (let i = 0; i < I; i++) for (let j = 0; j < H; j++) heap[this.oWIn + i * Hp + j] = p[at++];
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        const w = p[at++];
        heap[this.oWhh + i * Hp + j] = w; // W_hh  (Hp, Hp)
        heap[this.oWhhT + j * Hp + i] = w; // W_hhᵀ (Hp, Hp), for (10)
      }
    }
    for (let j = 0; j < H; j++) for (let o = 0; o < O; o++) this.wOut[j * O + o] = p[at++];
    for (let j = 0; j < H; j++) heap[this.oBH + j] = p[at++];
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
    const Hp = this.Hp,
      heap = this.heap,
      M = roundUp4(rows); // padded rows have x = 0
    const stride = job.chunkRows * Hp; // one time step of states
    const xStride = job.chunkRows * I; // one time step of inputs
    heap.fill(0, this.oStates, this.oStates + M * Hp); // h_0 = 0
    // The chunk's inputs into the heap once, [T, rows, I] (the backward reads them again).
    for (let t = 0; t < T; t++) {
      const from = (t * N + n0) * I; // X[t, n0, :]
      heap.set(X.subarray(from, from + rows * I), this.oX + t * xStride);
    }
    for (let t = 1; t <= T; t++) {
      const ht = this.oStates + t * stride;
      // (1) z_t = x_t·W_in + b_h  …
      this.steps.inputStep(ht, this.oBH, this.oWIn, this.oX + (t - 1) * xStride, M, rows, I, Hp);
      // (1) … + h_{t−1}·W_hh   (h_0 = 0 adds nothing)
      if (t > 1) {
        this.kernel(heap, {
          a: ht - stride,
          aRowStride: Hp,
          aColStride: 1,
          w: this.oWhh,
          wRowStride: Hp,
          c: ht,
          cRowStride: Hp,
          M,
          N: Hp,
          K: Hp,
          accumulate: true,
        });
      }
      // (2) h_t = tanh(z_t), in place (src/kernels/tanh.ts: within 3 ulp of Math.tanh, a third of its time)
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
    const { I, H, O, T, N, Y } = job;
    const Hp = this.Hp,
      heap = this.heap,
      M = roundUp4(rows);
    const stride = job.chunkRows * Hp,
      xStride = job.chunkRows * I;
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
    for (let b = 0; b < rows; b++)
      for (let o = 0; o < O; o++) dy[b * O + o] = (this.y[b * O + o] - Y[(n0 + b) * O + o]) / N;
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
    heap.fill(0, this.oGWin, this.oGWin + I * Hp);
    heap.fill(0, this.oGbH, this.oGbH + Hp);
    for (let t = T; t >= 1; t--) {
      const ht = this.oStates + t * stride;
      // (8) δz_t = δh_t ⊙ (1 − h_t²)
      this.steps.tanhBackward(this.oDz, this.oDh, ht, M * Hp);
      // (9) ∂L/∂W_in += x_tᵀ·δz_t,  ∂L/∂b_h += Σ_n δz_t
      this.steps.inputGrads(this.oGbH, this.oGWin, this.oDz, this.oX + (t - 1) * xStride, rows, I, Hp);
      if (t > 1) {
        // (9) ∂L/∂W_hh += h_{t−1}ᵀ·δz_t   (h_0 = 0 adds nothing at t = 1)
        this.kernel(heap, {
          a: ht - stride,
          aRowStride: 1,
          aColStride: Hp,
          w: this.oDz,
          wRowStride: Hp,
          c: this.oGWhh,
          cRowStride: Hp,
          M: Hp,
          N: Hp,
          K: M,
          accumulate: true,
        });
        // (10) δh_{t−1} = δz_t·W_hhᵀ
        this.kernel(heap, {
          a: this.oDz,
          aRowStride: Hp,
          aColStride: 1,
          w: this.oWhhT,
          wRowStride: Hp,
          c: this.oDh,
          cRowStride: Hp,
          M,
          N: Hp,
          K: Hp,
          accumulate: false,
        });
      }
    }
    // The heap's padded (rows, Hp) gradients into the slot's (rows, H).
    const unpad = (from: number, rowCount: number, into: Float64Array) => {
      for (let i = 0; i < rowCount; i++) for (let j = 0; j < H; j++) into[i * H + j] = heap[from + i * Hp + j];
    };
    unpad(this.oGWhh, H, slot.subarray(I * H, I * H + H * H));
    unpad(this.oGWin, I, gWin);
    unpad(this.oGbH, 1, gbH);
    if (!job.bias) {
      gbH.fill(0);
      gbOut.fill(0);
    }
  }
}
