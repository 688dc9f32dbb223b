/**
 * The GRU (PyTorch's `nn.GRU`, gates stacked r, z, n in w_ih / w_hh) with a linear read-out on
 * every step, single-layer or stacked:
 *
 *   r = σ(W_ir·x + b_ir + W_hr·h + b_hr),   z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
 *   n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Why it remembers: ∂h_t/∂h_{t−1} contains diag(z) directly, so with z near 1 a unit copies itself
 * forward and its error flows back unattenuated. Notebook 001 answers its closing question with it
 * (echo 10). Forward over a chunk and hand-derived backward side by side, fused; the same BPTT as
 * plain loops is `gruReferenceBptt` (gru-reference.ts); the stack is recurrent-stack.ts.
 * Introduced in lab 001.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { gemmNT, packRight } from "../kernels/gemm";
import { broadcastRows, scratch } from "../kernels/flat-arrays";
import { sigmoid } from "./losses";
import {
  type LayerBackward,
  type LayerDims,
  type LayerForward,
  type LayerParams,
  type RecurrentCell,
  type RecurrentNetOptions,
  RecurrentNet,
  chunkParamGrads,
} from "./recurrent-stack";

export interface GruLayerForward extends LayerForward {
  /** [T, B, 3H]: r, z, n of every step. */
  gates: Float64Array;
  /** [T, B, H]: W_hn·h_{t−1} + b_hn (n's recurrent part, before r scales it). */
  hn: Float64Array;
  /** [T + 1, B, H]: h_0 … h_T. */
  hs: Float64Array;
}

/** Forward over the chunk. X: [T, B, in] time-major; initial h: [B, H]. */
export function gruLayerForward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  initial: Record<string, Float64Array>,
): GruLayerForward {
  const { time: T, batch: B, inSize, hidden: H } = dims;
  const BH = B * H,
    G = 3 * H;
  const gates = broadcastRows(T * B, p.bIh); // (T·B, 3H): W_ih·x + b_ih, then r, z, n in place
  gemmNT(T * B, G, inSize, X, 0, p.wIh, 0, gates, 0);
  const hs = new Float64Array((T + 1) * BH); // (T+1, B, H)
  const hn = new Float64Array(T * BH); // (T, B, H)
  hs.set(initial.h, 0);
  const recurrent = packRight(true, G, H, p.wHh, 0); // W_hhᵀ (H, 3H), packed once for the T steps
  const biasRows = broadcastRows(B, p.bHh); // (B, 3H): b_hh in every row
  const gh = new Float64Array(B * G);
  for (let t = 0; t < T; t++) {
    gh.set(biasRows); // (B, 3H): W_hh·h_{t−1} + b_hh
    recurrent.multiply(B, hs, t * BH, gh, 0);
    const gOff = t * B * G;
    for (let b = 0; b < B; b++) {
      const r0 = gOff + b * G,
        h0 = b * G;
      for (let j = 0; j < H; j++) {
        const s = b * H + j;
        const r = sigmoid(gates[r0 + j] + gh[h0 + j]);
        const z = sigmoid(gates[r0 + H + j] + gh[h0 + H + j]);
        const ghn = gh[h0 + 2 * H + j];
        const n = Math.tanh(gates[r0 + 2 * H + j] + r * ghn);
        gates[r0 + j] = r;
        gates[r0 + H + j] = z;
        gates[r0 + 2 * H + j] = n;
        hn[t * BH + s] = ghn;
        hs[(t + 1) * BH + s] = (1 - z) * n + z * hs[t * BH + s];
      }
    }
  }
  return { gates, hn, hs, outputs: hs.subarray(BH), finalState: { h: hs.slice(T * BH) } };
}

