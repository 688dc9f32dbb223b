/**
 * bptt-lab: the public surface the notebooks import (compiled to dist/ for tslab:
 * `import * as lab from "../dist"`). Ordered like the flow of the labs:
 * data → models → BPTT → optimisers → training → plots → rendering → notebook display.
 */
export * from "./ndarray";
export * from "./random";
export * from "./backend";
export * from "./progress-sink";
export type { Model, LossAndGradients, Tf } from "./models/model";

// ---- data
export * from "./datasets/bit-sums";
// lab 000 datasets:
export * from "./datasets/sine";
// lab 001 datasets:
export * from "./datasets/echo";
// lab 002 datasets:
export * from "./datasets/ecg5000";
export * from "./datasets/mini-batches";

// ---- models (one namespace per model: lab.linearRnn.forwardStates, …)
export * as linearRnn from "./models/linear-rnn";
export { LinearRnn } from "./models/linear-rnn";
export type { LinearRnnParams, LinearRnnBatch } from "./models/linear-rnn";
// lab 000 models:
export { ssnn, ssnnForward, ssnnBptt, ssnnLastOutputLoss, ssnnSizes, ssnnRollOut, observabilityMatrix, observabilityDeterminant } from "./models/ssnn";
export type { Ssnn, SsnnParams, SsnnBatch, SsnnOptions, SsnnSizes, SsnnForward, SsnnGradients, SsnnLastOutputLoss, RollOutOptions } from "./models/ssnn";
export { recordSsnnRun, describeSsnnRun, compareRollOutWindows } from "./models/ssnn-run";
export type { SsnnRun, RecordSsnnRunOptions, RollOutWindows } from "./models/ssnn-run";
export * as linalg from "./models/linear-algebra";
// lab 001 models:
export { reluRnn, reluCell } from "./models/relu-rnn";
export { lstm, lstmCell } from "./models/lstm";
export { gru, gruCell } from "./models/gru";
export { reluRnnReferenceBptt } from "./models/relu-rnn-reference";
export { lstmReferenceBptt } from "./models/lstm-reference";
export { gruReferenceBptt } from "./models/gru-reference";
export { RecurrentNet } from "./models/recurrent-stack";
export type { RecurrentNetOptions, RecurrentState, RecurrentCell, ChunkForward, ChunkBackward } from "./models/recurrent-stack";
export type { ReferenceBptt } from "./models/recurrent-stack-reference";
export * as losses from "./models/losses";
// lab 002 models:
export * as vanillaRnn from "./models/vanilla-rnn";
export { VanillaRnn } from "./models/vanilla-rnn";
export type { VanillaRnnOptions, VanillaRnnConfig, VanillaRnnBatch, GradientResult, Evaluation, RnnStats } from "./models/vanilla-rnn";
export { vanillaRnnReferenceBptt, vanillaRnnReferenceForward } from "./models/vanilla-rnn-reference";
export { mseLoss, accuracy, predictedClasses } from "./models/vanilla-rnn-metrics";
export { compareLossAndGradients, formatAgreement } from "./models/compare-gradients";
export type { Agreement } from "./models/compare-gradients";

// ---- BPTT tools
export * from "./bptt/grad-check";
export * from "./bptt/loss-surface";
// lab 001 BPTT tools (truncated BPTT):
export * from "./bptt/truncated";
export * from "./bptt/gradient-reach";
// independent runs on several threads (issue 7):
export { trainAndTestInParallel, ParallelRunError } from "./bptt/parallel";
export type { ParallelRunSpec, ParallelRunResult, ParallelOptions } from "./bptt/parallel";

// ---- optimisers
export * from "./optim/optimizer";
export * from "./optim/rprop";
export * from "./optim/sgd";
export * from "./optim/rmsprop";

// ---- training
export * from "./train";

// ---- plots, rendering, notebook display
export * from "./plot";
export * from "./render";
export * from "./notebook";
// key numbers for results/index.html (issue 6):
export { summary, SUMMARY_MIME } from "./notebook/summary";
export type { SummaryValue, SummaryData, SummaryOptions } from "./notebook/summary";
