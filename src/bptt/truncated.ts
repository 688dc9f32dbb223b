/**
 * Truncated BPTT: training a recurrent model over consecutive chunks of long sequences, carrying
 * its state from one chunk into the next but cutting the gradient at every chunk border
 * (PyTorch's `hidden.detach_()` between batches). Works for any model with the small contract
 * `RecurrentModel` below (every model of src/models/ built on recurrent-stack.ts has it) and any
 * data with the `ChunkedSequences` contract (src/datasets/echo.ts). Built on src/train.ts:
 * `trainTruncated` (training), `evaluateTruncated` (the test loop), `trainAndTest` (both, as a lab run).
 *
 * The loss is BCE-with-logits on every time step and the metric a true accuracy percentage
 * (correct elements over all elements), as notebook 001 uses them. Introduced in lab 001.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { bceWithLogits, binaryCorrect, tfBceWithLogits } from "../models/losses";
import type { ChunkForward, RecurrentState } from "../models/recurrent-stack";
import { type Optimizer, rejectUnknownOptions } from "../optim/optimizer";
import { type EpochRecord, type TrainResult, train } from "../train";


/** What truncated BPTT needs from a recurrent model. */
export interface RecurrentModel {
  readonly name: string;
  /** Updated in place by the optimiser. */
  readonly params: ParamSet;
  readonly inputSize: number;
  readonly outputSize: number;
  /** The state to start from (zeros), per name [layers, batch, hidden]. */
  initialState(batch: number): RecurrentState;
  /** One chunk forward from `state` ([batch, time, inputs] in), with its backward (see ChunkForward). */
  forward(x: NdArray, state: RecurrentState, params?: ParamSet): ChunkForward;
  /**
   * The same forward op by op in TensorFlow.js, for autodiff references: [batch, time, outputs].
   * `hiddenNudges` ([time, batch, hidden] per layer) are added to every h_t, so that autodiff with
   * respect to them gives ∂L/∂h_t (what hiddenGradNorms reports).
   */
  tfLogits(params: Record<string, tf.Tensor>, x: NdArray, state: RecurrentState, hiddenNudges?: readonly tf.Tensor[]): tf.Tensor3D;
}

/** Long sequences cut into chunks, read in order 0 … numChunks − 1 once per epoch. */
export interface ChunkedSequences {
  readonly numChunks: number;
  /** Inputs [batch, T, inputs] and targets [batch, T, outputs] of chunk `index`. */
  chunk(index: number): { x: NdArray; y: NdArray };
}

export interface ChunkResult {
  /** Mean BCE-with-logits over the chunk's elements. */
  loss: number;
  /** ∂loss/∂θ with the incoming state held constant (the truncation). */
  grads: ParamSet;
  /** The state to carry into the next chunk. */
  finalState: RecurrentState;
  /** [batch, time, outputs]. */
  logits: NdArray;
  /** Elements predicted right (logit > 0 ⇔ 1), and how many there are. */
  correct: number;
  total: number;
}

function checkTargets(model: RecurrentModel, x: NdArray, y: NdArray): void {
  assertShape(y, [x.shape[0], x.shape[1], model.outputSize], `${model.name}: targets y`, ["batch", "time", "outputs"]);
}

/**
 * Loss and gradients of one chunk: fused forward from `state`, BCE-with-logits on every step, fused
 * backward. The gradient stops at the incoming state: it is a constant of this chunk.
 */
export function chunkLossAndGrads(model: RecurrentModel, x: NdArray, y: NdArray, state: RecurrentState, params: ParamSet = model.params): ChunkResult {
  const fwd = model.forward(x, state, params);
  checkTargets(model, x, y);
  const { loss, dLogits } = bceWithLogits(fwd.logits, y);
  const { grads } = fwd.backward(dLogits);
  const { correct, total } = binaryCorrect(fwd.logits, y);
  return { loss, grads, finalState: fwd.finalState, logits: fwd.logits, correct, total };
}

