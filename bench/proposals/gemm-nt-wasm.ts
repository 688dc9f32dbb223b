// A proposal for src/models/recurrent-stack.ts (lab 001's file, not bench's): gemmNT, with the same
// signature and bit-for-bit the same results, computed by lab 002's WebAssembly SIMD kernel
// (src/kernels/gemm.ts, createWasmGemm) instead of a JavaScript loop. Each call copies A, Bᵀ and C
// into the kernel's heap (zero-padded to multiples of 4), runs C += A·W with W = Bᵀ, and copies C
// back. The copies are O(m·k + n·k + m·n) against the product's O(m·n·k), and the kernel adds each
// output's k products in order in one accumulator before adding it to C, exactly as gemmNT does.
// gemmNTHybrid below is the one to adopt (replace gemmNT's body in recurrent-stack.ts with it).
// Measured in issue 7 with `npm run bench -- --lib <patched copy of src/> --only "001/echo10-(60|6x60)"`:
// echo 10, 60 units: 0.61 × PyTorch's time (the current kernel: 0.89–1.49); 6 × 60 units: 1.13 ×
// (current: 1.11–1.53), same losses to the last bit. What remains in the 6 × 60 net is the per-step
// recurrence (5 rows × 60 × 60, 40 % of the time), too small to repay a copy of W_hh per call: the
// layer should keep W_hhᵀ and its states in a WebAssembly heap for the whole chunk, as lab 002's
// ChunkWorkspace does. Run `npx tsx bench/proposals/gemm-nt-wasm.ts` to check bit-identity and
// speed on the lab's shapes against the current kernel and the 4×4 proposal.
import { createWasmGemm, type WasmGemm } from "../../src/kernels/gemm";
import { gemmNT as gemmNT2 } from "../../src/models/recurrent-stack";
import { gemmNT4 } from "./gemm-nt-4x4";

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

/**
 * The drop-in to adopt: the WebAssembly kernel where the product is large enough to repay the copies
 * (the input projections and weight gradients over a chunk, T·B = 100 rows), the 4×4 JavaScript
 * kernel for the per-step recurrence (batch 5 rows) and the 4-unit nets. Bit-identical to both.
 */
export function gemmNTHybrid(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  if (m >= 16 && n >= 16 && k >= 16) gemmNTWasm(m, n, k, A, aOff, B, bOff, C, cOff);
  else gemmNT4(m, n, k, A, aOff, B, bOff, C, cOff);
}

if (require.main === module) {
  const rnd = (len: number) => Float64Array.from({ length: len }, () => Math.random() - 0.5);
  console.log("C += A·Bᵀ on the lab's shapes, GFLOP per CPU-second (bit-identical results checked)");
  for (const [m, n, k] of [[5, 60, 60], [100, 60, 60], [60, 60, 100], [5, 4, 4], [100, 4, 1], [7, 9, 13]]) {
    const A = rnd(m * k + 3), B = rnd(n * k + 5);
    const C0 = rnd(m * n + 2);
    const results = [gemmNT2, gemmNT4, gemmNTWasm].map((f) => {
      const C = C0.slice();
      f(m, n, k, A, 3, B, 5, C, 2);
      return C;
    });
    for (const r of results.slice(1)) for (let i = 0; i < r.length; i++) if (r[i] !== results[0][i]) throw new Error(`differs at ${i} for ${m}×${n}×${k}`);
    const reps = Math.max(1, Math.round(1e8 / (m * n * k)));
    const line: string[] = [];
    for (const [name, f] of [["2×2 JS (current)", gemmNT2], ["4×4 JS", gemmNT4], ["WASM SIMD", gemmNTWasm]] as const) {
      const C = new Float64Array(m * n);
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) f(m, n, k, A, 0, B, 0, C, 0);
      const c = process.cpuUsage(c0);
      line.push(`${name} ${((2 * m * n * k * reps) / ((c.user + c.system) / 1e6) / 1e9).toFixed(2)}`);
    }
    console.log(`${m}×${n}×${k}: ${line.join(", ")}`);
  }
}
