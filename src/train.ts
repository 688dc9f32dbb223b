/**
 * The one training loop of the library: epochs of batches, one optimiser step per batch, live
 * progress, a history of losses and metrics, optional gradient-norm clipping, and a cheap guard
 * that stops on the first non-finite loss or gradient and says where it happened.
 *
 * What a step computes (forward + BPTT, hand-derived or autodiff, full or truncated) is the
 * caller's `step` function; the loop only orders the work. Used by labs 000, 001 and 002.
 */
import type { ParamSet } from "./ndarray";
import type { LossAndGradients, Model } from "./models/model";
import { type Optimizer, clipGradNorm } from "./optim/optimizer";
import { rejectUnknownOptions } from "./options";
import { type ProgressFactory, createProgressSink } from "./progress-sink";

/** What a step gives: the batch's loss (before the update), gradients keyed like the parameters, metrics. */
export type StepResult = LossAndGradients;

export interface StepContext {
  epoch: number;
  /** Step index within the epoch, from 0. */
  step: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean of the batch losses of the epoch. */
  loss: number;
  /** Every batch's loss, in order. */
  batchLosses: number[];
  /** Means of the step metrics plus whatever `evaluate` returned. */
  metrics: Record<string, number>;
  /** Wall time of the epoch, evaluation included. */
  seconds: number;
}

/** A stretch of epochs at one learning rate: the optimiser is reset (fresh momenta) when it starts. */
export interface TrainPhase {
  epochs: number;
  lr: number;
}

export interface TrainOptions<Batch> {
  /** The model to train (src/models/model.ts): its parameters, and its loss and gradients per batch. */
  model?: Model<Batch>;
  /** Names the run in progress lines and errors, e.g. "ReLU RNN, echo 3" (default: the model's name). */
  name?: string;
  /** The parameters the optimiser updates in place (default: the model's). */
  params?: ParamSet;
  optimizer: Optimizer;
  /** Number of epochs; omit it when `phases` give them. */
  epochs?: number;
  /**
   * Learning-rate phases, run one after the other: e.g. [{epochs: 10, lr: 0.05}, {epochs: 4, lr: 0.005}].
   * Each resets the optimiser and sets its `lr`; epochs are counted across phases.
   */
  phases?: readonly TrainPhase[];
  /** The batches of one epoch (called once per epoch, so data can be redrawn). */
  batches: (epoch: number) => Iterable<Batch>;
  /** Forward and backward of one batch (default: `model.lossAndGradients(batch)`). */
  step?: (batch: Batch, context: StepContext) => StepResult;
  /** After each epoch: metrics to record (test loss, accuracy…). */
  evaluate?: (epoch: number) => Record<string, number> | Promise<Record<string, number>>;
  /** Called with each finished epoch (live charts, animation frames). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /** Clip the global gradient norm to this value before each update (default: no clipping). */
  clipNorm?: number;
  /** Stop on a non-finite loss or gradient (default true). */
  checkFinite?: boolean;
  /**
   * Live progress: true (default) draws with the registered default (src/progress-sink.ts: the
   * notebook's bars once the public surface is loaded), false draws nothing, a factory draws with it.
   */
  progress?: boolean | ProgressFactory;
  /** Batches per epoch, for the progress bar's total (default: counted on the first epoch). */
  stepsPerEpoch?: number;
}

export interface TrainResult {
  history: EpochRecord[];
  seconds: number;
}

const OPTION_KEYS = [
  "model",
  "name",
  "params",
  "optimizer",
  "epochs",
  "phases",
  "batches",
  "step",
  "evaluate",
  "onEpochEnd",
  "clipNorm",
  "checkFinite",
  "progress",
  "stepsPerEpoch",
];

/**
 * Raised by the non-finite guard; says which run, where, and what went bad first.
 * `epoch` and `step` count from 0 (as StepContext); the message counts from 1, as the progress
 * bar and the epoch logs do.
 */
export class NonFiniteError extends Error {
  constructor(
    readonly run: string,
    readonly epoch: number,
    readonly step: number,
    readonly quantity: string,
    readonly value: number,
    readonly epochs?: number,
  ) {
    super(
      `${run}: ${quantity} is ${value} in epoch ${epoch + 1}${epochs === undefined ? "" : ` of ${epochs}`}, step ${step + 1}; ` +
        `lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway`,
    );
    this.name = "NonFiniteError";
  }
}