/** The same chunk loss op by op in TensorFlow.js, `state` held constant: what autodiff checks chunkLossAndGrads against. */
export function tfChunkLoss(model: RecurrentModel, params: Record<string, tf.Tensor>, x: NdArray, y: NdArray, state: RecurrentState): tf.Scalar {
  checkTargets(model, x, y);
  return tf.tidy(() => {
    const logits = model.tfLogits(params, x, state); // (B, T, O)
    return tfBceWithLogits(logits, tf.tensor3d(Float32Array.from(y.data), y.shape as [number, number, number]));
  });
}

/** A copy of a state (carrying it must not alias the model's working buffers). */
export function copyState(state: RecurrentState): RecurrentState {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, ndarray(v.shape, v.data)]));
}

export interface TruncatedTrainOptions {
  model: RecurrentModel;
  data: ChunkedSequences;
  optimizer: Optimizer;
  epochs: number;
  /** Names the run in progress and logs (default: the model's name). */
  name?: string;
  /** The state before the first chunk (default zeros, PyTorch's `hidden = None`). */
  initialState?: RecurrentState;
  /** Print the original's line after each epoch: "Train Epoch: 1/5, loss: 0.488, accuracy 56.8%" (default true). */
  log?: boolean;
  /** Live progress bar (default true). */
  progress?: boolean;
  /** Clip the global gradient norm (default: no clipping, as the lab). */
  clipNorm?: number;
  /** After each epoch: extra metrics to record (e.g. a test accuracy). */
  evaluate?: (epoch: number) => Record<string, number> | Promise<Record<string, number>>;
  /** Called with each finished epoch (live charts). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /** Stop on a non-finite loss or gradient (default true; see train()). */
  checkFinite?: boolean;
}

const TRAIN_OPTIONS = ["model", "data", "optimizer", "epochs", "name", "initialState", "log", "progress", "clipNorm", "evaluate", "onEpochEnd", "checkFinite"];

export interface TruncatedTrainResult extends TrainResult {
  /** The state after the last chunk (the original passes it on to its test loop). */
  finalState: RecurrentState;
  /** Per epoch: mean training accuracy in % (over every element of every chunk). */
  accuracy: number[];
  /** Per epoch: the last chunk's loss (what the original prints as "loss"). */
  lastLoss: number[];
}

/**
 * Trains `model` on `data` by truncated BPTT: one optimiser step per chunk, the state carried from
 * chunk to chunk (and from epoch to epoch, as the original does), the gradient cut at every border.
 * Records per epoch the mean loss, the true accuracy in %, and the last chunk's loss.
 */
export async function trainTruncated(options: TruncatedTrainOptions): Promise<TruncatedTrainResult> {
  rejectUnknownOptions("trainTruncated", options, TRAIN_OPTIONS);
  const { model, data, optimizer, epochs, log = true } = options;
  const name = options.name ?? model.name;
  if (!(data.numChunks > 0)) throw new RangeError(`trainTruncated (${name}): data has no chunks`);
  let state: RecurrentState | undefined = options.initialState;
  const accuracy: number[] = [];
  const lastLoss: number[] = [];
  const result = await train<number>({
    name,
    params: model.params,
    optimizer,
    epochs,
    batches: () => Array.from({ length: data.numChunks }, (_, i) => i),
    step: (index) => {
      const { x, y } = data.chunk(index);
      state ??= model.initialState(x.shape[0]);
      const r = chunkLossAndGrads(model, x, y, state);
      state = r.finalState; // carried forward as plain values: no gradient crosses the border
      return { loss: r.loss, grads: r.grads, metrics: { accuracy: (100 * r.correct) / r.total } };
    },
    evaluate: options.evaluate,
    onEpochEnd: async (record) => {
      accuracy.push(record.metrics.accuracy);
      lastLoss.push(record.batchLosses[record.batchLosses.length - 1]);
      if (log) {
        console.log(`Train Epoch: ${record.epoch + 1}/${epochs}, loss: ${lastLoss[lastLoss.length - 1].toFixed(3)}, accuracy ${record.metrics.accuracy.toFixed(1)}%`);
      }
      if (options.onEpochEnd) await options.onEpochEnd(record);
    },
    clipNorm: options.clipNorm,
    checkFinite: options.checkFinite,
    progress: options.progress,
    stepsPerEpoch: data.numChunks,
  });
  return { ...result, finalState: state ?? model.initialState(1), accuracy, lastLoss };
}

