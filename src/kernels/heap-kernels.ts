/**
 * Lab 002's kernels on one heap: the float64 matrix product under the hand-written BPTT of the
 * vanilla RNN (src/models/vanilla-rnn.ts), and the tanh of its hidden states,
 *
 *   C[m, n] (+)= Σ_k A(m, k) · W[k, n]      for m < M, n < N, k < K
 *   x ← tanh(x)                             over a run of the heap
 *
 * with A read through two strides (so Aᵀ costs nothing: the weight gradient hᵀ·δz is the same
 * product with the strides swapped) and W, C row-major. All operands live in one Float64Array
 * heap and are addressed by element offsets, so no call allocates. lab 001's products
 * (src/kernels/gemm.ts) run on the same WebAssembly kernel, on copies in a heap of their own.
 *
 * Two implementations that compute bit for bit the same numbers (same products, same order of
 * additions, no fused multiply-add):
 * - `gemmJs`: the JavaScript 4×4 kernel (src/kernels/gemm-4x4.ts), about 3 GFLOP/s on one core here;
 * - `createWasmGemm`: the WebAssembly SIMD modules assembled from src/kernels/gemm-f64x2.wat and
 *   tanh-f64x2.wat (f64x2: two doubles per instruction), 10–12 GFLOP/s on one core here (bench gemm rows).
 *
 * A third, opt-in (issue 14): `createWasmGemm(n, { fused: true })`, the same WebAssembly kernel with
 * each multiply-add fused (relaxed SIMD's f64x2.relaxed_madd: one rounding instead of two where the
 * CPU has FMA), about 1.4 times as fast here; its sums differ from the exact kernels' in the last
 * bits (test/wasm-kernels.test.ts bounds the difference).
 *
 * N must be a multiple of 4 (the models pad their hidden sizes); M may be any size.
 * The same heap also runs the element-wise steps of lab 002's chunks (`steps`, from
 * src/kernels/rnn-steps-f64x2.wat; rnnStepsJs in src/kernels/rnn-steps.ts gives the same bits).
 * Introduced in lab 002.
 */
import * as v8 from "node:v8";
import { gemm4x4 } from "./gemm-4x4";
import { tanhJs } from "./tanh";
import { type RnnSteps, rnnStepsJs } from "./rnn-steps";
import { gemmF64x2FmaWasm, gemmF64x2Wasm, rnnStepsF64x2Wasm, tanhF64x2Wasm } from "./wasm-modules.generated";

/** Arguments of one product. Offsets and strides count float64 elements of the heap. */
export interface GemmCall {
  /** Offset of A(0, 0). */
  a: number;
  /** Stride of A between rows m (A(m, k) is at a + m·aRowStride + k·aColStride). */
  aRowStride: number;
  /** Stride of A between columns k. */
  aColStride: number;
  /** Offset of W[0, 0]; W[k, n] is at w + k·wRowStride + n. */
  w: number;
  wRowStride: number;
  /** Offset of C[0, 0]; C[m, n] is at c + m·cRowStride + n. */
  c: number;
  cRowStride: number;
  M: number;
  N: number;
  K: number;
  /** Add to C (true) or overwrite it (false). */
  accumulate: boolean;
}

export type GemmKernel = (heap: Float64Array, call: GemmCall) => void;

/**
 * Which product kernel a model runs: "wasm" (WebAssembly SIMD) and "js" compute the same numbers
 * to the bit; "wasm-fma" fuses each multiply-add (faster, the last bits differ).
 */
export type ProductKernel = "wasm" | "wasm-fma" | "js";

/** Refuses a call the WebAssembly kernel cannot do (N not a multiple of 4) or that leaves the heap. */
function checkCall(heap: Float64Array, g: GemmCall): void {
  if (g.N % 4 !== 0) throw new RangeError(`gemm: N must be a multiple of 4, got N=${g.N}`);
  const lastA = g.a + (g.M - 1) * g.aRowStride + (g.K - 1) * g.aColStride;
  const lastW = g.w + (g.K - 1) * g.wRowStride + g.N - 1;
  const lastC = g.c + (g.M - 1) * g.cRowStride + g.N - 1;
  if (g.M > 0 && g.N > 0 && Math.max(lastA, lastW, lastC) >= heap.length) {
    throw new RangeError(
      `gemm: operands reach element ${Math.max(lastA, lastW, lastC)}, the heap holds ${heap.length}`,
    );
  }
}

