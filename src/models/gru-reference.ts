/**
 * The GRU's BPTT through one layer over a chunk, as plain loops over NdArrays in the order of the
 * equations (gates stacked r, z, n in w_ih / w_hh, as PyTorch's nn.GRU; h_0 carried in):
 *
 *   forward    gi_t = b_ih + W_ih·x_t,   gh_t = b_hh + W_hh·h_{t−1}          (parts r, z, n each)
 *              r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *   backward   δ_t = dOut_t + δ_{t+1} ⊙ z_{t+1} + W_hhᵀ·∂gh_{t+1}                         t = T … 1
 *              ∂n = δ⊙(1−z)⊙(1−n²),  ∂r = ∂n⊙gh_n⊙r(1−r),  ∂z = δ⊙(h_{t−1} − n)⊙z(1−z)
 *              ∂gi = [∂r, ∂z, ∂n],   ∂gh = [∂r, ∂z, ∂n ⊙ r]
 *   sums       ∂W_ih = Σ_t ∂gi_t·x_tᵀ,  ∂W_hh = Σ_t ∂gh_t·h_{t−1}ᵀ,  ∂b_ih = Σ_t ∂gi_t,  ∂b_hh = Σ_t ∂gh_t
 *
 * `gruReferenceBptt` runs it in the stack (read-out and loss: recurrent-stack-reference.ts). It is
 * the reference the fused gruLayerForward / gruLayerBackward (gru.ts) are held to: the same bits,
 * as both add the same terms in the same order. Introduced in lab 001 (issue 12).
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

/** One GRU layer over the chunk: xs[t] [B, in] and h_0 [B, H] → h_0 … h_T, and its backward. */
export const gruReferenceLayer: ReferenceLayer = (w, xs, initial) => {
  const T = xs.length - 1,
    [B, H] = initial.h.shape;
  const h: NdArray[] = [initial.h]; // h[t]: [B, H]
  const gates: NdArray[] = [ndarray([0])],
    ghn: NdArray[] = [ndarray([0])]; // r z n [B, 3H]; gh_n [B, H]
  for (let t = 1; t <= T; t++) {
    h[t] = ndarray([B, H]);
    gates[t] = ndarray([B, 3 * H]);
    ghn[t] = ndarray([B, H]);
    for (let b = 0; b < B; b++) {
      const gi = (p: number) => w.bIh.data[p] + dotRow(w.wIh, p, xs[t], b);
      const gh = (p: number) => w.bHh.data[p] + dotRow(w.wHh, p, h[t - 1], b);
      for (let j = 0; j < H; j++) {
        const s = b * H + j,
          q = b * 3 * H;
        const r = sigmoid(gi(j) + gh(j));
        const z = sigmoid(gi(H + j) + gh(H + j));
        ghn[t].data[s] = gh(2 * H + j);
        const n = Math.tanh(gi(2 * H + j) + r * ghn[t].data[s]);
        [gates[t].data[q + j], gates[t].data[q + H + j], gates[t].data[q + 2 * H + j]] = [r, z, n];
        h[t].data[s] = (1 - z) * n + z * h[t - 1].data[s];
      }
    }
  }
  return {
    hs: h,
    finalState: { h: h[T] },
    backward(dOut) {
      const dGi: NdArray[] = [ndarray([0])],
        dGh: NdArray[] = [ndarray([0])]; // [B, 3H] each
      let fromNext = ndarray([B, H]); // δ_{t+1}⊙z_{t+1} + W_hhᵀ·∂gh_{t+1}, zero beyond the chunk
      for (let t = T; t >= 1; t--) {
        dGi[t] = ndarray([B, 3 * H]);
        dGh[t] = ndarray([B, 3 * H]);
        const direct = ndarray([B, H]); // δ_t ⊙ z_t: the path h_t = … + z ⊙ h_{t−1}
        for (let b = 0; b < B; b++)
          for (let j = 0; j < H; j++) {
            const s = b * H + j,
              q = b * 3 * H;
            const [r, z, n] = [gates[t].data[q + j], gates[t].data[q + H + j], gates[t].data[q + 2 * H + j]];
            const d = dOut[t].data[s] + fromNext.data[s]; // δ_t
            const dn = d * (1 - z) * (1 - n * n);
            const dr = dn * ghn[t].data[s] * r * (1 - r);
            const dz = d * (h[t - 1].data[s] - n) * z * (1 - z);
            [dGi[t].data[q + j], dGi[t].data[q + H + j], dGi[t].data[q + 2 * H + j]] = [dr, dz, dn];
            [dGh[t].data[q + j], dGh[t].data[q + H + j], dGh[t].data[q + 2 * H + j]] = [dr, dz, dn * r];
            direct.data[s] = d * z;
          }
        const back = timesMatrix(dGh[t], w.wHh); // W_hhᵀ·∂gh_t for every batch row
        fromNext = ndarray(
          [B, H],
          direct.data.map((v, s) => v + back.data[s]),
        );
      }
      return { ...layerSums(w, xs, h, dGi, dGh), dState: { h: fromNext } };
    },
  };
};

/** The GRU stack's loss, gradients and states on one chunk, by the reference loops. */
export function gruReferenceBptt(params: ParamSet, batch: ChunkBatch): ReferenceBptt {
  return recurrentStackReferenceBptt(gruReferenceLayer, params, batch);
}
