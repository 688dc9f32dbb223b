// Lab 001's matrix products (src/kernels/gemm.ts): both paths (the JavaScript 4×4 kernel and the
// WebAssembly SIMD kernel) must give bit for bit the result of the plain definition, on the labs'
// shapes and odd edges, so that which kernel runs never changes a printed number.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gemm, gemmNT, gemmWithJs, gemmWithWasm, packRight, transpose } from "../src/kernels/gemm";
import { gemm4x4 } from "../src/kernels/gemm-4x4";
import { NumpyRandom } from "../src/random";

/** The definition: each output's k products summed in order, then added to C once. */
function reference(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  B: Float64Array,
  bOff: number,
  C: Float64Array,
  cOff: number,
): void {
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
  for (const [m, n, k] of [
    [5, 60, 60],
    [100, 60, 60],
    [60, 60, 100],
    [5, 4, 4],
    [100, 4, 1],
    [7, 9, 13],
    [17, 18, 19],
    [1, 1, 1],
  ]) {
    const A = rng.uniform({ low: -1, high: 1, size: m * k + 3 }).data;
    const B = rng.uniform({ low: -1, high: 1, size: n * k + 5 }).data;
    const C0 = rng.uniform({ low: -1, high: 1, size: m * n + 2 }).data;
    const want = C0.slice();
    reference(m, n, k, A, 3, B, 5, want, 2);
    const paths = [
      ["gemmNT", gemmNT],
      ["gemmWithJs(false, true)", gemmWithJs.bind(null, false, true)],
      ["gemmWithWasm(false, true)", gemmWithWasm.bind(null, false, true)],
    ] as const;
    for (const [name, kernel] of paths) {
      const got = C0.slice();
      kernel(m, n, k, A, 3, B, 5, got, 2);
      assert.deepEqual(got, want, `${name} on ${m}×${n}×${k}`);
    }
  }
});

// The shapes of lab 001's chunks: a step's (5 × 60 × 60) and the gated cells' (5 × 64 × 16),
// (5 × 16 × 64); the products over a chunk (60 × 60 × 100, 100 × 1 × 60); the 4-unit net; odd edges.
const SHAPES = [
  [5, 60, 60],
  [5, 64, 16],
  [5, 16, 64],
  [60, 60, 100],
  [100, 1, 60],
  [100, 60, 60],
  [5, 4, 4],
  [7, 9, 13],
  [17, 18, 19],
  [21, 17, 33],
  [1, 1, 1],
];

test("gemm (op(A)·op(B), both transposes) on either kernel equals the definition on transposed copies to the last bit", () => {
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
        for (const [name, path] of [
          ["gemm", gemm],
          ["gemmWithJs", gemmWithJs],
          ["gemmWithWasm", gemmWithWasm],
        ] as const) {
          const got = C0.slice();
          path(transA, transB, m, n, k, A, 3, B, 5, got, 2);
          assert.deepEqual(got, want, `${name}(transA=${transA}, transB=${transB}) on ${m}×${n}×${k}`);
        }
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
  assert.throws(
    () => first.multiply(5, new Float64Array(300), 0, new Float64Array(300), 0),
    /replaced by a newer packRight call; pack it again/,
  );
});

/** Whether two arrays hold the same float64 bit patterns (so +0 ≠ −0, and NaNs compare by payload). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length),
    y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

test("gemm4x4 on random shapes and strides equals the definition to the bit, overwriting or accumulating", () => {
  const rng = new NumpyRandom(6);
  const int = (low: number, high: number) => Math.floor(rng.uniform({ low, high: high + 1, size: 1 }).data[0]);
  for (let trial = 0; trial < 300; trial++) {
    const M = int(0, 13),
      N = int(0, 13),
      K = int(0, 9);
    // Either operand row-major or transposed as stored, after an offset, with rows padded by a
    // few elements (a stride larger than the row), so every stride is exercised.
    const aT = int(0, 1) === 1,
      bT = int(0, 1) === 1;
    const aLead = (aT ? M : K) + int(0, 2),
      bLead = (bT ? K : N) + int(0, 2),
      cLead = N + int(0, 2);
    const a = int(0, 3),
      b = int(0, 3),
      c = int(0, 3);
    const A = rng.uniform({ low: -1, high: 1, size: a + aLead * (aT ? K : M) + 1 }).data;
    const B = rng.uniform({ low: -1, high: 1, size: b + bLead * (bT ? N : K) + 1 }).data;
    // some exact zeros of either sign, where a sum's sign of zero shows whether it started at +0
    for (const X of [A, B]) for (let i = 0; i < X.length; i += 7) X[i] = i % 2 ? -0 : 0;
    const aRowStride = aT ? 1 : aLead,
      aColStride = aT ? aLead : 1;
    const bRowStride = bT ? 1 : bLead,
      bColStride = bT ? bLead : 1;
    for (const accumulate of [false, true]) {
      const C0 = rng.uniform({ low: -1, high: 1, size: c + cLead * M + 1 }).data;
      const want = C0.slice();
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++)
            s += A[a + m * aRowStride + k * aColStride] * B[b + k * bRowStride + n * bColStride];
          const at = c + m * cLead + n;
          want[at] = accumulate ? want[at] + s : s;
        }
      }
      const got = C0.slice();
      gemm4x4({
        M,
        N,
        K,
        A,
        a,
        aRowStride,
        aColStride,
        B,
        b,
        bRowStride,
        bColStride,
        C: got,
        c,
        cRowStride: cLead,
        accumulate,
      });
      assert.ok(
        sameBits(got, want),
        `gemm4x4 ${M}×${N}×${K}, A${aT ? "ᵀ" : ""} B${bT ? "ᵀ" : ""}, accumulate ${accumulate}`,
      );
    }
  }
});
