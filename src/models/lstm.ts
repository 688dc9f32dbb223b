/**
 * The LSTM (PyTorch's `nn.LSTM`, gates stacked i, f, g, o in w_ih / w_hh) with a linear read-out on
 * every step, single-layer or stacked:
 *
 *   [i f g o] = [σ σ tanh σ](W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   z_t = W_out·h_t^(top) + b_out
 *
 * Why it remembers: along c the step-to-step Jacobian is diag(f), which the net can hold near 1,
 * so the error reaching back k steps is not a product of k contracting matrices as in the ReLU RNN.
 * Notebook 001 answers its closing question with it (echo 10). Forward over a chunk and the
 * hand-derived backward side by side, fused; the same BPTT as plain loops is `lstmReferenceBptt`
 * (lstm-reference.ts); the stack is recurrent-stack.ts. Introduced in lab 001.
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

export interface LstmLayerForward extends LayerForward {
  /** [T, B, 4H]: the activated gates i, f, g, o of every step. */
  gates: Float64Array;
  /** [T + 1, B, H]: h_0 … h_T. */
  hs: Float64Array;
  /** [T + 1, B, H]: c_0 … c_T. */
  cs: Float64Array;
  /** [T, B, H]: tanh(c_t). */
  tanhC: Float64Array;
}

/** Forward over the chunk. X: [T, B, in] time-major; initial h and c: [B, H]. */
export function lstmLayerForward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  initial: Record<string, Float64Array>,
): LstmLayerForward {
  const { time: T, batch: B, inSize, hidden: H } = dims;
  const BH = B * H,
    G = 4 * H;
  const gates = broadcastRows(T * B, p.bIh, p.bHh); // (T·B, 4H): pre-activations, then activated in place
  gemmNT(T * B, G, inSize, X, 0, p.wIh, 0, gates, 0);
  const hs = new Float64Array((T + 1) * BH); // (T+1, B, H)
  const cs = new Float64Array((T + 1) * BH); // (T+1, B, H)
  const tanhC = new Float64Array(T * BH); // (T, B, H)
  hs.set(initial.h, 0);
  cs.set(initial.c, 0);
  const recurrent = packRight(true, G, H, p.wHh, 0); // W_hhᵀ (H, 4H), packed once for the T steps
  for (let t = 0; t < T; t++) {
    const gOff = t * B * G;
    recurrent.multiply(B, hs, t * BH, gates, gOff); // gates_t += h_{t−1}·W_hhᵀ
    for (let b = 0; b < B; b++) {
      const r = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[r + j]);
        const f = sigmoid(gates[r + H + j]);
        const g = Math.tanh(gates[r + 2 * H + j]);
        const o = sigmoid(gates[r + 3 * H + j]);
        gates[r + j] = i;
        gates[r + H + j] = f;
        gates[r + 2 * H + j] = g;
        gates[r + 3 * H + j] = o;
        const s = b * H + j;
        const c = f * cs[t * BH + s] + i * g;
        const tc = Math.tanh(c);
        cs[(t + 1) * BH + s] = c;
        tanhC[t * BH + s] = tc;
        hs[(t + 1) * BH + s] = o * tc;
      }
    }
  }
  return {
    gates,
    hs,
    cs,
    tanhC,
    outputs: hs.subarray(BH),
    finalState: { h: hs.slice(T * BH), c: cs.slice(T * BH) },
  };
}

