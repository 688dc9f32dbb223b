/**
 * Independent training runs on several cores at once: lab 001 trains the same nets from several
 * seeds, and each run is a long, single-threaded loop of small products, so two runs on two
 * worker threads take the time of one. Each run is described by plain options (a worker rebuilds
 * the model, the echo streams and the optimiser from them), trained with trainAndTest, and sent
 * back; its results are exactly those of the same run in the main thread (test/parallel.test.ts),
 * since every run is deterministic and shares nothing with the others.
 * Introduced in issue 7 (speed), used by notebook 001's "Seeds" section.
 */
import * as os from "node:os";
import type { Worker } from "node:worker_threads";
import { EchoData, type EchoDataOptions } from "../datasets/echo";
import { gru } from "../models/gru";
import { lstm } from "../models/lstm";
import { type RecurrentNet, type RecurrentNetOptions } from "../models/recurrent-stack";
import { reluRnn } from "../models/relu-rnn";
import { describe, rejectUnknownOptions } from "../options";
import type { Optimizer } from "../optim/optimizer";
import { RmsProp, type RmsPropOptions } from "../optim/rmsprop";
import { Sgd, type SgdOptions } from "../optim/sgd";
import { createProgressSink } from "../progress-sink";
import { startLibraryWorker } from "../worker-threads";
import { type TrainAndTestResult, epochLine, testLines, trainAndTest } from "./truncated";

const CELLS = { relu: reluRnn, lstm, gru } as const;

/** One run, as plain options that can cross to a worker thread. */
export interface ParallelRunSpec {
  /** Names the run in results and errors (default: the model's name). */
  name?: string;
  /** The model: a cell of src/models/ and its options (a seed, not an rng: generators stay in their thread). */
  model: { cell: keyof typeof CELLS } & Omit<RecurrentNetOptions, "rng">;
  /** Training streams and test streams (EchoData options, with a seed). */
  data: Omit<EchoDataOptions, "rng">;
  test: Omit<EchoDataOptions, "rng">;
  /** The optimiser: { rmsprop: {…} } or { sgd: {…} }. */
  optimizer: { rmsprop: RmsPropOptions } | { sgd: SgdOptions };
  epochs: number;
  /** Clip the global gradient norm (default: no clipping, as the lab). */
  clipNorm?: number;
}

export interface ParallelRunResult extends TrainAndTestResult {
  /** The trained model (the weights the worker trained, in a model built from the spec). */
  model: RecurrentNet;
}

export interface ParallelOptions {
  /** Worker threads (default: min(2, cores, runs)). 1 runs everything in this thread, in order. */
  threads?: number;
  /** One live progress bar over all runs (default true). */
  progress?: boolean;
  /** Names the progress bar (default "N runs on T threads"). */
  label?: string;
}

const SPEC_KEYS = ["name", "model", "data", "test", "optimizer", "epochs", "clipNorm"];
const MODEL_KEYS = ["cell", "hiddenSize", "layers", "inputSize", "outputSize", "seed", "name"];

/** What a run is built from; built in the main thread first, so a bad spec fails before any thread starts. */
interface BuiltRun {
  name: string;
  model: RecurrentNet;
  data: EchoData;
  test: EchoData;
  optimizer: Optimizer;
}

