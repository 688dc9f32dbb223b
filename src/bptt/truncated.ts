/**
 * Truncated BPTT: training a recurrent model over consecutive chunks of long sequences, carrying
 * its state from one chunk into the next but cutting the gradient at every chunk border
 * (PyTorch's `hidden.detach_()` between batches). The whole contract is here, in one place:
 * - the model: `RecurrentModel`, the library's model contract (src/models/model.ts) with a chunk
 *   as its batch, `{ x, y, state }` (every model built on src/models/recurrent-stack.ts keeps it);
 * - the data: `ChunkedSequences`, chunks read in order 0 … numChunks − 1 (src/datasets/echo.ts);
 * - the carrying: `CarriedState`, which hands each chunk the state the chunk before ended in.
 * Built on src/train.ts: `trainTruncated` (training), `evaluateTruncated` (the test loop),
 * `trainAndTest` (both, as a lab run).
 *
 * The loss is the model's (BCE-with-logits on every time step for lab 001's nets) and the metric a
 * true accuracy percentage (correct elements over all elements), as notebook 001 uses them.
 * Introduced in lab 001.
 */
import { type NdArray, type ParamSet, assertShape, ndarray } from "../ndarray";
import { bceWithLogits, binaryCorrect } from "../models/losses";
import type { Model } from "../models/model";
import type { ChunkBatch, ChunkForward, ChunkLossAndGradients, RecurrentState } from "../models/recurrent-stack";
import type { Optimizer } from "../optim/optimizer";
import { rejectUnknownOptions } from "../options";
import { type EpochRecord, type TrainResult, train } from "../train";

export type { ChunkBatch, ChunkLossAndGradients } from "../models/recurrent-stack";

/**
 * What truncated BPTT needs from a recurrent model: the model contract on chunks (its loss and
 * gradients for `{ x, y, state }`, gradient stopped at `state`, and the state to carry on), a
 * state to start from, and the forward alone for the test loop and the gradient-reach measure.
 */
export interface RecurrentModel extends Model<ChunkBatch> {
  readonly inputSize: number;
  readonly outputSize: number;
  /** The state to start from (zeros), per name [layers, batch, hidden]. */
  initialState(batch: number): RecurrentState;
  /** Loss and gradients of one chunk from its carried state, with the state after it (see ChunkLossAndGradients). */
  lossAndGradients(batch: ChunkBatch, params?: ParamSet): ChunkLossAndGradients;
  /** One chunk forward from `state` ([batch, time, inputs] in), with its backward (see ChunkForward). */
  forward(x: NdArray, state: RecurrentState, params?: ParamSet): ChunkForward;
}

/** Long sequences cut into chunks, read in order 0 … numChunks − 1 once per epoch. */
export interface ChunkedSequences {
  readonly numChunks: number;
  /** Inputs [batch, T, inputs] and targets [batch, T, outputs] of chunk `index`. */
  chunk(index: number): { x: NdArray; y: NdArray };
}

/**
 * The state carried along a run of chunks: each chunk starts from the state the chunk before it
 * ended in (zeros before the first). It is handed on as plain values, with no graph behind it, and
 * that is what stops the gradient at the border. The one place where truncated BPTT carries state
 * (training, testing and the gradient-reach measure all go through it).
 */
export class CarriedState {
  private current: RecurrentState | undefined;

  constructor(
    private readonly model: Pick<RecurrentModel, "initialState">,
    initial?: RecurrentState,
  ) {
    this.current = initial;
  }

  /** A chunk as a batch: its inputs and targets, and the state carried into it. */
  batch(chunk: { x: NdArray; y: NdArray }): ChunkBatch {
    this.current ??= this.model.initialState(chunk.x.shape[0]);
    return { x: chunk.x, y: chunk.y, state: this.current };
  }

  /** Hands a chunk's final state on to the next chunk. */
  carry(finalState: RecurrentState): void {
    this.current = finalState;
  }

