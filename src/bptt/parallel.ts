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
import { type TrainAndTestResult, trainAndTest } from "./truncated";

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

/** Trains and tests one built run (in whichever thread calls it); onEpoch after each epoch. */
export async function runBuilt(
  run: BuiltRun,
  spec: ParallelRunSpec,
  onEpoch?: () => void,
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
    onEpochEnd: onEpoch ? () => onEpoch() : undefined,
  });
}

/** Messages from a worker (src/bptt/parallel-worker.ts). */
export type WorkerReply =
  | { type: "epoch"; index: number }
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
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const threads = options.threads ?? Math.max(1, Math.min(2, cores, specs.length));
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`${where}: threads must be a positive integer, got ${describe(threads)}`);
  if (specs.length === 0) return [];
  const used = Math.min(threads, specs.length); // threads that get a run; 1: all in this thread
  const epochsTotal = specs.reduce((s, spec) => s + spec.epochs, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
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
    const workers: Worker[] = [];
    let next = 0;
    let settled = false;
    const stop = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (error) {
        bar?.done({ failed: error.message.slice(0, 60) });
        reject(error);
      } else {
        bar?.done({ done: finished() });
        resolve(results as ParallelRunResult[]);
      }
    };
    const give = (worker: Worker) => {
      if (next >= specs.length) return;
      const index = next++;
      worker.postMessage({ index, spec: specs[index] });
    };
    for (let t = 0; t < used; t++) {
      let worker: Worker;
      try {
        worker = startLibraryWorker(__filename, "parallel-worker", {});
      } catch (error) {
        stop(
          new ParallelRunError(
            `${where}: could not start a worker thread (${(error as Error).message}); pass threads: 1 to run in this thread`,
            results,
          ),
        );
        return;
      }
      workers.push(worker);
      worker.on("message", (reply: WorkerReply) => {
        if (settled) return;
        if (reply.type === "epoch") {
          bar?.tick(1, { done: finished() });
        } else if (reply.type === "done") {
          const model = built[reply.index].model;
          for (const [key, p] of Object.entries(reply.params)) model.params[key].data.set(p.data);
          results[reply.index] = { ...reply.result, model };
          if (finished() === specs.length) stop();
          else give(worker);
        } else {
          stop(new ParallelRunError(`${where}: run "${built[reply.index].name}" failed: ${reply.message}`, results));
        }
      });
      worker.on("error", (error) =>
        stop(new ParallelRunError(`${where}: a worker thread failed: ${error.message}`, results)),
      );
      worker.on("exit", (code) => {
        if (!settled)
          stop(
            new ParallelRunError(`${where}: a worker thread exited (code ${code}) before its runs were done`, results),
          );
      });
      give(worker);
    }
  });
}
