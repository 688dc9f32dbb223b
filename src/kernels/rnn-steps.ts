/**
 * The element-wise steps of lab 002's vanilla RNN around its matrix products (equations (1), (8)
 * and (9) of src/models/vanilla-rnn.ts), on one Float64Array heap addressed by element offsets:
 *
 *   inputStep      (1)  z_t[b, j] = b_h[j] + Σ_i x_t[b, i]·W_in[i, j]            before z_t += h_{t−1}·W_hh
 *   tanhBackward   (8)  δz_t[e] = δh_t[e]·(1 − h_t[e]²)
 *   inputGrads     (9)  ∂b_h[j] += Σ_b δz_t[b, j],  ∂W_in[i, j] += Σ_b x_t[b, i]·δz_t[b, j]
 *
 * Rows hold Hp values (the padded hidden size, a multiple of 4), x_t is [rows, I]. Two
 * implementations that give the same bits (test/wasm-kernels.test.ts): `rnnStepsJs`, these plain
 * loops, and the WebAssembly SIMD module assembled from rnn-steps-f64x2.wat (heap-kernels.ts's
 * createWasmGemm), two lanes at a time, the same operations in the same order.
 * Used by src/models/vanilla-rnn-chunk.ts. Introduced in issue 14 (moved out of the chunk's loops).
 */

export interface RnnSteps {
  /**
   * (1) For rows b < M of z (at offset z, rows of Hp): z[b, ·] = bH; then for b < rows (the real
   * rows; padded ones keep bH): z[b, ·] += x[b, i]·wIn[i, ·] for i = 0 … I−1 in order.
   */
  inputStep(z: number, bH: number, wIn: number, x: number, M: number, rows: number, I: number, Hp: number): void;
  /** (8) dz[e] = dh[e]·(1 − h[e]²) for e < count (count even). */
  tanhBackward(dz: number, dh: number, h: number, count: number): void;
  /** (9) For b < rows in order: gbH[·] += dz[b, ·], then gWin[i, ·] += x[b, i]·dz[b, ·] for i in order. */
  inputGrads(gbH: number, gWin: number, dz: number, x: number, rows: number, I: number, Hp: number): void;
}

/** The steps as plain loops on `heap`. */
export function rnnStepsJs(heap: Float64Array): RnnSteps {
  return {
    inputStep(z, bH, wIn, x, M, rows, I, Hp) {
      for (let b = 0; b < M; b++) {
        const row = z + b * Hp;
        for (let j = 0; j < Hp; j++) heap[row + j] = heap[bH + j];
        if (b >= rows) continue;
        for (let i = 0; i < I; i++) {
          const xi = heap[x + b * I + i],
            w = wIn + i * Hp;
          for (let j = 0; j < Hp; j++) heap[row + j] += xi * heap[w + j];
        }
      }
    },
    tanhBackward(dz, dh, h, count) {
      for (let e = 0; e < count; e++) {
        const hv = heap[h + e];
        heap[dz + e] = heap[dh + e] * (1 - hv * hv);
      }
    },
    inputGrads(gbH, gWin, dz, x, rows, I, Hp) {
      for (let b = 0; b < rows; b++) {
        const row = dz + b * Hp;
        for (let j = 0; j < Hp; j++) heap[gbH + j] += heap[row + j];
        for (let i = 0; i < I; i++) {
          const xi = heap[x + b * I + i],
            g = gWin + i * Hp;
          for (let j = 0; j < Hp; j++) heap[g + j] += xi * heap[row + j];
        }
      }
    },
  };
}