/** Builds a spec's model, streams and optimiser; throws a message naming the run and the fix. */
export function buildRun(spec: ParallelRunSpec, where = "trainAndTestInParallel"): BuiltRun {
  const label = `${where}: run ${typeof spec?.name === "string" ? `"${spec.name}"` : describe(spec?.name)}`;
  rejectUnknownOptions(where, spec ?? {}, SPEC_KEYS);
  const { cell, ...modelOptions } = spec.model ?? ({} as ParallelRunSpec["model"]);
  rejectUnknownOptions(`${where} model`, spec.model ?? {}, MODEL_KEYS);
  const make = CELLS[cell as keyof typeof CELLS];
  if (!make)
    throw new TypeError(
      `${label}: model.cell must be one of ${Object.keys(CELLS)
        .map((c) => `"${c}"`)
        .join(", ")}, got ${describe(cell)}`,
    );
  const model = make(modelOptions);
  const name = spec.name ?? model.name;
  const optimizerKeys = Object.keys(spec.optimizer ?? {});
  if (optimizerKeys.length !== 1 || !["rmsprop", "sgd"].includes(optimizerKeys[0])) {
    throw new TypeError(
      `${where}: run "${name}": optimizer must be { rmsprop: {…} } or { sgd: {…} }, got ${describe(spec.optimizer)}`,
    );
  }
  const optimizer = "rmsprop" in spec.optimizer ? new RmsProp(spec.optimizer.rmsprop) : new Sgd(spec.optimizer.sgd);
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1)
    throw new RangeError(`${where}: run "${name}": epochs must be a positive integer, got ${describe(spec.epochs)}`);
  return { name, model, data: new EchoData(spec.data), test: new EchoData(spec.test), optimizer };
}

/** What a run reports after each epoch (what the original prints then). */
export interface EpochProgress {
  /** 0-based. */
  epoch: number;
  /** Mean training accuracy of the epoch, %. */
  accuracy: number;
  /** The epoch's last chunk's loss. */
  lastLoss: number;
}

/** Trains and tests one built run (in whichever thread calls it); onEpoch after each epoch. */
export async function runBuilt(
  run: BuiltRun,
  spec: ParallelRunSpec,
  onEpoch?: (epoch: EpochProgress) => void,
): Promise<TrainAndTestResult> {
  return trainAndTest({
    name: run.name,
    model: run.model,
    data: run.data,
    test: run.test,
    optimizer: run.optimizer,
    epochs: spec.epochs,
    clipNorm: spec.clipNorm,
    log: false,
    progress: false,
    onEpochEnd: onEpoch
      ? (record) =>
          onEpoch({
            epoch: record.epoch,
            accuracy: record.metrics.accuracy,
            lastLoss: record.batchLosses[record.batchLosses.length - 1],
          })
      : undefined,
  });
}

/** Messages from a worker (src/bptt/parallel-worker.ts). */
export type WorkerReply =
  | ({ type: "epoch"; index: number } & EpochProgress)
  | { type: "done"; index: number; result: TrainAndTestResult; params: RecurrentNet["params"] }
  | { type: "error"; index: number; message: string };

/** An error that keeps the runs that did finish: results[i] is run i's result, or undefined. */
export class ParallelRunError extends Error {
  constructor(
    message: string,
    readonly results: (ParallelRunResult | undefined)[],
  ) {
    super(message);
    this.name = "ParallelRunError";
  }
}

function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** The threads asked for, checked, or the default: min(2, cores, runs), at least 1. */
function threadCount(where: string, threads: number | undefined, runs: number): number {
  const count = threads ?? Math.max(1, Math.min(2, availableCores(), runs));
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`${where}: threads must be a positive integer, got ${describe(count)}`);
  return count;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What a pool of worker threads tells its owner about run `index`. */
interface PoolEvents {
  epoch(index: number, progress: EpochProgress): void;
  done(index: number, result: ParallelRunResult): void;
  /** A run failed (index) or a thread did (index undefined: the pool is stopped). */
  failed(index: number | undefined, message: string): void;
}

/**
 * Hands the runs, in order, to `threads` worker threads, each taking the next run when it is free;
 * copies each trained run's weights into its model built here. The threads end with the last run
 * (or on stop()); they are unref'd, so a pool nobody waits for does not keep Node alive.
 */
