/**
 * The matrix products of lab 001's recurrent nets (ReLU RNN, LSTM, GRU, src/models/recurrent-stack.ts),
 * forward and backward, over row-major Float64Arrays at given offsets:
 *   gemm        C[m, n] += op(A) · op(B), either operand transposed as stored (BLAS's dgemm, α = β = 1)
 *   gemmNT      C[m, n] += A[m, k] · B[n, k]ᵀ (gemm with B transposed: x·Wᵀ, as PyTorch stores W)
 *   packRight   op(B) packed once, then C += A · op(B) for each of a chunk's T steps
 * Introduced in lab 001; measured in issue 7 (bench/).
 *
 * Two kernels, one summation order: each output sums its k products in order in one running sum,
 * then is added to C once, so every path gives bit for bit the same results (test/gemm.test.ts)
 * and the choice between them never changes a printed number.
 * - gemmWithJs: the JavaScript 4×4 kernel (src/kernels/gemm-4x4.ts) reading the operands as stored;
 *   for the 4-unit nets, where copies would not pay.
 * - gemmWithWasm: the WebAssembly SIMD kernel of lab 002 (src/kernels/gemm-f64x2.wat) on copies of
 *   the operands in its heap, W's columns zero-padded to a multiple of 4. The per-step products are
 *   small (a batch of 5 rows), so the recurrent weight is packed into the heap once per chunk (packRight)
 *   rather than per step, and the products over a whole chunk read A as stored (its strides do
 *   the transpose).
 * Measured (issue 7, one epoch of echo 10, ours / PyTorch): 60 units 0.89 → 0.61 (WebAssembly for
 * the chunk products) → 0.44 (packed recurrence); 6 × 60 units 1.53 → 1.13 → 0.52.
 */
import { gemm4x4 } from "./gemm-4x4";
import { createWasmGemm, type WasmGemm, wasmSimdAvailable } from "./heap-kernels";

/**
 * C[m, n] += op(A) · op(B), BLAS's dgemm with α = β = 1: op(A) is A [m, k], or Aᵀ of A stored
 * [k, m] when transA; op(B) is B [k, n], or Bᵀ of B stored [n, k] when transB. WebAssembly where
 * the product is large enough to repay the copies, else JavaScript: the same bits either way.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
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
  if (wasmPays(m, n, k)) gemmWithWasm(transA, transB, m, n, k, A, aOff, B, bOff, C, cOff);
  else gemmWithJs(transA, transB, m, n, k, A, aOff, B, bOff, C, cOff);
}

/** C[m, n] += A[m, k] · B[n, k]ᵀ: gemm with B transposed. */
export function gemmNT(
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
  gemm(false, true, m, n, k, A, aOff, B, bOff, C, cOff);
}

/** gemm on the JavaScript kernel, whatever the size: the operands read in place through their strides. */
export function gemmWithJs(
  transA: boolean,
  transB: boolean,
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
  gemm4x4({
    M: m,
    N: n,
    K: k,
    A,
    a: aOff,
    aRowStride: transA ? 1 : k,
    aColStride: transA ? m : 1, // A(i, p): A[i, p] or A[p, i]
    B,
    b: bOff,
    bRowStride: transB ? 1 : n,
    bColStride: transB ? k : 1, // B(p, j): B[p, j] or B[j, p]
    C,
    c: cOff,
    cRowStride: n,
    accumulate: true,
  });
}