  /** The state after the last chunk (zeros, batch 1, when no chunk has run). */
  get state(): RecurrentState {
    return this.current ?? this.model.initialState(1);
  }
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

const TRAIN_OPTIONS = [
  "model",
  "data",
  "optimizer",
  "epochs",
  "name",
  "initialState",
  "log",
  "progress",
  "clipNorm",
  "evaluate",
  "onEpochEnd",
  "checkFinite",
];

export interface TruncatedTrainResult extends TrainResult {
  /** The state after the last chunk (the original passes it on to its test loop). */
  finalState: RecurrentState;
  /** Per epoch: mean training accuracy in % (over every element of every chunk). */
  accuracy: number[];
  /** Per epoch: the last chunk's loss (what the original prints as "loss"). */
  lastLoss: number[];
}

/** The original's line after each epoch (0-based `epoch`): "Train Epoch: 1/5, loss: 0.488, accuracy 56.8%". */
export function epochLine(epoch: number, epochs: number, lastLoss: number, accuracy: number): string {
  return `Train Epoch: ${epoch + 1}/${epochs}, loss: ${lastLoss.toFixed(3)}, accuracy ${accuracy.toFixed(1)}%`;
}

/** The lines trainAndTest prints after testing: the test accuracy, then the training and test times. */
export function testLines(name: string, train: TruncatedTrainResult, test: EvaluateResult, chunks: number): string[] {
  const perChunk = (1000 * train.seconds) / Math.max(1, chunks);
  return [
    `Test accuracy: ${test.accuracy.toFixed(2)}%`,
    `${name}: trained in ${train.seconds.toFixed(1)} s (${perChunk.toFixed(3)} ms per chunk), tested in ${test.seconds.toFixed(1)} s`,
  ];
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
  const carried = new CarriedState(model, options.initialState);
  const accuracy: number[] = [];
  const lastLoss: number[] = [];
  const result = await train<ChunkBatch>({
    name,
    model,
    optimizer,
    epochs,
    // Lazily, chunk by chunk: chunk i + 1 is handed the state chunk i's step carried on.
    batches: function* () {
      for (let i = 0; i < data.numChunks; i++) yield carried.batch(data.chunk(i));
    },
    step: (batch) => {
      const r = model.lossAndGradients(batch);
      carried.carry(r.finalState);
      return r;
    },
    evaluate: options.evaluate,
    onEpochEnd: async (record) => {
      accuracy.push(record.metrics.accuracy);
      lastLoss.push(record.batchLosses[record.batchLosses.length - 1]);
      if (log) console.log(epochLine(record.epoch, epochs, lastLoss[lastLoss.length - 1], record.metrics.accuracy));
      if (options.onEpochEnd) await options.onEpochEnd(record);
    },
    clipNorm: options.clipNorm,
    checkFinite: options.checkFinite,
    progress: options.progress,
    stepsPerEpoch: data.numChunks,
  });
  return { ...result, finalState: carried.state, accuracy, lastLoss };
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
export function evaluateTruncated(
  model: RecurrentModel,
  data: ChunkedSequences,
  options: EvaluateOptions = {},
): EvaluateResult {
  rejectUnknownOptions("evaluateTruncated", options, ["initialState"]);
  const started = performance.now();
  const carried = new CarriedState(model, options.initialState);
  let correct = 0,
    total = 0,
    lossSum = 0;
  for (let i = 0; i < data.numChunks; i++) {
    const { x, y, state } = carried.batch(data.chunk(i));
    const fwd = model.forward(x, state);
    assertShape(y, [x.shape[0], x.shape[1], model.outputSize], `${model.name}: targets y`, [
      "batch",
      "time",
      "outputs",
    ]);
    const c = binaryCorrect(fwd.logits, y);
    lossSum += bceWithLogits(fwd.logits, y).loss * c.total;
    correct += c.correct;
    total += c.total;
    carried.carry(fwd.finalState);
  }
  return {
    loss: lossSum / total,
    accuracy: (100 * correct) / total,
    correct,
    total,
    finalState: carried.state,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The model's 0/1 answers (logit > 0) to x ([batch, time, inputs]) from `state` (default zeros): [batch, time, outputs]. */
export function predictBits(model: RecurrentModel, x: NdArray, state?: RecurrentState): NdArray {
  const { logits } = model.forward(x, state ?? model.initialState(x.shape[0]));
  return ndarray(
    logits.shape,
    logits.data.map((z) => (z > 0 ? 1 : 0)),
  );
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
    (r) =>
      `${r.name.padEnd(width)}  ${r.trainAccuracy.toFixed(2).padStart(9)}%  ${r.testAccuracy.toFixed(2).padStart(8)}%  ${r.seconds.toFixed(1).padStart(6)} s`,
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
  if (!test || typeof test.chunk !== "function")
    throw new TypeError("trainAndTest: pass test: the test sequences (e.g. an EchoData)");
  const name = options.name ?? options.model.name;
  const train = await trainTruncated(trainOptions);
  const result = evaluateTruncated(options.model, test, { initialState: train.finalState });
  if (options.log !== false)
    for (const line of testLines(name, train, result, options.epochs * options.data.numChunks)) console.log(line);
  const summary = {
    name,
    trainAccuracy: train.accuracy[train.accuracy.length - 1] ?? NaN,
    testAccuracy: result.accuracy,
    seconds: train.seconds + result.seconds,
  };
  return { train, test: result, summary };
}
