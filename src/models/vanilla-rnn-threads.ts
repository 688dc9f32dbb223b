/**
 * The threads under lab 002's vanilla RNN: a job (one loss-and-gradient or forward pass over a
 * batch) is cut into chunks of `chunkRows` sequences, and the main thread and its workers claim
 * chunks from a shared counter (Atomics.add) until none is left. Every buffer of a job is a
 * SharedArrayBuffer, so workers read the inputs and write their chunks' outputs, losses and
 * gradients in place; the main thread blocks on the job's control array (Atomics.wait), so a
 * training step stays a plain synchronous call.
 *
 * Each chunk writes to its own slot, and src/models/vanilla-rnn.ts adds the slots in chunk order:
 * the result is the same to the bit whichever thread ran which chunk, on 1 or 2 threads.
 * Used by src/models/vanilla-rnn.ts; the worker side is src/models/vanilla-rnn-worker.ts.
 * Introduced in lab 002.
 */
import * as os from "node:os";
import { MessageChannel, type MessagePort, type Worker, receiveMessageOnPort } from "node:worker_threads";
import type { NdArray, ParamSet } from "../ndarray";
import type { ProductKernel } from "../kernels/heap-kernels";
import { startLibraryWorker } from "../worker-threads";
import { ChunkWorkspace, type SharedJob } from "./vanilla-rnn-chunk";

/** How a worker is told about a job (SharedArrayBuffers travel by reference). */
export interface JobMessage {
  job: Omit<SharedJob, "params" | "X" | "Y" | "outputs" | "chunkLoss" | "chunkGrads" | "control">;
  buffers: {
    params: SharedArrayBuffer;
    X: SharedArrayBuffer;
    Y: SharedArrayBuffer;
    outputs: SharedArrayBuffer;
    chunkLoss: SharedArrayBuffer;
    chunkGrads: SharedArrayBuffer;
    control: SharedArrayBuffer;
  };
  kernel: ProductKernel;
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

/** Threads to use when none are asked for: 2, or 1 on a one-core machine. */
export function defaultThreads(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.min(2, Math.max(1, cores));
}

interface PoolWorker {
  worker: Worker;
  errors: MessagePort;
}

/** The sizes a job is laid out for. */
export interface JobShape {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  bias: boolean;
}

const WORKER_START_TIMEOUT_MS = 30_000;

/** The main thread's workspace, the workers, and the shared buffers of the current job. */
export class VanillaRnnThreads {
  /** Why fewer threads run than were asked for, if they do. */
  threadNote = "";
  private readonly workspace: ChunkWorkspace;
  private pool: PoolWorker[] = [];
  private shared?: { job: SharedJob; message: JobMessage };

  constructor(
    private readonly shape: JobShape,
    readonly kernel: ProductKernel,
    readonly chunkRows: number,
    private readonly requestedThreads: number,
  ) {
    this.workspace = new ChunkWorkspace(kernel);
  }

  /** Threads that run a job: the main one plus the workers that started. */
  get threads(): number {
    if (this.pool.length > 0 || this.threadNote) return 1 + this.pool.length;
    return this.requestedThreads; // the workers start on the first call
  }

  /**
   * Runs one job on every thread: gathers sequences `rows` (all when undefined) of x [T, Nall, I]
   * and y [Nall, O], copies `params` in, and returns the job with its outputs, per-chunk losses
   * and per-chunk gradients filled in. The returned buffers are reused by the next job.
   */
  runJob(
    kind: SharedJob["kind"],
    params: ParamSet,
    x: NdArray,
    y: NdArray | undefined,
    rows: ArrayLike<number> | undefined,
  ): SharedJob {
    const T = x.shape[0];
    const N = rows === undefined ? x.shape[1] : rows.length;
    const job = this.prepare(kind, T, N, params);
    this.gather(job, x, y, rows);
    this.run(job);
    return job;
  }

  /** Starts the workers on first use. Falls back to one thread, with a note, if they cannot start. */
  private ensurePool(): void {
    if (this.pool.length > 0 || this.requestedThreads === 1 || this.threadNote) return;
    const ready = new Int32Array(new SharedArrayBuffer(4 * this.requestedThreads));
    const started: PoolWorker[] = [];
    try {
      for (let i = 1; i < this.requestedThreads; i++) {
        const { port1, port2 } = new MessageChannel();
        const worker = startLibraryWorker(
          __filename,
          "vanilla-rnn-worker",
          { ready: ready.buffer, index: i, errors: port2 },
          [port2],
        );
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

  /** Shared buffers big enough for N sequences of T steps (reused across calls), with `params` copied in. */
  private prepare(kind: SharedJob["kind"], T: number, N: number, params: ParamSet): SharedJob {
    const { inputSize: I, hiddenSize: H, outputSize: O, bias } = this.shape;
    const chunks = Math.ceil(N / this.chunkRows);
    const P = I * H + H * H + H * O + H + O;
    const need = {
      params: P,
      X: T * N * I,
      Y: N * O,
      outputs: N * O,
      chunkLoss: chunks,
      chunkGrads: chunks * P,
      control: 3,
    };
    const old = this.shared?.message.buffers;
    const fits =
      old &&
      (Object.keys(need) as (keyof typeof need)[]).every(
        (k) => old[k].byteLength >= need[k] * (k === "control" ? 4 : 8),
      );
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
      p.set(params[name].data, at);
      at += params[name].data.length;
    }
    if (bias) {
      p.set(params.bH.data, at);
      p.set(params.bOut.data, at + H);
    } else {
      p.fill(0, at, at + H + O);
    }
    return shared.job;
  }

  /** Copies sequences `rows` (all when undefined) of X [T, Nall, I] and Y [Nall, O] into the job. */
  private gather(job: SharedJob, X: NdArray, Y: NdArray | undefined, rows: ArrayLike<number> | undefined): void {
    const [T, Nall, I] = X.shape;
    const N = job.N,
      O = this.shape.outputSize;
    if (rows === undefined) {
      job.X.set(X.data.subarray(0, T * N * I));
      if (Y) job.Y.set(Y.data.subarray(0, N * O));
      return;
    }
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const src = (t * Nall + rows[n]) * I,
          dst = (t * N + n) * I;
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

  /** Stops the worker threads (they are unref'd, so forgetting this does not keep Node alive). */
  dispose(): void {
    for (const p of this.pool) {
      p.errors.close();
      void p.worker.terminate();
    }
    this.pool = [];
  }
}
