/**
 * bptt-lab: the public surface the notebooks import (compiled to dist/ for tslab:
 * `import * as lab from "../dist"`), ordered by layer as src/ is (CONTRIBUTING.md):
 * base → datasets → models → optimisers → training → BPTT tools → plots → rendering → notebook.
 * Each thing is exported once, under one name; helpers the library uses internally are not exported.
 */
// ---- base: arrays, random numbers, backends, progress
export {
  ndarray,
  wrapArray,
  fromRows,
  toRows,
  assertRank,
  assertShape,
  pairwiseSum,
  rowSums,
  linspace,
  logspace,
  formatArray,
} from "./ndarray";
export type { NdArray, ParamSet, FormatOptions } from "./ndarray";
export * from "./random";
export * from "./backend";
export * from "./progress-sink";

// ---- data
export * from "./datasets/bit-sums"; // labs 003, 004
export * from "./datasets/sine"; // lab 000
export * from "./datasets/echo"; // lab 001
export * from "./datasets/ecg5000"; // lab 002
export * from "./datasets/mini-batches"; // lab 002

// ---- models: the one contract, then one model per lab with its reference BPTT
export type { Model, LossAndGradients, Tf } from "./models/model";
// labs 003, 004 (a namespace: its mseLoss is the linear RNN's, not lab 002's)
export * as linearRnn from "./models/linear-rnn";
export { LinearRnn } from "./models/linear-rnn";
export type { LinearRnnParams, LinearRnnBatch } from "./models/linear-rnn";
// lab 000
export {
  ssnn,
  ssnnForward,
  ssnnBptt,
  ssnnLastOutputLoss,
  ssnnSizes,
  ssnnRollOut,
  observabilityMatrix,
  observabilityDeterminant,
} from "./models/ssnn";
export type {
  Ssnn,
  SsnnParams,
  SsnnBatch,
  SsnnOptions,
  SsnnSizes,
  SsnnForward,
  SsnnGradients,
  SsnnLastOutputLoss,
  RollOutOptions,
} from "./models/ssnn";
export { recordSsnnRun, describeSsnnRun, compareRollOutWindows } from "./models/ssnn-run";
export type { SsnnRun, RecordSsnnRunOptions, RollOutWindows } from "./models/ssnn-run";
// lab 001
export { reluRnn, reluCell } from "./models/relu-rnn";
export { lstm, lstmCell } from "./models/lstm";
export { gru, gruCell } from "./models/gru";
export { reluRnnReferenceBptt } from "./models/relu-rnn-reference";
export { lstmReferenceBptt } from "./models/lstm-reference";
export { gruReferenceBptt } from "./models/gru-reference";
export { RecurrentNet } from "./models/recurrent-stack";
export type {
  RecurrentNetOptions,
  RecurrentState,
  RecurrentCell,
  ChunkForward,
  ChunkBackward,
} from "./models/recurrent-stack";
export type { ReferenceBptt } from "./models/recurrent-stack-reference";
export * as losses from "./models/losses";
// lab 002
export { VanillaRnn } from "./models/vanilla-rnn";
export type {
  VanillaRnnOptions,
  VanillaRnnConfig,
  VanillaRnnBatch,
  GradientResult,
  Evaluation,
  RnnStats,
} from "./models/vanilla-rnn";
export type { ProductKernel } from "./kernels/heap-kernels";
export { wasmFmaAvailable } from "./kernels/heap-kernels";
export { vanillaRnnReferenceBptt, vanillaRnnReferenceForward } from "./models/vanilla-rnn-reference";
export { mseLoss, accuracy, predictedClasses } from "./models/vanilla-rnn-metrics";
export { compareLossAndGradients, formatAgreement } from "./models/compare-gradients";
export type { Agreement } from "./models/compare-gradients";

// ---- optimisers (one Optimizer contract)
export type { Optimizer } from "./optim/optimizer";
export { gradNorm, clipGradNorm } from "./optim/optimizer";
export * from "./optim/sgd";
export * from "./optim/rmsprop";
export * from "./optim/rprop";

// ---- training: the one loop
export * from "./train";

// ---- BPTT tools: gradient checks, truncated BPTT, loss surfaces, gradient reach, parallel runs
export * from "./bptt/grad-check";
export * from "./bptt/truncated";
export * from "./bptt/loss-surface";
export * from "./bptt/gradient-reach";
export { trainAndTestInParallel, startInParallel, ParallelRunError } from "./bptt/parallel";
export type {
  ParallelRunSpec,
  ParallelRunResult,
  ParallelOptions,
  StartedRun,
  StartOptions,
  EpochProgress,
} from "./bptt/parallel";

// ---- plots (pure Vega-Lite specs), rendering, notebook display
export * from "./plot";
export * from "./render";
export * from "./notebook";
export { summary, SUMMARY_MIME } from "./notebook/summary";
export type { SummaryValue, SummaryData, SummaryOptions } from "./notebook/summary";
