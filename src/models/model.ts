/**
 * The one contract every model of the library keeps (linear RNN, SSNN, vanilla RNN, the ReLU /
 * LSTM / GRU stacks): its parameters, a loss with hand-derived gradients for a batch, and the same
 * loss in TensorFlow.js ops for the autodiff check. `train` (src/train.ts), `gradCheck`
 * (src/bptt/grad-check.ts), the benchmarks and the tests take any model this way.
 *
 * A batch is whatever the model's loss is over, by convention `{ x, y }` (inputs and targets),
 * plus what else that loss depends on: `state` for a chunk of a longer sequence (truncated BPTT
 * carries the state in, and the gradient stops there), `rows` for a subset of a data set.
 *
 * Why `tfLoss` is handed the TensorFlow.js module rather than importing it: a model file then
 * loads no TensorFlow.js at all (only its types), so worker threads that train with the
 * hand-derived gradients never pay for it; gradCheck, which does load it, passes it in.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { ParamSet } from "../ndarray";

/** The TensorFlow.js core module, as `import * as tf from "@tensorflow/tfjs-core"` gives it. */
export type Tf = typeof tfCore;

/** What one forward and backward pass over a batch gives. */
export interface LossAndGradients {
  /** The batch's loss at the parameters it was computed with. */
  loss: number;
  /** ∂loss/∂θ, keyed and shaped like the model's parameters. */
  grads: ParamSet;
  /** Anything else to average over an epoch (e.g. accuracy), computed on the way. */
  metrics?: Record<string, number>;
}

export interface Model<Batch> {
  /** Names the model in progress lines and errors. */
  readonly name: string;
  /** The parameters, keyed by name; optimisers update them in place. */
  readonly params: ParamSet;
  /**
   * Forward pass and BPTT over one batch, at `params` (default: the model's own). gradCheck passes
   * perturbed copies; nothing here may keep a reference to them.
   */
  lossAndGradients(batch: Batch, params?: ParamSet): LossAndGradients;
  /** The same loss written in TensorFlow.js ops on `params` (float32 tensors keyed like `params`). */
  tfLoss?(tf: Tf, batch: Batch, params: Record<string, tfCore.Tensor>): tfCore.Scalar;
}
