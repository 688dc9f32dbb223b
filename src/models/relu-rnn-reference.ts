/**
 * The ReLU RNN's BPTT through one layer over a chunk, as plain loops over NdArrays in the order of
 * the equations (t = 1 … T; h_0 is the state carried in, g_{T+1} = 0 since nothing comes back from
 * beyond the chunk):
 *
 *   forward    a_t = b_ih + b_hh + W_ih·x_t + W_hh·h_{t−1},   h_t = relu(a_t)                  t = 1 … T
 *   backward   δ_t = ∂L/∂h_t = dOut_t + W_hhᵀ·g_{t+1},   g_t = ∂L/∂a_t = δ_t ⊙ 1[h_t > 0]     t = T … 1
 *   sums       ∂W_ih = Σ_t g_t·x_tᵀ,  ∂W_hh = Σ_t g_t·h_{t−1}ᵀ,  ∂b_ih = ∂b_hh = Σ_t g_t,  ∂h_0 = W_hhᵀ·g_1
 *
 * `reluRnnReferenceBptt` runs it in the stack (read-out and loss: recurrent-stack-reference.ts).
 * It is the reference the fused reluLayerForward / reluLayerBackward (relu-rnn.ts) are held to:
 * the same bits, as both add the same terms in the same order. Shown in notebook 001.
 * Introduced in lab 001 (issue 12).
 */
import { type NdArray, type ParamSet, ndarray } from "../ndarray";
import type { ChunkBatch } from "./recurrent-stack";
import {
  type ReferenceBptt,
  type ReferenceLayer,
  dotRow,
  layerSums,
  recurrentStackReferenceBptt,
  timesMatrix,
} from "./recurrent-stack-reference";

/** One ReLU layer over the chunk: xs[t] [B, in] and h_0 [B, H] → h_0 … h_T, and its backward. */
export const reluReferenceLayer: ReferenceLayer = (w, xs, initial) => {
  const T = xs.length - 1,
    [B, H] = initial.h.shape;
  const h: NdArray[] = [initial.h]; // h[t]: [B, H]
  for (let t = 1; t <= T; t++) {
    h[t] = ndarray([B, H]);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        let a = w.bIh.data[j] + w.bHh.data[j];
        a += dotRow(w.wIh, j, xs[t], b);
        a += dotRow(w.wHh, j, h[t - 1], b);
        h[t].data[b * H + j] = a > 0 || a !== a ? a : 0; // relu; a NaN passes through, as in PyTorch
      }
  }
  return {
    hs: h,
    finalState: { h: h[T] },
    backward(dOut) {
      const g: NdArray[] = [ndarray([0])]; // g[t] = ∂L/∂a_t: [B, H]
      let fromNext = ndarray([B, H]); // W_hhᵀ·g_{t+1}, zero beyond the chunk
      for (let t = T; t >= 1; t--) {
        g[t] = ndarray([B, H]);
        for (let i = 0; i < B * H; i++) {
          const delta = dOut[t].data[i] + fromNext.data[i]; // δ_t
          g[t].data[i] = h[t].data[i] > 0 ? delta : 0; // relu′(a_t), as PyTorch takes it: h_t > 0
        }
        fromNext = timesMatrix(g[t], w.wHh); // (W_hhᵀ·g_t for every batch row)
      }
      return { ...layerSums(w, xs, h, g, g), dState: { h: fromNext } };
    },
  };
};

/** The ReLU RNN stack's loss, gradients and states on one chunk, by the reference loops. */
export function reluRnnReferenceBptt(params: ParamSet, batch: ChunkBatch): ReferenceBptt {
  return recurrentStackReferenceBptt(reluReferenceLayer, params, batch);
}
