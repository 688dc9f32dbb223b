/**
 * The reference BPTT of lab 001's recurrent stacks, as plain loops over NdArrays in the order of
 * the equations: the chunk through the layers from the bottom up, the read-out z_t = W_out·h_t + b_out
 * and BCE-with-logits on every step, then the gradients back down the stack. What a cell does over
 * time is its reference layer, one screen each: relu-rnn-reference.ts, lstm-reference.ts,
 * gru-reference.ts. The fused fast path (recurrent-stack.ts and the cells) is tested against these
 * on random shapes (test/recurrent-models.test.ts) and gives the same bits: both sum every
 * product left to right in one accumulator, in the same order (over k, then the steps t = 1 … T and
 * the batch rows), and start from the same biases. Introduced in lab 001 (issue 12).
 *
 * Time runs t = 1 … T as in the equations: arrays over steps are indexed by t, and index 0 holds
 * the state carried in (h_0, c_0) or nothing (inputs, gradients).
 */
import { type NdArray, type ParamSet, ndarray } from "../ndarray";
import { bceWithLogits } from "./losses";
import type { ChunkBatch, RecurrentState } from "./recurrent-stack";

/** One layer's weights, PyTorch's layout: w_ih [G·H, in], w_hh [G·H, H], b_ih and b_hh [G·H]. */
export interface ReferenceWeights {
  wIh: NdArray;
  wHh: NdArray;
  bIh: NdArray;
  bHh: NdArray;
}

/** ∂L/∂(the layer's weights), ∂L/∂(its inputs) x_t (t = 1 … T) and ∂L/∂(its incoming state). */
export interface ReferenceLayerGrads {
  dWIh: NdArray;
  dWHh: NdArray;
  dBIh: NdArray;
  dBHh: NdArray;
  dInputs: NdArray[];
  dState: Record<string, NdArray>;
}

/** A cell over a chunk: inputs x_t ([B, in], t = 1 … T) and the incoming state ([B, H] per name) → h_0 … h_T, its backward. */
export type ReferenceLayer = (
  w: ReferenceWeights,
  xs: NdArray[],
  initial: Record<string, NdArray>,
) => {
  /** h_t ([B, H]) for t = 0 … T: the layer above reads h_1 … h_T. */
  hs: NdArray[];
  finalState: Record<string, NdArray>;
  /** dOut_t = ∂L/∂h_t from above (the read-out or the next layer), t = 1 … T. */
  backward(dOut: NdArray[]): ReferenceLayerGrads;
};

/** Σ_k W[row, k]·v[b, k], k in order: one row of W times row b of v ([B, n]). */
export function dotRow(W: NdArray, row: number, v: NdArray, b: number): number {
  const n = W.shape[1];
  let s = 0;
  for (let k = 0; k < n; k++) s += v.data[b * n + k] * W.data[row * n + k];
  return s;
}

/** g·W: [B, G]·[G, n] → [B, n], each entry Σ_p g[b, p]·W[p, k] with p in order. */
export function timesMatrix(g: NdArray, W: NdArray): NdArray {
  const [B, G] = g.shape,
    n = W.shape[1];
  const out = ndarray([B, n]);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let p = 0; p < G; p++) s += g.data[b * G + p] * W.data[p * n + k];
      out.data[b * n + k] = s;
    }
  return out;
}

/**
 * A layer's parameter gradients from ∂L/∂(pre-activations), summed over t = 1 … T and the batch:
 *   ∂W_ih = Σ_t gIn_tᵀ·x_t,  ∂W_hh = Σ_t gRec_tᵀ·h_{t−1},  ∂b_ih = Σ_t gIn_t,  ∂b_hh = Σ_t gRec_t,  ∂x_t = gIn_t·W_ih.
 * gIn and gRec are the same for cells that add the input and recurrent parts before the
 * non-linearity (ReLU RNN, LSTM); the GRU's differ (r scales W_hn·h inside its n gate).
 */
export function layerSums(
  w: ReferenceWeights,
  xs: NdArray[],
  hs: NdArray[],
  gIn: NdArray[],
  gRec: NdArray[],
): Omit<ReferenceLayerGrads, "dState"> {
  const [G, I] = w.wIh.shape,
    H = w.wHh.shape[1],
    B = hs[0].shape[0],
    T = xs.length - 1;
  const dWIh = ndarray([G, I]),
    dWHh = ndarray([G, H]),
    dBIh = ndarray([G]),
    dBHh = ndarray([G]);
  const dInputs: NdArray[] = [ndarray([0])];
  for (let t = 1; t <= T; t++) {
    for (let b = 0; b < B; b++)
      for (let p = 0; p < G; p++) {
        const gi = gIn[t].data[b * G + p],
          gr = gRec[t].data[b * G + p];
        for (let k = 0; k < I; k++) dWIh.data[p * I + k] += gi * xs[t].data[b * I + k];
        for (let k = 0; k < H; k++) dWHh.data[p * H + k] += gr * hs[t - 1].data[b * H + k];
        dBIh.data[p] += gi;
        dBHh.data[p] += gr;
      }
    dInputs[t] = timesMatrix(gIn[t], w.wIh);
  }
  return { dWIh, dWHh, dBIh, dBHh, dInputs };
}