/**
 * BPTT through the layer. With δ_t = dOut_t + (from step t+1) the total ∂L/∂h_t:
 *   δn = δ⊙(1 − z),  δz = δ⊙(h_{t−1} − n)
 *   gi = [ δn⊙(1−n²)⊙hn⊙r(1−r),  δz⊙z(1−z),  δn⊙(1−n²) ]      (∂L/∂(W_ih·x + b_ih), parts r, z, n)
 *   gh = [ same r part,            same z part, δn⊙(1−n²)⊙r ]   (∂L/∂(W_hh·h + b_hh))
 *   (from step t to t−1) = δ⊙z + gh·W_hh
 *   ∂W_hh = Σ_t ghᵀ·h_{t−1},  ∂W_ih = Σ_t giᵀ·x_t,  ∂b_ih = Σ gi,  ∂b_hh = Σ gh,  ∂x_t = gi·W_ih
 */
export function gruLayerBackward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  cache: GruLayerForward,
  dOut: Float64Array,
  wantInputs: boolean,
): LayerBackward {
  const { time: T, batch: B, hidden: H } = dims;
  const BH = B * H,
    G = 3 * H,
    TB = T * B;
  const { gates, hn, hs } = cache;
  const gi = scratch("gru.gi", TB * G); // (T, B, 3H), temporaries: every element written below
  const gh = scratch("gru.gh", TB * G); // (T, B, 3H)
  const recurrent = packRight(false, H, G, p.wHh, 0); // W_hh (3H, H), packed once for the T steps
  let dNext = new Float64Array(BH);
  let direct = new Float64Array(BH); // the next dNext: two buffers in turn, not one per step
  const hiddenGradSq = new Float64Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const gOff = t * B * G;
    let sq = 0;
    for (let b = 0; b < B; b++) {
      const r0 = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const s = b * H + j;
        const d = dOut[t * BH + s] + dNext[s];
        sq += d * d;
        const r = gates[r0 + j],
          z = gates[r0 + H + j],
          n = gates[r0 + 2 * H + j];
        const dan = d * (1 - z) * (1 - n * n);
        const dar = dan * hn[t * BH + s] * r * (1 - r);
        const daz = d * (hs[t * BH + s] - n) * z * (1 - z);
        gi[r0 + j] = dar;
        gi[r0 + H + j] = daz;
        gi[r0 + 2 * H + j] = dan;
        gh[r0 + j] = dar;
        gh[r0 + H + j] = daz;
        gh[r0 + 2 * H + j] = dan * r;
        direct[s] = d * z;
      }
    }
    hiddenGradSq[t] = sq;
    [dNext, direct] = [direct, dNext];
    recurrent.multiply(B, gh, gOff, dNext, 0); // += gh_t·W_hh, (B, H)
  }
  return { ...chunkParamGrads(p, X, hs, gi, gh, dims, wantInputs), hiddenGradSq, dInitial: { h: dNext } };
}

/** The GRU cell: the fused layer above and its TensorFlow.js step. */
export const gruCell: RecurrentCell<GruLayerForward> = {
  kind: "GRU",
  gates: 3,
  stateNames: ["h"],
  forward: gruLayerForward,
  backward: gruLayerBackward,
  tfStep(tf, p, x, state) {
    const gi = tf.add(tf.matMul(x, p.wIh, false, true), p.bIh); // (B, 3H)
    const gh = tf.add(tf.matMul(state.h, p.wHh, false, true), p.bHh); // (B, 3H)
    const [ir, iz, iN] = tf.split(gi, 3, 1) as tfCore.Tensor2D[];
    const [hr, hz, hN] = tf.split(gh, 3, 1) as tfCore.Tensor2D[];
    const r = tf.sigmoid(tf.add(ir, hr));
    const z = tf.sigmoid(tf.add(iz, hz));
    const n = tf.tanh(tf.add(iN, tf.mul(r, hN)));
    return { h: tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, state.h)) as tfCore.Tensor2D };
  },
};

/** A GRU (layers × hiddenSize, default 1 layer) with a linear read-out, initialised like PyTorch. */
export function gru(options: RecurrentNetOptions): RecurrentNet<GruLayerForward> {
  return new RecurrentNet(gruCell, options);
}
