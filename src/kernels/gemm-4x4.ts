/**
 * The one JavaScript matrix-product kernel of the library:
 *
 *   C[m, n] (+)= Σ_k A(m, k) · B(k, n)      for m < M, n < N, k < K
 *
 * with A and B read through a row and a column stride each (so a transposed operand is the same
 * array read with its strides swapped, no copy) and C row-major. Used by both fast paths' small
 * or fallback products: lab 002's heap kernel `gemmJs` (src/kernels/heap-kernels.ts) and lab 001's
 * `gemm` (src/kernels/gemm.ts). Introduced in lab 001.
 *
 * The summation order, which every kernel of the library keeps (so every path gives the same
 * bits, and choosing one never changes a printed number): each output sums its K products in
 * order of k in one running sum that starts at 0, then is written to C, or added to it, once.
 * The blocking below changes which outputs are computed together, never that order; the
 * WebAssembly kernel (src/kernels/gemm-f64x2.wat) does the same blocks with two lanes per register.
 *
 * Blocking: 4 rows of A × 4 columns of B per block, 16 running sums in registers, k innermost: per
 * k, 8 loads for 16 multiply-adds (a naive triple loop does 2 loads per multiply-add), about three
 * to four times faster here. The columns past the last multiple of 4 are done four rows at a time
 * (four running sums, so the additions overlap), the rows past it one output at a time.
 */

/** One product. Offsets and strides count float64 elements. */
export interface StridedProduct {
  M: number;
  N: number;
  K: number;
  /** A(m, k) is A[a + m·aRowStride + k·aColStride]. */
  A: Float64Array;
  a: number;
  aRowStride: number;
  aColStride: number;
  /** B(k, n) is B[b + k·bRowStride + n·bColStride]. */
  B: Float64Array;
  b: number;
  bRowStride: number;
  bColStride: number;
  /** C[m, n] is C[c + m·cRowStride + n]. */
  C: Float64Array;
  c: number;
  cRowStride: number;
  /** Add to C (true) or overwrite it (false). */
  accumulate: boolean;
}

/**
 * C (+)= A·B with 4×4 register blocks (see the file header); allocates nothing. Not formatted by
 * prettier: the block's 16 sums stay laid out as the 4 × 4 grid they are, one row of C per line.
 */
// prettier-ignore
export function gemm4x4(p: StridedProduct): void {
  const { M, N, K, A, aRowStride: am, aColStride: ak, B, bRowStride: bk, bColStride: bn, C, cRowStride: cm, accumulate } = p;
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let m = 0; m < M4; m += 4) {
    // the block's four rows of A, and of C
    const a0 = p.a + m * am, a1 = a0 + am, a2 = a1 + am, a3 = a2 + am;
    const r0 = p.c + m * cm, r1 = r0 + cm, r2 = r1 + cm, r3 = r2 + cm;
    for (let n = 0; n < N4; n += 4) {
      // the block's four columns of B
      const b0 = p.b + n * bn, b1 = b0 + bn, b2 = b1 + bn, b3 = b2 + bn;
      // s<row><column>: the 16 running sums, each from +0
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      // ka, kb: offsets of column k of A and of row k of B
      for (let k = 0, ka = 0, kb = 0; k < K; k++, ka += ak, kb += bk) {
        const y0 = B[b0 + kb], y1 = B[b1 + kb], y2 = B[b2 + kb], y3 = B[b3 + kb];
        let x = A[a0 + ka];
        s00 += x * y0; s01 += x * y1; s02 += x * y2; s03 += x * y3;
        x = A[a1 + ka];
        s10 += x * y0; s11 += x * y1; s12 += x * y2; s13 += x * y3;
        x = A[a2 + ka];
        s20 += x * y0; s21 += x * y1; s22 += x * y2; s23 += x * y3;
        x = A[a3 + ka];
        s30 += x * y0; s31 += x * y1; s32 += x * y2; s33 += x * y3;
      }
      if (accumulate) {
        C[r0 + n] += s00; C[r0 + n + 1] += s01; C[r0 + n + 2] += s02; C[r0 + n + 3] += s03;
        C[r1 + n] += s10; C[r1 + n + 1] += s11; C[r1 + n + 2] += s12; C[r1 + n + 3] += s13;
        C[r2 + n] += s20; C[r2 + n + 1] += s21; C[r2 + n + 2] += s22; C[r2 + n + 3] += s23;
        C[r3 + n] += s30; C[r3 + n + 1] += s31; C[r3 + n + 2] += s32; C[r3 + n + 3] += s33;
      } else {
        C[r0 + n] = s00; C[r0 + n + 1] = s01; C[r0 + n + 2] = s02; C[r0 + n + 3] = s03;
        C[r1 + n] = s10; C[r1 + n + 1] = s11; C[r1 + n + 2] = s12; C[r1 + n + 3] = s13;
        C[r2 + n] = s20; C[r2 + n + 1] = s21; C[r2 + n + 2] = s22; C[r2 + n + 3] = s23;
        C[r3 + n] = s30; C[r3 + n + 1] = s31; C[r3 + n + 2] = s32; C[r3 + n + 3] = s33;
      }
    }
    // the last N mod 4 columns: four rows at a time, four running sums (lab 001's read-out, N = 1)
    for (let n = N4; n < N; n++) {
      const b0 = p.b + n * bn;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0, ka = 0, kb = 0; k < K; k++, ka += ak, kb += bk) {
        const y = B[b0 + kb];
        s0 += A[a0 + ka] * y; s1 += A[a1 + ka] * y; s2 += A[a2 + ka] * y; s3 += A[a3 + ka] * y;
      }
      if (accumulate) { C[r0 + n] += s0; C[r1 + n] += s1; C[r2 + n] += s2; C[r3 + n] += s3; }
      else { C[r0 + n] = s0; C[r1 + n] = s1; C[r2 + n] = s2; C[r3 + n] = s3; }
    }
  }
  for (let m = M4; m < M; m++) for (let n = 0; n < N; n++) single(p, m, n);
}

/** One output C[m, n] of the product, in the same order as a block's. */
function single(p: StridedProduct, m: number, n: number): void {
  const { K, A, aColStride: ak, B, bRowStride: bk, C } = p;
  const a = p.a + m * p.aRowStride,
    b = p.b + n * p.bColStride,
    c = p.c + m * p.cRowStride + n;
  let s = 0;
  for (let k = 0, ka = 0, kb = 0; k < K; k++, ka += ak, kb += bk) s += A[a + ka] * B[b + kb];
  if (p.accumulate) C[c] += s;
  else C[c] = s;
}
