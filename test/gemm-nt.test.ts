// The recurrent models' matrix product: both kernels (JavaScript 4×4 blocks and WebAssembly SIMD)
// must give bit-for-bit the result of the plain definition, on the labs' shapes and odd edges,
// so that which kernel runs never changes a printed number.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gemm, gemmNT, gemmNTJs, gemmNTWasm, packRight, transpose } from "../src/kernels/gemm-nt";
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

// The shapes of lab 001's chunks: a step's (5 × 60 × 60) and the gated cells' (5 × 64 × 16),
// (5 × 16 × 64); the products over a chunk (60 × 60 × 100, 100 × 1 × 60); the 4-unit net; odd edges.
const SHAPES = [[5, 60, 60], [5, 64, 16], [5, 16, 64], [60, 60, 100], [100, 1, 60], [100, 60, 60], [5, 4, 4], [7, 9, 13], [17, 18, 19], [21, 17, 33], [1, 1, 1]];

test("gemm (op(A)·op(B), both transposes) equals gemmNT on transposed copies to the last bit", () => {
  const rng = new NumpyRandom(4);
  for (const [m, n, k] of SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        // Stored as the flags say, after an offset: A [m, k] or [k, m]; B [k, n] or [n, k].
        const A = rng.uniform({ low: -1, high: 1, size: m * k + 3 }).data;
        const B = rng.uniform({ low: -1, high: 1, size: n * k + 5 }).data;
        const C0 = rng.uniform({ low: -1, high: 1, size: m * n + 2 }).data;
        const aNT = transA ? transpose(A, 3, k, m) : A.slice(3);
        const bNT = transB ? B.slice(5) : transpose(B, 5, k, n);
        const want = C0.slice();
        reference(m, n, k, aNT, 0, bNT, 0, want, 2);
        const got = C0.slice();
        gemm(transA, transB, m, n, k, A, 3, B, 5, got, 2);
        assert.deepEqual(got, want, `gemm(transA=${transA}, transB=${transB}) on ${m}×${n}×${k}`);
      }
    }
  }
});

test("packRight: a packed operand multiplies step after step like gemmNT, and a stale one refuses", () => {
  const rng = new NumpyRandom(5);
  for (const [m, n, k] of SHAPES) {
    for (const transB of [false, true]) {
      const B = rng.uniform({ low: -1, high: 1, size: n * k + 1 }).data;
      const bNT = transB ? B.slice(1) : transpose(B, 1, k, n);
      const packed = packRight(transB, n, k, B, 1);
      // Several steps in a row (as a chunk's recurrence runs), one taller than the packing assumed.
      for (const rows of [m, m, 3 * m + 1]) {
        const A = rng.uniform({ low: -1, high: 1, size: rows * k + 2 }).data;
        const C0 = rng.uniform({ low: -1, high: 1, size: rows * n }).data;
        const want = C0.slice();
        reference(rows, n, k, A, 2, bNT, 0, want, 0);
        const got = C0.slice();
        packed.multiply(rows, A, 2, got, 0);
        assert.deepEqual(got, want, `packRight(transB=${transB}) on ${rows}×${n}×${k}`);
      }
    }
  }
  const first = packRight(true, 60, 60, new Float64Array(3600), 0);
  packRight(true, 60, 60, new Float64Array(3600), 0);
  assert.throws(() => first.multiply(5, new Float64Array(300), 0, new Float64Array(300), 0), /replaced by a newer packRight call; pack it again/);
});