/** The JavaScript kernel on the heap (the same checks as the WebAssembly one, so both refuse alike). */
export const gemmJs: GemmKernel = (heap, g) => {
  checkCall(heap, g);
  gemm4x4({
    M: g.M,
    N: g.N,
    K: g.K,
    A: heap,
    a: g.a,
    aRowStride: g.aRowStride,
    aColStride: g.aColStride,
    B: heap,
    b: g.w,
    bRowStride: g.wRowStride,
    bColStride: 1,
    C: heap,
    c: g.c,
    cRowStride: g.cRowStride,
    accumulate: g.accumulate,
  });
};

// ---------------------------------------------------------------------------------------------
// The WebAssembly modules: compiled once per process, instantiated once per heap.

interface Modules {
  gemm: WebAssembly.Module;
  tanh: WebAssembly.Module;
  steps: WebAssembly.Module;
}
let compiled: Modules | undefined;

function compile(): Modules {
  return (compiled ??= {
    gemm: new WebAssembly.Module(gemmF64x2Wasm),
    tanh: new WebAssembly.Module(tanhF64x2Wasm),
    steps: new WebAssembly.Module(rnnStepsF64x2Wasm),
  });
}

/** Whether this runtime runs WebAssembly SIMD (Node ≥ 16 does): whether the modules compile. */
export function wasmSimdAvailable(): boolean {
  try {
    compile();
    return true;
  } catch {
    return false;
  }
}

let fusedModule: WebAssembly.Module | null | undefined;

/**
 * The fused product kernel, compiled once, or null when this runtime cannot run relaxed SIMD. Node 20's
 * V8 has it behind a flag, which must be set before the module is compiled (it is on by default
 * from Node 21); setting it changes nothing else.
 */
function compileFused(): WebAssembly.Module | null {
  if (fusedModule !== undefined) return fusedModule;
  if (!WebAssembly.validate(gemmF64x2FmaWasm)) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  fusedModule = WebAssembly.validate(gemmF64x2FmaWasm) ? new WebAssembly.Module(gemmF64x2FmaWasm) : null;
  return fusedModule;
}

/** Whether the fused (relaxed SIMD) product kernel runs here. */
export function wasmFmaAvailable(): boolean {
  return wasmSimdAvailable() && compileFused() !== null;
}

export interface WasmGemm {
  /** The heap: a view on the modules' memory (float64 elements). */
  heap: Float64Array;
  kernel: GemmKernel;
  /** heap[offset … offset + count − 1] ← tanh of themselves (tanhJs's values, two lanes at a time). */
  tanh(offset: number, count: number): void;
  /** Lab 002's element-wise steps on this heap (src/kernels/rnn-steps.ts; rnnStepsJs's values, two lanes at a time). */
  steps: RnnSteps;
}

/**
 * A kernel instance with its own memory of `elements` float64 values, shared by its gemm and tanh;
 * `fused`: the product kernel with fused multiply-adds (check wasmFmaAvailable() first).
 */