export interface EvaluateOptions {
  /** The state before the first chunk (default zeros; the original passes the training's final state). */
  initialState?: RecurrentState;
}

export interface EvaluateResult {
  /** Mean BCE-with-logits over every element. */
  loss: number;
  /** Correct elements over all elements, in %. */
  accuracy: number;
  correct: number;
  total: number;
  finalState: RecurrentState;
  seconds: number;
}

/** Runs the model forward over every chunk of `data` (state carried, no gradients): the lab's test loop. */
export function evaluateTruncated(model: RecurrentModel, data: ChunkedSequences, options: EvaluateOptions = {}): EvaluateResult {
  rejectUnknownOptions("evaluateTruncated", options, ["initialState"]);
  const started = performance.now();
  let state = options.initialState;
  let correct = 0, total = 0, lossSum = 0;
  for (let i = 0; i < data.numChunks; i++) {
    const { x, y } = data.chunk(i);
    state ??= model.initialState(x.shape[0]);
    const fwd = model.forward(x, state);
    checkTargets(model, x, y);
    const c = binaryCorrect(fwd.logits, y);
    lossSum += bceWithLogits(fwd.logits, y).loss * c.total;
    correct += c.correct;
    total += c.total;
    state = fwd.finalState;
  }
  return { loss: lossSum / total, accuracy: (100 * correct) / total, correct, total, finalState: state ?? model.initialState(1), seconds: (performance.now() - started) / 1000 };
}

/** The model's 0/1 answers (logit > 0) to x ([batch, time, inputs]) from `state` (default zeros): [batch, time, outputs]. */
export function predictBits(model: RecurrentModel, x: NdArray, state?: RecurrentState): NdArray {
  const { logits } = model.forward(x, state ?? model.initialState(x.shape[0]));
  return ndarray(logits.shape, logits.data.map((z) => (z > 0 ? 1 : 0)));
}

export interface RunSummary {
  name: string;
  /** Final epoch's training accuracy, %. */
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

/** A fixed-width table of runs: name, final train and test accuracy, time. */
export function formatRuns(runs: readonly RunSummary[], backend?: string): string {
  const width = Math.max(4, ...runs.map((r) => r.name.length));
  const head = `${"run".padEnd(width)}  train acc.  test acc.  time${backend ? ` (${backend})` : ""}`;
  const rows = runs.map(
    (r) => `${r.name.padEnd(width)}  ${r.trainAccuracy.toFixed(2).padStart(9)}%  ${r.testAccuracy.toFixed(2).padStart(8)}%  ${r.seconds.toFixed(1).padStart(6)} s`,
  );
  return [head, ...rows].join("\n");
}

export interface TrainAndTestOptions extends TruncatedTrainOptions {
  /** Test sequences, run after training from the training's final state (as the lab's test loop). */
  test: ChunkedSequences;
}

export interface TrainAndTestResult {
  train: TruncatedTrainResult;
  test: EvaluateResult;
  /** Name, final training accuracy, test accuracy, training + test time. */
  summary: RunSummary;
}

/**
 * The lab's "train, then test" for one model: trainTruncated, then evaluateTruncated from the final
 * training state; prints the test accuracy and the run time (unless log is false).
 */
export async function trainAndTest(options: TrainAndTestOptions): Promise<TrainAndTestResult> {
  const { test, ...trainOptions } = options;
  if (!test || typeof test.chunk !== "function") throw new TypeError("trainAndTest: pass test: the test sequences (e.g. an EchoData)");
  const name = options.name ?? options.model.name;
  const train = await trainTruncated(trainOptions);
  const result = evaluateTruncated(options.model, test, { initialState: train.finalState });
  if (options.log !== false) {
    const perChunk = (1000 * train.seconds) / Math.max(1, options.epochs * options.data.numChunks);
    console.log(`Test accuracy: ${result.accuracy.toFixed(2)}%`);
    console.log(`${name}: trained in ${train.seconds.toFixed(1)} s (${perChunk.toFixed(3)} ms per chunk), tested in ${result.seconds.toFixed(1)} s`);
  }
  const summary = { name, trainAccuracy: train.accuracy[train.accuracy.length - 1] ?? NaN, testAccuracy: result.accuracy, seconds: train.seconds + result.seconds };
  return { train, test: result, summary };
}