function startPool(built: BuiltRun[], specs: readonly ParallelRunSpec[], threads: number, events: PoolEvents) {
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const w of workers) void w.terminate();
  };
  const give = (worker: Worker) => {
    if (next >= specs.length) return;
    const index = next++;
    worker.postMessage({ index, spec: specs[index] });
  };
  const count = Math.min(threads, specs.length);
  for (let t = 0; t < count; t++) {
    let worker: Worker;
    try {
      worker = startLibraryWorker(__filename, "parallel-worker", {});
    } catch (error) {
      stop(); // the threads already started
      throw error;
    }
    worker.unref();
    workers.push(worker);
    worker.on("message", (reply: WorkerReply) => {
      if (stopped) return;
      if (reply.type === "epoch") {
        const { type: _, index, ...progress } = reply;
        events.epoch(index, progress);
        return;
      }
      finished++;
      if (reply.type === "done") {
        const model = built[reply.index].model;
        for (const [key, p] of Object.entries(reply.params)) model.params[key].data.set(p.data);
        events.done(reply.index, { ...reply.result, model });
      } else {
        events.failed(reply.index, reply.message);
      }
      if (finished === specs.length) stop();
      else give(worker);
    });
    worker.on("error", (error) => {
      if (stopped) return;
      stop();
      events.failed(undefined, `a worker thread failed: ${error.message}`);
    });
    worker.on("exit", (code) => {
      if (stopped) return;
      stop();
      events.failed(undefined, `a worker thread exited (code ${code}) before its runs were done`);
    });
    give(worker);
  }
  return { stop };
}

/**
 * Trains and tests every run (trainAndTest, without its log lines), spread over worker threads;
 * returns the results in the order of `specs`. Throws a ParallelRunError naming the run that
 * failed; it keeps the results of the runs that finished.
 */
export async function trainAndTestInParallel(
  specs: readonly ParallelRunSpec[],
  options: ParallelOptions = {},
): Promise<ParallelRunResult[]> {
  const where = "trainAndTestInParallel";
  rejectUnknownOptions(where, options, ["threads", "progress", "label"]);
  if (!Array.isArray(specs)) throw new TypeError(`${where}: pass an array of runs, got ${describe(specs)}`);
  const built = specs.map((spec) => buildRun(spec, where));
  const threads = threadCount(where, options.threads, specs.length);
  if (specs.length === 0) return [];
  const used = Math.min(threads, specs.length); // threads that get a run; 1: all in this thread
  const epochsTotal = specs.reduce((s, spec) => s + spec.epochs, 0);
  const bar = createProgressSink(
    options.progress,
    options.label ?? `${plural(specs.length, "run")} on ${plural(used, "thread")}`,
    epochsTotal,
  );
  const results: (ParallelRunResult | undefined)[] = specs.map(() => undefined);
  const finished = () => results.filter(Boolean).length;

  if (used === 1) {
    for (let i = 0; i < specs.length; i++) {
      try {
        const result = await runBuilt(built[i], specs[i], () => bar?.tick(1, { done: finished() }));
        results[i] = { ...result, model: built[i].model };
      } catch (error) {
        bar?.done({ failed: built[i].name });
        throw new ParallelRunError(`${where}: run "${built[i].name}" failed: ${(error as Error).message}`, results);
      }
    }
    bar?.done({ done: finished() });
    return results as ParallelRunResult[];
  }

  return new Promise<ParallelRunResult[]>((resolve, reject) => {
    let pool: { stop(): void } | undefined;
    const fail = (message: string) => {
      pool?.stop();
      bar?.done({ failed: message.slice(0, 60) });
      reject(new ParallelRunError(`${where}: ${message}`, results));
    };
    try {
      pool = startPool(built, specs, used, {
        epoch: () => bar?.tick(1, { done: finished() }),
        done: (index, result) => {
          results[index] = result;
          if (finished() === specs.length) {
            bar?.done({ done: finished() });
            resolve(results as ParallelRunResult[]);
          }
        },
        failed: (index, message) =>
          fail(index === undefined ? message : `run "${built[index].name}" failed: ${message}`),
      });
    } catch (error) {
      fail(`could not start a worker thread (${(error as Error).message}); pass threads: 1 to run in this thread`);
    }
  });
}

