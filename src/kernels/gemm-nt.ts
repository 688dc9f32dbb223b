/**
 * C[m, n] += A[m, k] · B[n, k]ᵀ over row-major Float64Arrays at given offsets: the matrix product
 * every step of lab 001's recurrent nets (ReLU RNN, LSTM, GRU, src/models/recurrent-stack.ts) runs,
 * forward and backward. Introduced in lab 001; measured in issue 7 (bench/).
 *
 * Two kernels, one summation order: each output sums its k products in order in one accumulator
 * and is added to C once, so both give bit-for-bit the same results (test/gemm-nt.test.ts) and the
 * choice between them never changes a printed number.
 * - gemmNTJs: 4×4 register blocks in JavaScript (each loaded value used four times); best for the
 *   per-step recurrence (batch 5 rows) and the 4-unit nets, where copies would not pay.
 * - gemmNTWasm: lab 002's WebAssembly SIMD kernel (src/kernels/gemm.ts) on copies of the operands,
 *   zero-padded to multiples of 4; pays off on the products over a whole chunk (T·B = 100 rows).
 * Measured (issue 7): echo 10 with 60 units 0.89 → 0.61 × PyTorch's time, 6 × 60 units 1.53 → 1.13.
 */
import { createWasmGemm, type WasmGemm, wasmSimdAvailable } from "./gemm";

/** C[m, n] += A[m, k] · B[n, k]ᵀ with 4×4 register blocks; each output summed in order in one accumulator. */
export function gemmNTJs(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = B[b0 + p], y1 = B[b1 + p], y2 = B[b2 + p], y3 = B[b3 + p];
        let x = A[a0 + p];
        s00 += x * y0; s01 += x * y1; s02 += x * y2; s03 += x * y3;
        x = A[a1 + p];
        s10 += x * y0; s11 += x * y1; s12 += x * y2; s13 += x * y3;
        x = A[a2 + p];
        s20 += x * y0; s21 += x * y1; s22 += x * y2; s23 += x * y3;
        x = A[a3 + p];
        s30 += x * y0; s31 += x * y1; s32 += x * y2; s33 += x * y3;
      }
      C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
      C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
      C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[b0 + p];
        s0 += A[a0 + p] * y; s1 += A[a1 + p] * y; s2 += A[a2 + p] * y; s3 += A[a3 + p] * y;
      }
      C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3;
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * k, c0 = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = A[a0 + p];
        s0 += x * B[b0 + p]; s1 += x * B[b1 + p]; s2 += x * B[b2 + p]; s3 += x * B[b3 + p];
      }
      C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a0 + p] * B[b0 + p];
      C[c0 + j] += s;
    }
  }
}

let wasm: WasmGemm | undefined;
let capacity = 0;

const up4 = (x: number) => (x + 3) & ~3;

/** C[m, n] += A[m, k] · B[n, k]ᵀ (row-major, from the given offsets), on the WebAssembly SIMD kernel. */
export function gemmNTWasm(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  const M = up4(m), N = up4(n);
  const need = M * k + k * N + M * N;
  if (!wasm || need > capacity) {
    capacity = Math.max(need, 2 * capacity, 1 << 16);
    wasm = createWasmGemm(capacity);
  }
  const heap = wasm.heap;
  const a = 0, w = M * k, c = w + k * N;
  // A, rows m … M−1 zero (their outputs are discarded).
  heap.set(A.subarray(aOff, aOff + m * k), a);
  heap.fill(0, a + m * k, a + M * k);
  // W = Bᵀ, [k, N], columns n … N−1 zero.
  for (let p = 0; p < k; p++) {
    const row = w + p * N;
    for (let j = 0; j < n; j++) heap[row + j] = B[bOff + j * k + p];
    for (let j = n; j < N; j++) heap[row + j] = 0;
  }
  // C's current values, so that the kernel's "C += Σ" is gemmNT's.
  for (let i = 0; i < m; i++) {
    heap.set(C.subarray(cOff + i * n, cOff + (i + 1) * n), c + i * N);
    heap.fill(0, c + i * N + n, c + (i + 1) * N);
  }
  heap.fill(0, c + m * N, c + M * N);
  wasm.kernel(heap, { a, aRowStride: k, aColStride: 1, w, wRowStride: N, c, cRowStride: N, M, N, K: k, accumulate: true });
  for (let i = 0; i < m; i++) C.set(heap.subarray(c + i * N, c + i * N + n), cOff + i * n);
}

/** The product the recurrent models call: WebAssembly where it is large enough to repay the copies. */
export function gemmNT(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  if (m >= 16 && n >= 16 && k >= 16 && useWasm()) gemmNTWasm(m, n, k, A, aOff, B, bOff, C, cOff);
  else gemmNTJs(m, n, k, A, aOff, B, bOff, C, cOff);
}

let wasmOk: boolean | undefined;
function useWasm(): boolean {
  return (wasmOk ??= wasmSimdAvailable());
}
