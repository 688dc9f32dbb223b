/**
 * The LSTM's BPTT through one layer over a chunk, as plain loops over NdArrays in the order of the
 * equations (gates stacked i, f, g, o in w_ih / w_hh, as PyTorch's nn.LSTM; h_0, c_0 carried in):
 *
 *   forward    [i f g o]_t = [σ σ tanh σ](b_ih + b_hh + W_ih·x_t + W_hh·h_{t−1})
 *              c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh c_t                                  t = 1 … T
 *   backward   δh_t = dOut_t + W_hhᵀ·ga_{t+1},   δc_t = δc_{t+1} ⊙ f_{t+1} + δh_t ⊙ o ⊙ (1 − tanh²c_t)
 *              ga_t = ∂L/∂(pre-activations) = [δc⊙g⊙i(1−i),  δc⊙c_{t−1}⊙f(1−f),  δc⊙i⊙(1−g²),  δh⊙tanh c_t⊙o(1−o)]   t = T … 1
 *   sums       ∂W_ih = Σ_t ga_t·x_tᵀ,  ∂W_hh = Σ_t ga_t·h_{t−1}ᵀ,  ∂b_ih = ∂b_hh = Σ_t ga_t
 *
 * `lstmReferenceBptt` runs it in the stack (read-out and loss: recurrent-stack-reference.ts). It is
 * the reference the fused lstmLayerForward / lstmLayerBackward (lstm.ts) are held to: the same
 * bits, as both add the same terms in the same order. Introduced in lab 001 (issue 12).
 */
import { type NdArray, type ParamSet, ndarray } from "../ndarray";
import { sigmoid } from "./losses";
import type { ChunkBatch } from "./recurrent-stack";
import {
  type ReferenceBptt,
  type ReferenceLayer,
  dotRow,
  layerSums,
  recurrentStackReferenceBptt,
  timesMatrix,
} from "./recurrent-stack-reference";

/** One LSTM layer over the chunk: xs[t] [B, in], h_0 and c_0 [B, H] → h_0 … h_T, and its backward. */
export const lstmReferenceLayer: ReferenceLayer = (w, xs, initial) => {
  const T = xs.length - 1,
    [B, H] = initial.h.shape;
  const h: NdArray[] = [initial.h],
    c: NdArray[] = [initial.c]; // [B, H] each
  const gates: NdArray[] = [ndarray([0])]; // gates[t]: [B, 4H], i f g o after their non-linearities
  for (let t = 1; t <= T; t++) {
    h[t] = ndarray([B, H]);
    c[t] = ndarray([B, H]);
    gates[t] = ndarray([B, 4 * H]);
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < 4 * H; p++) {
        let a = w.bIh.data[p] + w.bHh.data[p];
        a += dotRow(w.wIh, p, xs[t], b);
        a += dotRow(w.wHh, p, h[t - 1], b);
        gates[t].data[b * 4 * H + p] = p >= 2 * H && p < 3 * H ? Math.tanh(a) : sigmoid(a); // g is tanh, i f o are σ
      }
      for (let j = 0; j < H; j++) {
        const [i, f, g, o] = [0, 1, 2, 3].map((q) => gates[t].data[b * 4 * H + q * H + j]);
        const s = b * H + j;
        c[t].data[s] = f * c[t - 1].data[s] + i * g;
        h[t].data[s] = o * Math.tanh(c[t].data[s]);
      }
    }
  }
  return {
    hs: h,
    finalState: { h: h[T], c: c[T] },
    backward(dOut) {
      const ga: NdArray[] = [ndarray([0])]; // ga[t]: [B, 4H]
      let dhNext = ndarray([B, H]); // W_hhᵀ·ga_{t+1}
      const dc = ndarray([B, H]); // δc carried from step t+1 to t (times f_{t+1})
      for (let t = T; t >= 1; t--) {
        ga[t] = ndarray([B, 4 * H]);
        for (let b = 0; b < B; b++)
          for (let j = 0; j < H; j++) {
            const s = b * H + j,
              r = b * 4 * H;
            const [i, f, g, o] = [0, 1, 2, 3].map((q) => gates[t].data[r + q * H + j]);
            const dh = dOut[t].data[s] + dhNext.data[s];
            const tc = Math.tanh(c[t].data[s]);
            const dct = dc.data[s] + dh * o * (1 - tc * tc);
            ga[t].data[r + j] = dct * g * i * (1 - i);
            ga[t].data[r + H + j] = dct * c[t - 1].data[s] * f * (1 - f);
            ga[t].data[r + 2 * H + j] = dct * i * (1 - g * g);
            ga[t].data[r + 3 * H + j] = dh * tc * o * (1 - o);
            dc.data[s] = dct * f;
          }
        dhNext = timesMatrix(ga[t], w.wHh);
      }
      return { ...layerSums(w, xs, h, ga, ga), dState: { h: dhNext, c: dc } };
    },
  };
};

/** The LSTM stack's loss, gradients and states on one chunk, by the reference loops. */
export function lstmReferenceBptt(params: ParamSet, batch: ChunkBatch): ReferenceBptt {
  return recurrentStackReferenceBptt(lstmReferenceLayer, params, batch);
}
