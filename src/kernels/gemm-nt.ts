/**
 * The matrix products of lab 001's recurrent nets (ReLU RNN, LSTM, GRU, src/models/recurrent-stack.ts),
 * forward and backward, over row-major Float64Arrays at given offsets:
 *   gemmNT      C[m, n] += A[m, k] · B[n, k]ᵀ
 *   gemm        C[m, n] += op(A) · op(B), either operand transposed as stored (BLAS's dgemm, α = β = 1)
 *   packRight   op(B) packed once, then C += A · op(B) for each of a chunk's T steps
 * Introduced in lab 001; measured in issue 7 (bench/).
 *
 * Two kernels, one summation order: each output sums its k products in order in one accumulator
 * and is added to C once, so every path gives bit-for-bit the same results (test/gemm-nt.test.ts)
 * and the choice between them never changes a printed number.
 * - gemmNTJs: 4×4 register blocks in JavaScript (each loaded value used four times); for the
 *   4-unit nets, where copies would not pay.
 * - the WebAssembly SIMD kernel of lab 002 (src/kernels/gemm.ts) on copies of the operands in its
 *   heap, zero-padded to multiples of 4. The per-step products are small (a batch of 5 rows), so
 *   the recurrent weight is packed into the heap once per chunk (packRight) rather than per step,
 *   and the products over a whole chunk read their operands as stored (no transposes).
 * Measured (issue 7, one epoch of echo 10, ours / PyTorch): 60 units 0.89 → 0.61 (WebAssembly for
 * the chunk products) → 0.44 (packed recurrence); 6 × 60 units 1.53 → 1.13 → 0.52.
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

const up4 = (x: number) => (x + 3) & ~3;

/**
 * One WebAssembly kernel instance with its heap, grown on demand. Two of them: `general` for the
 * one-off products (gemm, gemmNTWasm) and `packed` for a packed right operand (packRight), so that
 * one-off products between a packed matrix's steps do not overwrite it.
 */
class WasmArena {
  private gemm: WasmGemm | undefined;
  private capacity = 0;
  /** The kernel and a heap of at least `need` elements (contents kept only while it does not grow). */
  get(need: number): WasmGemm {
    if (!this.gemm || need > this.capacity) {
      this.capacity = Math.max(need, 2 * this.capacity, 1 << 16);
      this.gemm = createWasmGemm(this.capacity);
    }
    return this.gemm;
  }
}
const general = new WasmArena();
const packedArena = new WasmArena();

/**
 * Copies B into the kernel's right-operand layout W = [k, N] (row-major, N = n rounded up to 4,
 * padding columns zero): B itself when it is [k, n] (transB false), Bᵀ when it is [n, k].
 */
function packW(heap: Float64Array, w: number, transB: boolean, n: number, k: number, B: Float64Array, bOff: number): void {
  const N = up4(n);
  if (!transB && N === n) {
    heap.set(B.subarray(bOff, bOff + k * n), w);
    return;
  }
  for (let p = 0; p < k; p++) {
    const row = w + p * N;
    if (transB) for (let j = 0; j < n; j++) heap[row + j] = B[bOff + j * k + p];
    else heap.set(B.subarray(bOff + p * n, bOff + (p + 1) * n), row);
    for (let j = n; j < N; j++) heap[row + j] = 0;
  }
}

/**
 * Runs the kernel on A (copied as stored, [m, k] or [k, m] when transA: its strides do the
 * transpose) and W at heap offset w, into a scratch block, then adds each output to C: the order
 * of gemmNT (each output's k products summed in one accumulator, then added to C once).
 * Rows m … M−1 of the scratch read whatever follows A in the heap; they are never copied out.
 */
function runOnHeap(
  g: WasmGemm, transA: boolean, m: number, n: number, k: number, A: Float64Array, aOff: number,
  a: number, w: number, c: number, C: Float64Array, cOff: number,
): void {
  const M = up4(m), N = up4(n), heap = g.heap;
  heap.set(A.subarray(aOff, aOff + m * k), a);
  g.kernel(heap, {
    a, aRowStride: transA ? 1 : k, aColStride: transA ? m : 1, w, wRowStride: N,
    c, cRowStride: N, M, N, K: k, accumulate: false,
  });
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n, si = c + i * N;
    for (let j = 0; j < n; j++) C[ci + j] += heap[si + j];
  }
}

/** Elements A's block takes in a heap: M rows (padding rows read past A, so room for them). */
const aBlock = (m: number, k: number) => up4(m) * k + 4;

