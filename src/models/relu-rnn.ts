/**
 * The ReLU RNN of lab 001 (PyTorch's `nn.RNN(nonlinearity='relu', batch_first=True)` plus an
 * `nn.Linear` read-out on every step), single-layer or stacked:
 *
 *   a_t = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh,   h_t = relu(a_t),   z_t = W_out·h_t^(top) + b_out
 *
 * Layer l > 0 reads h^(l−1)_t as its input. The forward over a chunk and its hand-derived backward
 * sit side by side below, fused over the chunk; the same BPTT as plain loops in the order of the
 * equations is `reluRnnReferenceBptt` (relu-rnn-reference.ts), which the tests hold this one to.
 * The stack, the read-out and the model contract are in recurrent-stack.ts; the TensorFlow.js step
 * (autodiff reference) is `reluCell.tfStep`.
 * Used by notebook 001 (echo 3; echo 10 with 4 units, 60 units and 6 layers × 60). Introduced in lab 001.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { gemmNT, packRight } from "../kernels/gemm";
import { fillRows, scratch } from "../kernels/flat-arrays";
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

/** What the ReLU layer's backward needs: every state, h_0 … h_T. */
export interface ReluLayerForward extends LayerForward {
  /** [T + 1, B, H]: h_0 (the incoming state) then h_1 … h_T. */
  states: Float64Array;
}

/** Forward over the chunk. X: [T, B, in] time-major; h0: [B, H]. */
export function reluLayerForward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  initial: Record<string, Float64Array>,
): ReluLayerForward {
  const { time: T, batch: B, inSize, hidden: H } = dims;
  const BH = B * H;
  // Input projections for all steps at once: they do not depend on the recurrence.
  const pre = fillRows(scratch("relu.pre", T * BH), T * B, p.bIh, p.bHh); // (T·B, H), a temporary
  gemmNT(T * B, H, inSize, X, 0, p.wIh, 0, pre, 0);
  const states = new Float64Array((T + 1) * BH); // (T+1, B, H)
  states.set(initial.h, 0);
  const recurrent = packRight(true, H, H, p.wHh, 0); // W_hhᵀ, packed once for the T steps
  for (let t = 0; t < T; t++) {
    recurrent.multiply(B, states, t * BH, pre, t * BH); // a_t += h_{t−1}·W_hhᵀ
    const o = (t + 1) * BH,
      a = t * BH;
    // `v > 0 || v !== v`: a NaN passes through, as PyTorch's relu lets it, so the non-finite guard sees it.
    for (let i = 0; i < BH; i++) {
      const v = pre[a + i];
      states[o + i] = v > 0 || v !== v ? v : 0;
    }
  }
  return { states, outputs: states.subarray(BH), finalState: { h: states.slice(T * BH) } };
}

/**
 * BPTT through the layer. With δ_t = ∂L/∂h_t (total: from the output or layer above at t, plus
 * from step t+1):
 *   δ_t = dOut_t + W_hhᵀ·g_{t+1},   g_t = δ_t ⊙ 1[h_t > 0]     (∂h_t/∂a_t = relu′(a_t); PyTorch uses h_t > 0)
 *   ∂W_hh = Σ_t g_tᵀ·h_{t−1},  ∂W_ih = Σ_t g_tᵀ·x_t,  ∂b_ih = ∂b_hh = Σ_t g_t,  ∂x_t = g_t·W_ih
 * and ∂L/∂h_0 = W_hhᵀ·g_1, the gradient truncated BPTT drops at the chunk border.
 */
export function reluLayerBackward(
  p: LayerParams,
  X: Float64Array,
  dims: LayerDims,
  cache: ReluLayerForward,
  dOut: Float64Array,
  wantInputs: boolean,
): LayerBackward {
  const { time: T, batch: B, hidden: H } = dims;
  const BH = B * H,
    TB = T * B;
  const { states } = cache;
  const g = scratch("relu.g", TB * H); // (T, B, H): ∂L/∂a_t, every element written below
  const recurrent = packRight(false, H, H, p.wHh, 0); // W_hh, packed once for the T steps
  // W_hhᵀ·g_{t+1}, zero beyond the chunk (the cut); two buffers in turn, not one per step.
  let dNext = new Float64Array(BH);
  let spare = new Float64Array(BH);
  const hiddenGradSq = new Float64Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const a = t * BH,
      o = (t + 1) * BH;
    let sq = 0;
    for (let i = 0; i < BH; i++) {
      const delta = dOut[a + i] + dNext[i];
      sq += delta * delta;
      g[a + i] = states[o + i] > 0 ? delta : 0;
    }
    hiddenGradSq[t] = sq;
    [dNext, spare] = [spare.fill(0), dNext];
    recurrent.multiply(B, g, a, dNext, 0); // (B, H) = g_t·W_hh
  }
  // rows 0…T−1 of states are h_{t−1}
  return { ...chunkParamGrads(p, X, states, g, g, dims, wantInputs), hiddenGradSq, dInitial: { h: dNext } };
}

/** The ReLU cell: the fused layer above and its TensorFlow.js step. */
export const reluCell: RecurrentCell<ReluLayerForward> = {
  kind: "ReLU RNN",
  gates: 1,
  stateNames: ["h"],
  forward: reluLayerForward,
  backward: reluLayerBackward,
  tfStep(tf, p, x, state) {
    // h_t = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh): (B, in)·(in, H) + (B, H)·(H, H) → (B, H)
    const a = tf.add(
      tf.add(tf.matMul(x, p.wIh, false, true), p.bIh),
      tf.add(tf.matMul(state.h, p.wHh, false, true), p.bHh),
    );
    return { h: tf.relu(a) as tfCore.Tensor2D };
  },
};

/** A ReLU RNN (layers × hiddenSize, default 1 layer) with a linear read-out, initialised like PyTorch. */
export function reluRnn(options: RecurrentNetOptions): RecurrentNet<ReluLayerForward> {
  return new RecurrentNet(reluCell, options);
}