/** A run started by startInParallel: its result when it is ready, and the lab's way to wait for it. */
export interface StartedRun {
  readonly name: string;
  /** Resolves with the run's results once it is trained and tested; rejects with an error naming the run. */
  readonly result: Promise<ParallelRunResult>;
  /**
   * Waits for the run, with a progress bar of its epochs, printing what trainAndTest prints (the
   * original's line after each epoch, then the test accuracy and the times) unless log is false;
   * returns its result. Call it in the cell that needs the run: lines of epochs already done come first.
   */
  report(options?: { log?: boolean; progress?: boolean }): Promise<ParallelRunResult>;
}

export interface StartOptions {
  /** Worker threads (default: min(2, cores, runs)); at least 1: these runs never train on this thread. */
  threads?: number;
}

/**
 * Starts every run on worker threads now and returns at once, one StartedRun per key: long runs
 * train off this thread's heap (in a notebook, the kernel's, which tslab's compiler shares) while
 * the cells in between run, and a cell waits only for the run it needs (`await runs.deep.report()`).
 * Runs start in key order, each thread taking the next when it is free: list the longest first.
 * The results are those of the same runs trained one after another in this thread, to the bit.
 * A run that fails rejects its own result only; the others go on.
 */
export function startInParallel<K extends string>(
  specs: Readonly<Record<K, ParallelRunSpec>>,
  options: StartOptions = {},
): Record<K, StartedRun> {
  const where = "startInParallel";
  rejectUnknownOptions(where, options, ["threads"]);
  if (specs === null || typeof specs !== "object" || Array.isArray(specs))
    throw new TypeError(`${where}: pass an object of named runs, { name: run, … }, got ${describe(specs)}`);
  const keys = Object.keys(specs) as K[];
  const list = keys.map((k) => specs[k]);
  const built = list.map((spec) => buildRun(spec, where));
  const threads = threadCount(where, options.threads, list.length);

  interface Tracked {
    epochs: EpochProgress[];
    listener?: (progress: EpochProgress) => void;
    settle: { resolve(r: ParallelRunResult): void; reject(e: Error): void };
  }
  const tracked: Tracked[] = [];
  const handles = {} as Record<K, StartedRun>;
  keys.forEach((key, index) => {
    let settle!: Tracked["settle"];
    const result = new Promise<ParallelRunResult>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => {}); // a failure surfaces where the run is awaited, not as an unhandled rejection
    const track: Tracked = { epochs: [], settle };
    tracked.push(track);
    const name = built[index].name;
    handles[key] = {
      name,
      result,
      report: async (reportOptions = {}) => {
        rejectUnknownOptions(`${where}: ${key}.report`, reportOptions, ["log", "progress"]);
        const log = reportOptions.log !== false;
        const epochs = list[index].epochs;
        const bar = createProgressSink(reportOptions.progress, name, epochs);
        const show = (p: EpochProgress) => {
          if (log) console.log(epochLine(p.epoch, epochs, p.lastLoss, p.accuracy));
          bar?.tick(1, { loss: p.lastLoss, accuracy: p.accuracy });
        };
        track.epochs.forEach(show);
        track.listener = show;
        try {
          const r = await result;
          bar?.done();
          if (log)
            for (const line of testLines(name, r.train, r.test, epochs * built[index].data.numChunks))
              console.log(line);
          return r;
        } catch (error) {
          bar?.done({ failed: name });
          throw error;
        } finally {
          track.listener = undefined;
        }
      },
    };
  });
  const failAll = (message: string) => {
    for (const t of tracked) t.settle.reject(new Error(`${where}: ${message}`));
  };
  try {
    startPool(built, list, threads, {
      epoch: (index, progress) => {
        tracked[index].epochs.push(progress);
        tracked[index].listener?.(progress);
      },
      done: (index, result) => tracked[index].settle.resolve(result),
      failed: (index, message) =>
        index === undefined
          ? failAll(message)
          : tracked[index].settle.reject(
              new Error(`${where}: run ${keys[index]} (${built[index].name}) failed: ${message}`),
            ),
    });
  } catch (error) {
    throw new Error(
      `${where}: could not start a worker thread (${(error as Error).message}); train the runs with trainAndTest instead`,
      { cause: error },
    );
  }
  return handles;
}