/** What the reference gives for a chunk: the loss, ∂L/∂θ keyed like the parameters, the logits, the states. */
export interface ReferenceBptt {
  loss: number;
  grads: ParamSet;
  /** [batch, time, outputs]. */
  logits: NdArray;
  finalState: RecurrentState;
  /** ∂L/∂(incoming state): what truncated BPTT drops at the chunk border. */
  initialStateGrads: RecurrentState;
}

/** The stack's forward and BPTT over one chunk, with `layer` the cell's reference over time. */
export function recurrentStackReferenceBptt(
  layer: ReferenceLayer,
  params: ParamSet,
  { x, y, state }: ChunkBatch,
): ReferenceBptt {
  const [B, T, I] = x.shape,
    [L, , H] = state.h.shape,
    O = params.linear_bias.shape[0];
  const names = Object.keys(state);
  const rowsAt = (a: NdArray, t: number, n: number) => {
    // step t of a batch-first [B, T, n] array: [B, n]
    const rows = ndarray([B, n]);
    for (let b = 0; b < B; b++) rows.data.set(a.data.subarray((b * T + t - 1) * n, (b * T + t) * n), b * n);
    return rows;
  };
  const xs = [ndarray([0]), ...Array.from({ length: T }, (_, t) => rowsAt(x, t + 1, I))]; // x_t: [B, in]
  const layers: ReturnType<ReferenceLayer>[] = [];
  let inputs = xs;
  for (let l = 0; l < L; l++) {
    // bottom up: layer l reads h^(l−1)_t
    const initial = Object.fromEntries(
      names.map((s) => [s, ndarray([B, H], state[s].data.subarray(l * B * H, (l + 1) * B * H))]),
    );
    const w = {
      wIh: params[`weight_ih_l${l}`],
      wHh: params[`weight_hh_l${l}`],
      bIh: params[`bias_ih_l${l}`],
      bHh: params[`bias_hh_l${l}`],
    };
    layers.push(layer(w, inputs, initial));
    inputs = layers[l].hs;
  }
  const top = inputs,
    wOut = params.linear_weight,
    bOut = params.linear_bias;
  const logits = ndarray([B, T, O]); // z_t = W_out·h_t + b_out
  for (let t = 1; t <= T; t++)
    for (let b = 0; b < B; b++)
      for (let o = 0; o < O; o++) {
        logits.data[(b * T + t - 1) * O + o] = bOut.data[o] + dotRow(wOut, o, top[t], b);
      }
  const { loss, dLogits } = bceWithLogits(logits, y);
  // The read-out backward: ∂W_out = Σ_t dz_tᵀ·h_t, ∂b_out = Σ_t dz_t, ∂L/∂h_t = dz_t·W_out.
  const grads: ParamSet = { linear_weight: ndarray([O, H]), linear_bias: ndarray([O]) };
  let dOut: NdArray[] = [ndarray([0])];
  for (let t = 1; t <= T; t++) {
    const dz = rowsAt(dLogits, t, O); // [B, O]
    for (let b = 0; b < B; b++)
      for (let o = 0; o < O; o++) {
        for (let k = 0; k < H; k++) grads.linear_weight.data[o * H + k] += dz.data[b * O + o] * top[t].data[b * H + k];
        grads.linear_bias.data[o] += dz.data[b * O + o];
      }
    dOut[t] = timesMatrix(dz, wOut);
  }
  const finalState = Object.fromEntries(names.map((s) => [s, ndarray([L, B, H])]));
  const initialStateGrads = Object.fromEntries(names.map((s) => [s, ndarray([L, B, H])]));
  for (let l = L - 1; l >= 0; l--) {
    // top down: a layer's ∂L/∂h_t is complete once the layers above are done
    const r = layers[l].backward(dOut);
    Object.assign(grads, {
      [`weight_ih_l${l}`]: r.dWIh,
      [`weight_hh_l${l}`]: r.dWHh,
      [`bias_ih_l${l}`]: r.dBIh,
      [`bias_hh_l${l}`]: r.dBHh,
    });
    for (const s of names) {
      finalState[s].data.set(layers[l].finalState[s].data, l * B * H);
      initialStateGrads[s].data.set(r.dState[s].data, l * B * H);
    }
    dOut = r.dInputs;
  }
  return { loss, grads, logits, finalState, initialStateGrads };
}