/** Row-major flat index → "[i, j, …]" for `shape`. */
function multiIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(", ")}]`;
}

/** The first non-finite value of a step, or undefined. One pass over the gradients: cheap next to BPTT. */
function firstNonFinite(result: StepResult): { quantity: string; value: number } | undefined {
  if (!Number.isFinite(result.loss)) return { quantity: "the loss", value: result.loss };
  for (const [name, g] of Object.entries(result.grads)) {
    const d = g.data;
    // One quick pass first: x − x is 0 for a finite x and NaN for ±∞ or NaN, so the sum stays 0
    // unless an entry is not finite (lab 001's 6 × 60 net checks 40 441 entries per chunk).
    let probe = 0;
    for (let i = 0; i < d.length; i++) probe += d[i] - d[i];
    if (probe === 0) continue;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        return { quantity: `gradient "${name}"${g.shape.length ? ` at ${multiIndex(i, g.shape)}` : ""}`, value: d[i] };
      }
    }
  }
  return undefined;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export async function train<Batch>(options: TrainOptions<Batch>): Promise<TrainResult> {
  rejectUnknownOptions("train", options, OPTION_KEYS);
  const { model, optimizer, batches, evaluate, onEpochEnd, clipNorm, checkFinite = true } = options;
  const name = options.name ?? model?.name;
  if (name === undefined) throw new TypeError("train: pass a model, or a name for the run");
  const params = options.params ?? model?.params;
  if (params === undefined) throw new TypeError(`train (${name}): pass a model, or the params to update`);
  const step = options.step ?? (model ? (batch: Batch) => model.lossAndGradients(batch) : undefined);
  if (step === undefined) throw new TypeError(`train (${name}): pass a model, or a step function`);
  const phases = checkPhases(name, options.epochs, options.phases, optimizer);
  const epochs = phases.reduce((sum, p) => sum + p.epochs, 0);
  if (clipNorm !== undefined && !(clipNorm > 0))
    throw new RangeError(`train (${name}): clipNorm must be > 0, got ${clipNorm}`);

  const started = performance.now();
  const history: EpochRecord[] = [];
  let stepsPerEpoch = options.stepsPerEpoch;
  const bar = createProgressSink(options.progress, name, epochs * (stepsPerEpoch ?? 1));
  // The epoch each phase starts at → its learning rate (a phase of 0 epochs is overridden by the next).
  const phaseStarts = new Map<number, number>();
  phases.reduce((start, phase) => {
    if (phase.lr !== undefined) phaseStarts.set(start, phase.lr);
    return start + phase.epochs;
  }, 0);

  for (let epoch = 0; epoch < epochs; epoch++) {
    const lr = phaseStarts.get(epoch);
    if (lr !== undefined) {
      optimizer.reset();
      optimizer.lr = lr;
    }
    const epochStart = performance.now();
    const batchLosses: number[] = [];
    const stepMetrics: Record<string, number[]> = {};
    let stepIndex = 0;
    for (const batch of batches(epoch)) {
      const result = step(batch, { epoch, step: stepIndex });
      if (checkFinite) {
        const bad = firstNonFinite(result);
        if (bad) {
          bar?.done({ stopped: `non-finite in epoch ${epoch + 1}` });
          throw new NonFiniteError(name, epoch, stepIndex, bad.quantity, bad.value, epochs);
        }
      }
      if (clipNorm !== undefined) clipGradNorm(result.grads, clipNorm);
      optimizer.step(params, result.grads);
      batchLosses.push(result.loss);
      for (const [k, v] of Object.entries(result.metrics ?? {})) (stepMetrics[k] ??= []).push(v);
      stepIndex++;
      if (stepsPerEpoch !== undefined) {
        bar?.tick(1, { epoch: epoch + 1, loss: result.loss });
      }
    }
    if (stepsPerEpoch === undefined) {
      // Unknown length until one epoch has run: from here on the bar counts steps.
      stepsPerEpoch = Math.max(stepIndex, 1);
      bar?.setTotal(epochs * stepsPerEpoch);
      bar?.tick(stepIndex, { epoch: epoch + 1, loss: batchLosses[batchLosses.length - 1] });
    }
    const metrics: Record<string, number> = Object.fromEntries(
      Object.entries(stepMetrics).map(([k, v]) => [k, mean(v)]),
    );
    Object.assign(metrics, evaluate ? await evaluate(epoch) : {});
    const record: EpochRecord = {
      epoch,
      loss: mean(batchLosses),
      batchLosses,
      metrics,
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(record);
    if (onEpochEnd) await onEpochEnd(record);
    // Let the event loop run between epochs: interrupts, display flushes, timers.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const last = history[history.length - 1];
  bar?.done(last ? { loss: last.loss, ...last.metrics } : {});
  return { history, seconds: (performance.now() - started) / 1000 };
}

/** The run as phases: `epochs` alone is one phase at the optimiser's own rate. */
function checkPhases(
  name: string,
  epochs: number | undefined,
  phases: readonly TrainPhase[] | undefined,
  optimizer: Optimizer,
): { epochs: number; lr?: number }[] {
  const where = `train (${name})`;
  const checkEpochs = (value: unknown, what: string): number => {
    if (!Number.isInteger(value) || (value as number) < 0)
      throw new RangeError(`${where}: ${what} must be a non-negative integer, got ${value}`);
    return value as number;
  };
  if (phases === undefined) {
    if (epochs === undefined) throw new TypeError(`${where}: pass epochs (or phases)`);
    return [{ epochs: checkEpochs(epochs, "epochs") }];
  }
  if (epochs !== undefined) throw new TypeError(`${where}: pass epochs or phases, not both (phases give the epochs)`);
  if (!Array.isArray(phases)) throw new TypeError(`${where}: phases must be an array of {epochs, lr}`);
  if (!("lr" in optimizer))
    throw new TypeError(`${where}: phases set the learning rate, and ${optimizer.name} has no lr`);
  return phases.map((phase, i) => {
    rejectUnknownOptions(`${where}: phases[${i}]`, phase, ["epochs", "lr"]);
    if (!(phase.lr > 0)) throw new RangeError(`${where}: phases[${i}].lr must be > 0, got ${phase.lr}`);
    return { epochs: checkEpochs(phase.epochs, `phases[${i}].epochs`), lr: phase.lr };
  });
}
