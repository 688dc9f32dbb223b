/**
 * BPTT from scratch, the heart of lab 002: the vanilla tanh RNN's forward pass and its backward
 * pass through time, as plain loops over NdArrays in the order of equations (1)–(10) of
 * src/models/vanilla-rnn.ts. This is the code the notebook shows (lab.showSource) where the
 * original lab wrote its VanillaRNN class. Training runs on the fast path (src/models/vanilla-rnn.ts:
 * chunks, a WebAssembly kernel, two threads); test/vanilla-rnn.test.ts checks that both give the
 * same numbers. Introduced in lab 002.
 *
 * Why the sums are written as they are: each matrix product (z_t's recurrent part, ∂L/∂W_hh's
 * step, δh_{t−1}) is summed on its own over its inner index, then added, as the fast path's matrix
 * kernel does; so on one chunk the two agree to the last bit. tanh is the library's (fdlibm's
 * algorithm, src/kernels/tanh.ts), which the fast path uses too; Math.tanh may differ by an ulp.
 */
import { type NdArray, type ParamSet, ndarray } from "../ndarray";
import { tanhJs as tanh } from "../kernels/tanh";

/** A batch for the reference: every sequence of x [T, N, I], one-hot targets y [N, O]. */
export interface VanillaRnnReferenceBatch {
  x: NdArray;
  y: NdArray;
}

/** Equations (1)–(3): the states h_0 … h_T (each [N, H]) and the outputs y = h_T·W_out + b_out [N, O]. */
export function vanillaRnnReferenceForward(params: ParamSet, x: NdArray): { states: NdArray[]; outputs: NdArray } {
  const { wIn, wHh, wOut, bH, bOut } = params; // [I, H], [H, H], [H, O], [H]?, [O]?
  const [T, N, I] = x.shape; // time-major: x[t − 1] is x_t
  const H = wHh.shape[0]; // hidden units
  const O = wOut.shape[1]; // outputs
  const states = [ndarray([N, H])]; // h_0 = 0
  for (let t = 1; t <= T; t++) {
    const prev = states[t - 1].data; // h_{t−1}: [N, H]
    const h = ndarray([N, H]);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < H; j++) {
        // (1) z_t = x_t·W_in + b_h + h_{t−1}·W_hh
        let input = bH ? bH.data[j] : 0;
        for (let i = 0; i < I; i++) input += x.data[((t - 1) * N + n) * I + i] * wIn.data[i * H + j];
        let recurrent = 0;
        for (let k = 0; k < H; k++) recurrent += prev[n * H + k] * wHh.data[k * H + j];
        h.data[n * H + j] = tanh(input + recurrent); // (2) h_t = tanh(z_t)
      }
    }
    states.push(h);
  }
  const outputs = ndarray([N, O]); // (3) y = h_T·W_out + b_out
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let s = bOut ? bOut.data[o] : 0;
      for (let j = 0; j < H; j++) s += states[T].data[n * H + j] * wOut.data[j * O + o];
      outputs.data[n * O + o] = s;
    }
  }
  return { states, outputs };
}

/** Equations (4)–(10): the loss L and ∂L/∂θ keyed like `params`, by one sweep back through time. */
export function vanillaRnnReferenceBptt(
  params: ParamSet,
  batch: VanillaRnnReferenceBatch,
): { loss: number; grads: ParamSet; outputs: NdArray } {
  const { wHh, wOut } = params;
  const { x, y: target } = batch;
  const [T, N, I] = x.shape;
  const H = wHh.shape[0];
  const O = wOut.shape[1];
  const { states: h, outputs: y } = vanillaRnnReferenceForward(params, x);
  const g = Object.fromEntries(Object.entries(params).map(([name, p]) => [name, ndarray(p.shape)]));
  // (4) L = 1/(2N) Σ_n ‖y_n − t_n‖²   and   (5) δy = (y − t)/N
  let sum = 0;
  const dy = ndarray([N, O]);
  for (let e = 0; e < N * O; e++) {
    sum += 0.5 * (y.data[e] - target.data[e]) ** 2;
    dy.data[e] = (y.data[e] - target.data[e]) / N;
  }
  // (6) ∂L/∂W_out = h_Tᵀ·δy,  ∂L/∂b_out = Σ_n δy_n
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      if (g.bOut) g.bOut.data[o] += dy.data[n * O + o];
      for (let j = 0; j < H; j++) g.wOut.data[j * O + o] += h[T].data[n * H + j] * dy.data[n * O + o];
    }
  }
  let dh = ndarray([N, H]); // (7) δh_T = δy·W_outᵀ
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy.data[n * O + o] * wOut.data[j * O + o];
      dh.data[n * H + j] = s;
    }
  }
  for (let t = T; t >= 1; t--) {
    const dz = ndarray([N, H]); // (8) δz_t = δh_t ⊙ (1 − h_t²)
    for (let e = 0; e < N * H; e++) dz.data[e] = dh.data[e] * (1 - h[t].data[e] * h[t].data[e]);
    // (9) ∂L/∂W_in += x_tᵀ·δz_t,  ∂L/∂b_h += Σ_n δz_t
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < H; j++) if (g.bH) g.bH.data[j] += dz.data[n * H + j];
      for (let i = 0; i < I; i++) {
        for (let j = 0; j < H; j++) g.wIn.data[i * H + j] += x.data[((t - 1) * N + n) * I + i] * dz.data[n * H + j];
      }
    }
    // (9) ∂L/∂W_hh += h_{t−1}ᵀ·δz_t   (h_0 = 0 adds nothing at t = 1)
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += h[t - 1].data[n * H + i] * dz.data[n * H + j];
        g.wHh.data[i * H + j] += s;
      }
    }
    const dhPrev = ndarray([N, H]); // (10) δh_{t−1} = δz_t·W_hhᵀ: the only path back in time
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let k = 0; k < H; k++) s += dz.data[n * H + k] * wHh.data[j * H + k];
        dhPrev.data[n * H + j] = s;
      }
    }
    dh = dhPrev;
  }
  return { loss: sum / N, grads: g, outputs: y };
}