/**
 * BPTT through the layer. With δh_t = dOut_t + W_hhᵀ·ga_{t+1} (total ∂L/∂h_t) and δc^next_t the
 * gradient arriving at c_t from step t+1:
 *   δc_t = δc^next_t + δh_t ⊙ o ⊙ (1 − tanh²c_t)
 *   ga = [δc⊙g⊙i(1−i),  δc⊙c_{t−1}⊙f(1−f),  δc⊙i⊙(1−g²),  δh⊙tanh c_t⊙o(1−o)]   (∂L/∂ pre-activations)
 *   δc^next_{t−1} = δc_t ⊙ f
 *   ∂W_hh = Σ_t gaᵀ·h_{t−1},  ∂W_ih = Σ_t gaᵀ·x_t,  ∂b_ih = ∂b_hh = Σ_t ga,  ∂x_t = ga·W_ih
 * hiddenGradSq[t] = ‖δh_t‖² (the total derivative of h_t, for the gradient-reach chart).
 */
export function lstmLayerBackward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  cache: LstmLayerForward,
  dOut: Float64Array,
  wantInputs: boolean,
): LayerBackward {
  const { time: T, batch: B, hidden: H } = dims;
  const BH = B * H,
    G = 4 * H,
    TB = T * B;
  const { gates, hs, cs, tanhC } = cache;
  const ga = scratch("lstm.ga", TB * G); // (T, B, 4H), a temporary: every element written below
  const recurrent = packRight(false, H, G, p.wHh, 0); // W_hh (4H, H), packed once for the T steps
  let dhNext = new Float64Array(BH);
  let spare = new Float64Array(BH); // dhNext's next value: two buffers in turn, not one per step
  const dcNext = new Float64Array(BH);
  const hiddenGradSq = new Float64Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const gOff = t * B * G;
    let sq = 0;
    for (let b = 0; b < B; b++) {
      const r = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const s = b * H + j;
        const dh = dOut[t * BH + s] + dhNext[s];
        sq += dh * dh;
        const i = gates[r + j],
          f = gates[r + H + j],
          g = gates[r + 2 * H + j],
          o = gates[r + 3 * H + j];
        const tc = tanhC[t * BH + s];
        const dc = dcNext[s] + dh * o * (1 - tc * tc);
        ga[r + j] = dc * g * i * (1 - i);
        ga[r + H + j] = dc * cs[t * BH + s] * f * (1 - f);
        ga[r + 2 * H + j] = dc * i * (1 - g * g);
        ga[r + 3 * H + j] = dh * tc * o * (1 - o);
        dcNext[s] = dc * f;
      }
    }
    hiddenGradSq[t] = sq;
    [dhNext, spare] = [spare.fill(0), dhNext];
    recurrent.multiply(B, ga, gOff, dhNext, 0); // (B, H) = ga_t·W_hh
  }
  return { ...chunkParamGrads(p, X, hs, ga, ga, dims, wantInputs), hiddenGradSq, dInitial: { h: dhNext, c: dcNext } };
}

/** The LSTM cell: the fused layer above and its TensorFlow.js step. */
export const lstmCell: RecurrentCell<LstmLayerForward> = {
  kind: "LSTM",
  gates: 4,
  stateNames: ["h", "c"],
  forward: lstmLayerForward,
  backward: lstmLayerBackward,
  tfStep(tf, p, x, state) {
    // (B, in)·(in, 4H) + (B, H)·(H, 4H) → (B, 4H), split into four (B, H) gates
    const a = tf.add(
      tf.add(tf.matMul(x, p.wIh, false, true), p.bIh),
      tf.add(tf.matMul(state.h, p.wHh, false, true), p.bHh),
    );
    const [ai, af, ag, ao] = tf.split(a, 4, 1) as tfCore.Tensor2D[];
    const c = tf.add(tf.mul(tf.sigmoid(af), state.c), tf.mul(tf.sigmoid(ai), tf.tanh(ag))) as tfCore.Tensor2D;
    return { h: tf.mul(tf.sigmoid(ao), tf.tanh(c)) as tfCore.Tensor2D, c };
  },
};

/** An LSTM (layers × hiddenSize, default 1 layer) with a linear read-out, initialised like PyTorch. */
export function lstm(options: RecurrentNetOptions): RecurrentNet<LstmLayerForward> {
  return new RecurrentNet(lstmCell, options);
}
