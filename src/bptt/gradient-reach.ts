/**
 * How far back in a chunk the error signal reaches: the norm of ∂ℓ_T/∂h_{T−k} for k = 0 … T−1,
 * where ℓ_T is the loss on the chunk's LAST step only and h_t every layer's hidden output at step t
 * (total derivatives: through the layers above, the read-out and the later steps). To echo a bit
 * n steps later, the error at step T must reach h_{T−n}; in a ReLU RNN it shrinks by a matrix
 * product per step (the vanishing gradient), in an LSTM or GRU the gates can hold it. Notebook 001 plots it to answer its closing
 * question, and src/plot/gradient-reach.ts draws it as an explorable figure. Introduced in lab 001.
 */
import { ndarray } from "../ndarray";
import { sigmoid } from "../models/losses";
import type { RecurrentState } from "../models/recurrent-stack";
import { rejectUnknownOptions } from "../options";
import { CarriedState, type ChunkedSequences, type RecurrentModel } from "./truncated";

export interface GradientReachOptions {
  /** Chunks to average over, read in order with the state carried (default 20). */
  chunks?: number;
  /** The state before the first chunk (default zeros). */
  initialState?: RecurrentState;
}

export interface GradientReach {
  /** 0, 1, … T−1: steps back from the chunk's last step. */
  k: number[];
  /** [T]: mean over chunks of ‖∂ℓ_T/∂h_{T−k}‖. */
  norms: Float64Array;
  /** [T]: norms[k] / norms[0], so nets whose output errors differ in size compare. */
  relative: Float64Array;
}

/**
 * Measures the gradient reach of `model` on chunks of `data`. ℓ_T is the batch-mean BCE of the last
 * step, so ∂ℓ_T/∂z_T = (σ(z_T) − y_T)/batch and every other step's logit gradient is 0; the model's
 * own backward carries it down the chunk and reports ‖∂ℓ_T/∂h_t‖ for every t.
 */
export function gradientReach(
  model: RecurrentModel,
  data: ChunkedSequences,
  options: GradientReachOptions = {},
): GradientReach {
  rejectUnknownOptions("gradientReach", options, ["chunks", "initialState"]);
  const chunks = options.chunks ?? 20;
  if (!Number.isInteger(chunks) || chunks <= 0 || chunks > data.numChunks) {
    throw new RangeError(`gradientReach: chunks must be an integer in [1, ${data.numChunks}], got ${chunks}`);
  }
  const carried = new CarriedState(model, options.initialState);
  let sums: Float64Array | undefined;
  for (let i = 0; i < chunks; i++) {
    const { x, y, state } = carried.batch(data.chunk(i));
    const [B, T, O] = [x.shape[0], x.shape[1], model.outputSize];
    const fwd = model.forward(x, state);
    const dLogits = ndarray([B, T, O]); // (B, T, O): zero except at the last step
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < O; o++) {
        const at = (b * T + T - 1) * O + o;
        dLogits.data[at] = (sigmoid(fwd.logits.data[at]) - y.data[at]) / (B * O);
      }
    }
    const { hiddenGradNorms } = fwd.backward(dLogits);
    sums ??= new Float64Array(T);
    // hiddenGradNorms[t − 1] is step t; k steps back from T is index T − 1 − k.
    for (let k = 0; k < T; k++) sums[k] += hiddenGradNorms[T - 1 - k];
    carried.carry(fwd.finalState);
  }
  const norms = (sums as Float64Array).map((s) => s / chunks);
  return { k: Array.from(norms, (_, i) => i), norms, relative: norms.map((v) => v / norms[0]) };
}
