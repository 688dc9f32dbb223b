/**
 * What lab 000 records while `train` (src/train.ts) trains an SSNN on a windowed signal: per batch
 * the loss and det(O) of the weights the loss was computed with (before the update, as the original
 * logs it), per epoch the mean loss, det(O) and the autoregressive roll-out. The recorder hands
 * `train` a `step` and an `onEpochEnd`; the figures of src/plot/ssnn-convergence.ts and the GIFs are
 * drawn from what it keeps. Also the comparison of roll-outs with windows of 10 and of the training
 * length that ends the lab. Used by notebook 000 and bench/ours/lab000.ts. Introduced in lab 000.
 */
import type { WindowedSignal } from "../datasets/sine";
import { rejectUnknownOptions } from "../options";
import type { LossAndGradients } from "./model";
import { type Ssnn, type SsnnBatch, observabilityDeterminant, ssnnRollOut } from "./ssnn";

export interface SsnnRun {
  /** The net's name, e.g. "SSNN, pure sine". */
  readonly name: string;
  readonly model: Ssnn;
  readonly data: WindowedSignal;
  /** Points per roll-out, the true seed included. */
  readonly rollOutLength: number;
  /** Every batch's loss, in training order. */
  readonly batchLoss: number[];
  /** det(O) of the weights each batch's loss was computed with. */
  readonly batchDetO: number[];
  /** Mean batch loss of each epoch. */
  readonly epochLoss: number[];
  /** det(O) at the end of each epoch (the weights its roll-out used). */
  readonly epochDetO: number[];
  /** The roll-out after each epoch, [rollOutLength] each. */
  readonly rollOuts: Float64Array[];
  /** Epochs recorded so far. */
  readonly epochs: number;
  /** Wall time from the first batch to the end of the last epoch's roll-out. */
  readonly seconds: number;
  /** For `train`: logs det(O), then the model's loss and BPTT on the batch. */
  readonly step: (batch: SsnnBatch) => LossAndGradients;
  /** For `train`: logs the epoch's batch losses, its mean, det(O) and the roll-out. */
  readonly onEpochEnd: (record: { loss: number; batchLosses: readonly number[] }) => void;
}

export interface RecordSsnnRunOptions {
  /** Points per roll-out, the true seed included (default the data's `rollOutLength`, 100 in the lab). */
  rollOutLength?: number;
}

/** A recorder for one training run of `model` on `data`; pass its `step` and `onEpochEnd` to `train`. */
export function recordSsnnRun(model: Ssnn, data: WindowedSignal, options: RecordSsnnRunOptions = {}): SsnnRun {
  rejectUnknownOptions("recordSsnnRun", options, ["rollOutLength"]);
  const rollOutLength = options.rollOutLength ?? data.options.rollOutLength;
  const batchLoss: number[] = [],
    batchDetO: number[] = [],
    epochLoss: number[] = [],
    epochDetO: number[] = [];
  const rollOuts: Float64Array[] = [];
  let started: number | undefined;
  let seconds = 0;
  return {
    name: model.name,
    model,
    data,
    rollOutLength,
    batchLoss,
    batchDetO,
    epochLoss,
    epochDetO,
    rollOuts,
    get epochs() {
      return epochLoss.length;
    },
    get seconds() {
      return seconds;
    },
    step: (batch) => {
      started ??= performance.now();
      batchDetO.push(observabilityDeterminant(model.params));
      return model.lossAndGradients(batch);
    },
    onEpochEnd: (record) => {
      batchLoss.push(...record.batchLosses);
      epochLoss.push(record.loss);
      epochDetO.push(observabilityDeterminant(model.params));
      rollOuts.push(ssnnRollOut(model.params, { seed: data.rollOutSeed, length: rollOutLength }));
      seconds = (performance.now() - (started ?? performance.now())) / 1000;
    },
  };
}

/** "SSNN, pure sine: 10 epochs × 12 batches in 0.07 s; loss (epoch mean) 7.887 → 4.026e-31; det(O) … → …". */
export function describeSsnnRun(run: SsnnRun): string {
  if (run.epochs === 0)
    throw new Error(
      `describeSsnnRun: ${run.name} has no epoch recorded yet; train it with the recorder's step and onEpochEnd first`,
    );
  const last = run.epochs - 1;
  return (
    `${run.name}: ${run.epochs} epochs × ${run.batchLoss.length / run.epochs} batches in ${run.seconds.toFixed(2)} s; ` +
    `loss (epoch mean) ${run.epochLoss[0].toPrecision(4)} → ${run.epochLoss[last].toPrecision(4)}; ` +
    `det(O) ${run.batchDetO[0].toExponential(3)} → ${run.epochDetO[last].toExponential(3)}`
  );
}

export interface RollOutWindows {
  /** The true signal over the roll-out, [rollOutLength]. */
  truth: Float64Array;
  /** The lab's roll-out: windows of the seed's length (10). */
  seedWindows: Float64Array;
  /** Seeded with as many true samples as a training window holds, and rolled out with windows that long. */
  trainingWindows: Float64Array;
  /** The seed's length and the training window's. */
  seedWindow: number;
  trainingWindow: number;
  /** Largest |roll-out − truth| over the predicted points of each. */
  seedWindowsError: number;
  trainingWindowsError: number;
}

/** The trained net rolled out both ways, to show that the lab's short windows, not the fit, make it drift. */
export function compareRollOutWindows(run: SsnnRun): RollOutWindows {
  const params = run.model.params;
  const trainingWindow = run.data.options.window;
  const truth = run.data.continuation.subarray(0, run.rollOutLength);
  const seedWindows = ssnnRollOut(params, { seed: run.data.rollOutSeed, length: run.rollOutLength });
  const trainingWindows = ssnnRollOut(params, {
    seed: truth.subarray(0, trainingWindow),
    length: run.rollOutLength,
    window: trainingWindow,
  });
  const maxError = (r: Float64Array, from: number) =>
    Math.max(...Array.from(r.subarray(from), (v, i) => Math.abs(v - truth[from + i])));
  const seedWindow = run.data.rollOutSeed.length;
  return {
    truth,
    seedWindows,
    trainingWindows,
    seedWindow,
    trainingWindow,
    seedWindowsError: maxError(seedWindows, seedWindow),
    trainingWindowsError: maxError(trainingWindows, trainingWindow),
  };
}
