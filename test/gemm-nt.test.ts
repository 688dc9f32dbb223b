// The recurrent models' matrix product: both kernels (JavaScript 4×4 blocks and WebAssembly SIMD)
// must give bit-for-bit the result of the plain definition, on the labs' shapes and odd edges,
// so that which kernel runs never changes a printed number.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gemmNT, gemmNTJs, gemmNTWasm } from "../src/kernels/gemm-nt";
import { NumpyRandom } from "../src/random";

/** The definition: each output's k products summed in order, then added to C once. */
function reference(m: number, n: number, k: number, A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[aOff + i * k + p] * B[bOff + j * k + p];
      C[cOff + i * n + j] += s;
    }
  }
}

test("gemmNT kernels equal the definition to the last bit", () => {
  const rng = new NumpyRandom(3);
  // (5, 60, 60): a 60-unit layer's step; (100, 60, 60), (60, 60, 100): products over a chunk;
  // (5, 4, 4), (100, 4, 1): the 4-unit net; the rest exercise edges of the 4×4 blocks and padding.
  for (const [m, n, k] of [[5, 60, 60], [100, 60, 60], [60, 60, 100], [5, 4, 4], [100, 4, 1], [7, 9, 13], [17, 18, 19], [1, 1, 1]]) {
    const A = rng.uniform({ low: -1, high: 1, size: m * k + 3 }).data;
    const B = rng.uniform({ low: -1, high: 1, size: n * k + 5 }).data;
    const C0 = rng.uniform({ low: -1, high: 1, size: m * n + 2 }).data;
    const want = C0.slice();
    reference(m, n, k, A, 3, B, 5, want, 2);
    for (const [name, kernel] of [["gemmNT", gemmNT], ["gemmNTJs", gemmNTJs], ["gemmNTWasm", gemmNTWasm]] as const) {
      const got = C0.slice();
      kernel(m, n, k, A, 3, B, 5, got, 2);
      assert.deepEqual(got, want, `${name} on ${m}×${n}×${k}`);
    }
  }
});