/** gemm on the WebAssembly kernel, whatever the size (throws where WebAssembly SIMD does not run). */
export function gemmWithWasm(
  transA: boolean,
  transB: boolean,
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
  const M = up4(m),
    N = up4(n);
  const a = 0,
    w = aBlock(m, k),
    c = w + k * N;
  const g = general.get(c + M * N);
  packW(g.heap, w, transB, n, k, B, bOff);
  runOnHeap(g, transA, m, n, k, A, aOff, a, w, c, C, cOff);
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
 * (m = 5 rows: one block of 4 and a last row). Only the latest packed matrix is usable: packing
 * another replaces it (the layers pack their W_hh, run the chunk's steps, and are done before the
 * next layer packs).
 * B must not change while its packing is in use.
 */
export interface PackedRight {
  /** C[m, n] += A[m, k] · op(B), B as packed. */
  multiply(m: number, A: Float64Array, aOff: number, C: Float64Array, cOff: number): void;
}

let packGeneration = 0;

/** Packs op(B) ([k, n]: B [k, n], or Bᵀ of B stored [n, k] when transB) for PackedRight.multiply. */
export function packRight(transB: boolean, n: number, k: number, B: Float64Array, bOff: number): PackedRight {
  if (!(n >= 16 && k >= 16 && useWasm())) {
    // Small: the JavaScript kernel reads B in place, nothing to pack.
    return { multiply: (m, A, aOff, C, cOff) => gemmWithJs(false, transB, m, n, k, A, aOff, B, bOff, C, cOff) };
  }
  const generation = ++packGeneration;
  const N = up4(n),
    w = 0;
  let g = packedArena.get(k * N + aBlock(8, k) + 8 * N);
  packW(g.heap, w, transB, n, k, B, bOff);
  return {
    multiply(m, A, aOff, C, cOff) {
      if (generation !== packGeneration)
        throw new Error("packRight: this matrix was replaced by a newer packRight call; pack it again");
      const a = w + k * N,
        c = a + aBlock(m, k);
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

// ---------------------------------------------------------------------------------------------
// The WebAssembly path: operands copied into a kernel's heap, padded to the multiples of 4 it needs.

const up4 = (x: number) => (x + 3) & ~3;

let wasmOk: boolean | undefined;
function useWasm(): boolean {
  return (wasmOk ??= wasmSimdAvailable());
}

/** Whether a product is large enough to repay the WebAssembly copies (measured on lab 001's shapes). */
const wasmPays = (m: number, n: number, k: number) => m >= 16 && n >= 16 && k >= 16 && useWasm();

/**
 * One WebAssembly kernel instance with its heap, grown on demand. Two of them: `general` for the
 * one-off products (gemm) and `packedArena` for a packed right operand (packRight), so that
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
function packW(
  heap: Float64Array,
  w: number,
  transB: boolean,
  n: number,
  k: number,
  B: Float64Array,
  bOff: number,
): void {
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
 * transpose) and W at heap offset w, and adds each output to C: the order of the JavaScript kernel
 * (each output's k products summed in one running sum, then added to C once). When n is a multiple
 * of 4 (every product of the labs) C is copied into the heap and back and the kernel does the
 * additions; else the kernel writes a padded block and a loop here adds it to C. Issue 14: the
 * element-by-element loop had cost lab 001's 6 × 60 net a tenth of its time.
 */
function runOnHeap(
  g: WasmGemm,
  transA: boolean,
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  a: number,
  w: number,
  c: number,
  C: Float64Array,
  cOff: number,
): void {
  const N = up4(n),
    heap = g.heap;
  heap.set(A.subarray(aOff, aOff + m * k), a);
  // C's rows unpadded (n a multiple of 4, as every product of the labs): C itself goes into the heap
  // and the kernel adds each output's sum to it, the same C + s, rounded once, as the loop below, in
  // two block copies.
  const inPlace = N === n;
  if (inPlace) heap.set(C.subarray(cOff, cOff + m * n), c);
  g.kernel(heap, {
    a,
    aRowStride: transA ? 1 : k,
    aColStride: transA ? m : 1,
    w,
    wRowStride: N,
    c,
    cRowStride: N,
    M: m, // the kernel's last m mod 4 rows run one at a time: no padding rows computed
    N,
    K: k,
    accumulate: inPlace,
  });
  if (inPlace) {
    C.set(heap.subarray(c, c + m * n), cOff);
    return;
  }
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * n,
      si = c + i * N;
    for (let j = 0; j < n; j++) C[ci + j] += heap[si + j];
  }
}

/** Elements A's block takes in a heap: M rows (padding rows read past A, so room for them). */
const aBlock = (m: number, k: number) => up4(m) * k + 4;