/** C[m, n] += A[m, k] · B[n, k]ᵀ (row-major, from the given offsets), on the WebAssembly SIMD kernel. */
export function gemmNTWasm(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  gemmWasm(false, true, m, n, k, A, aOff, B, bOff, C, cOff);
}

function gemmWasm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  const M = up4(m), N = up4(n);
  const a = 0, w = aBlock(m, k), c = w + k * N;
  const g = general.get(c + M * N);
  packW(g.heap, w, transB, n, k, B, bOff);
  runOnHeap(g, transA, m, n, k, A, aOff, a, w, c, C, cOff);
}

/** Whether a product is large enough to repay the WebAssembly copies (measured on lab 001's shapes). */
const wasmPays = (m: number, n: number, k: number) => m >= 16 && n >= 16 && k >= 16 && useWasm();

/** C[m, n] += A[m, k] · B[n, k]ᵀ: gemm with B transposed, WebAssembly where it repays the copies. */
export function gemmNT(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  gemm(false, true, m, n, k, A, aOff, B, bOff, C, cOff);
}

/**
 * C[m, n] += op(A) · op(B), BLAS's dgemm with α = β = 1: op(A) is A [m, k], or Aᵀ of A stored
 * [k, m] when transA; op(B) is B [k, n], or Bᵀ of B stored [n, k] when transB. Same sums, to the
 * bit, as gemmNT on explicitly transposed copies; on the WebAssembly path no transpose is made
 * (the weight gradients gᵀ·h over a chunk and the input gradients g·W read their operands as stored).
 */
export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  if (wasmPays(m, n, k)) {
    gemmWasm(transA, transB, m, n, k, A, aOff, B, bOff, C, cOff);
    return;
  }
  const a = transA ? transpose(A, aOff, k, m) : A;
  const b = transB ? B : transpose(B, bOff, k, n);
  gemmNTJs(m, n, k, a, transA ? 0 : aOff, b, transB ? bOff : 0, C, cOff);
}

/** [rows, cols] from `off` → a new [cols, rows]. */
export function transpose(src: Float64Array, off: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = off + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[s + c];
  }
  return out;
}

/**
 * A right operand packed once for many products with it: the recurrence multiplies one weight
 * matrix by a small [batch, features] block at every step of a chunk, and packing it once (rather
 * than at each of the T steps) is what makes the WebAssembly kernel pay on those small blocks
 * (m = 5 rows, padded to 8). Only the latest packed matrix is usable: packing another replaces it
 * (the layers pack their W_hh, run the chunk's steps, and are done before the next layer packs).
 */
export interface PackedRight {
  /** C[m, n] += A[m, k] · op(B), B as packed. */
  multiply(m: number, A: Float64Array, aOff: number, C: Float64Array, cOff: number): void;
}

let packGeneration = 0;

/** Packs op(B) ([k, n]: B [k, n], or Bᵀ of B stored [n, k] when transB) for PackedRight.multiply. */
export function packRight(transB: boolean, n: number, k: number, B: Float64Array, bOff: number): PackedRight {
  if (!(n >= 16 && k >= 16 && useWasm())) {
    // Small: the JavaScript kernel on an [n, k] copy (B itself when it is already [n, k]).
    const bt = transB ? B.subarray(bOff, bOff + n * k) : transpose(B, bOff, k, n);
    return { multiply: (m, A, aOff, C, cOff) => gemmNTJs(m, n, k, A, aOff, bt, 0, C, cOff) };
  }
  const generation = ++packGeneration;
  const N = up4(n), w = 0;
  let g = packedArena.get(k * N + aBlock(8, k) + 8 * N);
  packW(g.heap, w, transB, n, k, B, bOff);
  return {
    multiply(m, A, aOff, C, cOff) {
      if (generation !== packGeneration) throw new Error("packRight: this matrix was replaced by a newer packRight call; pack it again");
      const a = w + k * N, c = a + aBlock(m, k);
      const fits = packedArena.get(c + up4(m) * N);
      if (fits !== g) {
        // The heap grew (a taller A than before): pack again into the new one (B is unchanged by contract).
        g = fits;
        packW(g.heap, w, transB, n, k, B, bOff);
      }
      runOnHeap(g, false, m, n, k, A, aOff, a, w, c, C, cOff);
    },
  };
}

let wasmOk: boolean | undefined;
function useWasm(): boolean {
  return (wasmOk ??= wasmSimdAvailable());
}