export function createWasmGemm(elements: number, options: { fused?: boolean } = {}): WasmGemm {
  const modules = compile();
  const gemmModule = options.fused ? compileFused() : modules.gemm;
  if (!gemmModule)
    throw new Error("wasm gemm: this runtime has no relaxed SIMD for the fused kernel; use the exact one");
  // Past the heap, the kernel's scratch area for four packed rows of A (4·K values, see
  // gemm-f64x2.wat). A valid call has K ≤ elements (A lives in the heap); room for K up to 2²⁰ keeps
  // the memory within bounds for any heap, and pages the kernel never touches cost no RAM.
  const packedRoomK = Math.min(elements, 1 << 20);
  const packedAt = Math.ceil(elements / 4) * 4 * 8; // byte offset, 32-byte aligned
  const pages = Math.max(1, Math.ceil((packedAt + packedRoomK * 32) / 65536));
  const memory = new WebAssembly.Memory({ initial: pages });
  const gemm = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports.gemm as (...args: number[]) => void;
  const tanhPairs = new WebAssembly.Instance(modules.tanh, { env: { memory } }).exports.tanh as (
    byteOffset: number,
    pairs: number,
  ) => void;
  const heap = new Float64Array(memory.buffer, 0, elements);
  const steps = wasmRnnSteps(new WebAssembly.Instance(modules.steps, { env: { memory } }).exports, heap);
  const kernel: GemmKernel = (h, g) => {
    if (h !== heap) throw new Error("wasm gemm: operands must live in this kernel's own heap");
    checkCall(h, g);
    // Beyond the packing room (a K above 2²⁰): the JavaScript kernel, the same bits.
    if (g.K > packedRoomK) return gemmJs(h, g);
    // The module takes byte offsets and element strides (gemm-f64x2.wat's parameters).
    gemm(
      g.a * 8,
      g.aRowStride,
      g.aColStride,
      g.w * 8,
      g.wRowStride,
      g.c * 8,
      g.cRowStride,
      g.M,
      g.N,
      g.K,
      g.accumulate ? 1 : 0,
      packedAt,
    );
  };
  const tanh = (offset: number, count: number) => {
    checkSizes("tanh", { count });
    checkInHeap(heap, "tanh", [offset, count]);
    tanhPairs(offset * 8, count >> 1);
    if (count & 1) heap[offset + count - 1] = tanhJs(heap[offset + count - 1]);
  };
  return { heap, kernel, tanh, steps };
}

/**
 * The module's steps behind RnnSteps (element offsets → byte offsets), each call checked to stay in
 * the heap. Hp must be even (the models pad it to a multiple of 4); an odd count for tanhBackward
 * does its last element with rnnStepsJs.
 */
function wasmRnnSteps(exports: WebAssembly.Exports, heap: Float64Array): RnnSteps {
  const f = exports as Record<"inputStep" | "tanhBackward" | "inputGrads", (...args: number[]) => void>;
  const js = rnnStepsJs(heap);
  const evenHp = (what: string, Hp: number) => {
    if (Hp % 2 !== 0) throw new RangeError(`wasm ${what}: Hp must be even, got ${Hp}`);
  };
  return {
    inputStep(z, bH, wIn, x, M, rows, I, Hp) {
      checkSizes("inputStep", { M, rows, I, Hp });
      evenHp("inputStep", Hp);
      checkInHeap(heap, "inputStep", [z, M * Hp], [bH, Hp], [wIn, I * Hp], [x, Math.min(rows, M) * I]);
      f.inputStep(z * 8, bH * 8, wIn * 8, x * 8, M, rows, I, Hp);
    },
    tanhBackward(dz, dh, h, count) {
      checkSizes("tanhBackward", { count });
      checkInHeap(heap, "tanhBackward", [dz, count], [dh, count], [h, count]);
      f.tanhBackward(dz * 8, dh * 8, h * 8, count >> 1);
      if (count & 1) js.tanhBackward(dz + count - 1, dh + count - 1, h + count - 1, 1);
    },
    inputGrads(gbH, gWin, dz, x, rows, I, Hp) {
      checkSizes("inputGrads", { rows, I, Hp });
      evenHp("inputGrads", Hp);
      checkInHeap(heap, "inputGrads", [gbH, Hp], [gWin, I * Hp], [dz, rows * Hp], [x, rows * I]);
      f.inputGrads(gbH * 8, gWin * 8, dz * 8, x * 8, rows, I, Hp);
    },
  };
}

/**
 * Refuses sizes that are not whole numbers ≥ 0: the modules compare sizes as unsigned, so a
 * negative one would run past the heap.
 */
function checkSizes(what: string, sizes: Record<string, number>): void {
  for (const [name, v] of Object.entries(sizes))
    if (!(Number.isInteger(v) && v >= 0))
      throw new RangeError(`wasm ${what}: ${name} must be a whole number ≥ 0, got ${v}`);
}

/** Refuses an operand [at, at + n) that leaves the heap (an empty one is never refused). */
function checkInHeap(heap: Float64Array, what: string, ...ranges: [at: number, n: number][]): void {
  for (const [at, n] of ranges)
    if (n > 0 && !(at >= 0 && at + n <= heap.length))
      throw new RangeError(`wasm ${what}: elements ${at} … ${at + n - 1} are outside the heap of ${heap.length}`);
}
