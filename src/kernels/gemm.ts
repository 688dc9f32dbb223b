/**
 * The float64 matrix-product kernel under the hand-written BPTT of lab 002 (src/models/vanilla-rnn.ts):
 *
 *   C[m, n] (+)= Σ_k A(m, k) · W[k, n]      for m < M, n < N, k < K
 *
 * with A read through two strides (so Aᵀ costs nothing: the weight gradient hᵀ·δz is the same
 * kernel with the strides swapped) and W, C row-major. All three live in one Float64Array heap
 * and are addressed by element offsets, so the kernel allocates nothing.
 *
 * Two implementations that compute bit-for-bit the same numbers (same products, same order of
 * additions, no fused multiply-add):
 * - `gemmJs`: plain JavaScript, 4×4 register blocks (16 running sums, 8 loads per 32 flops);
 *   about 3 GFLOP/s on one core here, three to four times a naive triple loop;
 * - `createWasmGemm`: the same blocking in WebAssembly SIMD (f64x2: two doubles per instruction),
 *   about 9 GFLOP/s on one core here. The module is assembled below from its instruction list
 *   (a few hundred bytes), so there is no build step and no binary in the repository.
 *
 * M and N must be multiples of 4 (the model pads its hidden size and its batch chunks).
 * Introduced in lab 002.
 */

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

function checkCall(heap: Float64Array, g: GemmCall): void {
  if (g.M % 4 !== 0 || g.N % 4 !== 0) throw new RangeError(`gemm: M and N must be multiples of 4, got M=${g.M}, N=${g.N}`);
  const lastA = g.a + (g.M - 1) * g.aRowStride + (g.K - 1) * g.aColStride;
  const lastW = g.w + (g.K - 1) * g.wRowStride + g.N - 1;
  const lastC = g.c + (g.M - 1) * g.cRowStride + g.N - 1;
  if (g.M > 0 && g.N > 0 && Math.max(lastA, lastW, lastC) >= heap.length) {
    throw new RangeError(`gemm: operands reach element ${Math.max(lastA, lastW, lastC)}, the heap holds ${heap.length}`);
  }
}

/** The JavaScript kernel: 4 rows of A × 4 columns of W per block, k innermost. */
export const gemmJs: GemmKernel = (heap, g) => {
  checkCall(heap, g);
  const { aRowStride: sm, aColStride: sk, wRowStride: sw, cRowStride: sc, M, N, K, accumulate } = g;
  for (let m = 0; m < M; m += 4) {
    const a0 = g.a + m * sm, a1 = a0 + sm, a2 = a1 + sm, a3 = a2 + sm;
    for (let n = 0; n < N; n += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pw = g.w + n;
      let ka = 0;
      for (let k = 0; k < K; k++, pw += sw, ka += sk) {
        const w0 = heap[pw], w1 = heap[pw + 1], w2 = heap[pw + 2], w3 = heap[pw + 3];
        let x = heap[a0 + ka];
        c00 += x * w0; c01 += x * w1; c02 += x * w2; c03 += x * w3;
        x = heap[a1 + ka];
        c10 += x * w0; c11 += x * w1; c12 += x * w2; c13 += x * w3;
        x = heap[a2 + ka];
        c20 += x * w0; c21 += x * w1; c22 += x * w2; c23 += x * w3;
        x = heap[a3 + ka];
        c30 += x * w0; c31 += x * w1; c32 += x * w2; c33 += x * w3;
      }
      const r0 = g.c + m * sc + n, r1 = r0 + sc, r2 = r1 + sc, r3 = r2 + sc;
      if (accumulate) {
        heap[r0] += c00; heap[r0 + 1] += c01; heap[r0 + 2] += c02; heap[r0 + 3] += c03;
        heap[r1] += c10; heap[r1 + 1] += c11; heap[r1 + 2] += c12; heap[r1 + 3] += c13;
        heap[r2] += c20; heap[r2 + 1] += c21; heap[r2 + 2] += c22; heap[r2 + 3] += c23;
        heap[r3] += c30; heap[r3 + 1] += c31; heap[r3 + 2] += c32; heap[r3 + 3] += c33;
      } else {
        heap[r0] = c00; heap[r0 + 1] = c01; heap[r0 + 2] = c02; heap[r0 + 3] = c03;
        heap[r1] = c10; heap[r1 + 1] = c11; heap[r1 + 2] = c12; heap[r1 + 3] = c13;
        heap[r2] = c20; heap[r2 + 1] = c21; heap[r2 + 2] = c22; heap[r2 + 3] = c23;
        heap[r3] = c30; heap[r3 + 1] = c31; heap[r3 + 2] = c32; heap[r3 + 3] = c33;
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------
// The WebAssembly module, assembled from its instructions. Only the opcodes the kernel uses.

const op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, if: 0x04, else: 0x05, void: 0x40,
  localGet: 0x20, localSet: 0x21,
  i32Const: 0x41, i32Add: 0x6a, i32Mul: 0x6c, i32Shl: 0x74, i32GeU: 0x4f,
  f64Load: 0x2b,
} as const;
// SIMD instructions: prefix 0xfd, then the opcode as unsigned LEB128.
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const v128Load = (offset: number) => [...simd(0x00), 3, ...uleb(offset)]; // align hint 2^3
const v128Store = (offset: number) => [...simd(0x0b), 3, ...uleb(offset)];
const v128Zero = [...simd(0x0c), ...new Array(16).fill(0)];
const f64x2Splat = simd(0x14);
const f64x2Add = simd(0xf0);
const f64x2Mul = simd(0xf2);

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** The kernel's body: the loops of `gemmJs` with two f64x2 lanes per column pair. */
function kernelBody(): number[] {
  // Parameters (i32): byte offsets and element strides, as in GemmCall.
  const A = 0, SM = 1, SK = 2, W = 3, SW = 4, C = 5, SC = 6, M = 7, N = 8, K = 9, ACC = 10;
  // Locals: i32 then v128.
  const m = 11, n = 12, k = 13, pa0 = 14, pa1 = 15, pa2 = 16, pa3 = 17, pw = 18, pc = 19;
  const smB = 20, skB = 21, swB = 22, scB = 23, kEnd = 24;
  const acc = [25, 26, 27, 28, 29, 30, 31, 32]; // rows 0..3 × column pairs (n, n+1), (n+2, n+3)
  const w0 = 33, w1 = 34, x = 35;

  const get = (i: number) => [op.localGet, i];
  const set = (i: number) => [op.localSet, i];
  const i32 = (v: number) => [op.i32Const, ...sleb(v)];
  const addTo = (i: number, byLocal: number) => [...get(i), ...get(byLocal), op.i32Add, ...set(i)];
  const bytes = (local: number) => [...get(local), ...i32(3), op.i32Shl];

  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));

  // Strides in bytes.
  emit(bytes(SM), set(smB), bytes(SK), set(skB), bytes(SW), set(swB), bytes(SC), set(scB));
  emit(get(K), get(skB), [op.i32Mul], set(kEnd)); // k runs over byte offsets 0, skB, … < K·skB
  emit(i32(0), set(m));
  emit([op.block, op.void, op.loop, op.void]); // for m
  emit(get(m), get(M), [op.i32GeU, op.brIf, 1]);
  //   pa0 = A + m·smB; pa1..pa3 the next rows
  emit(get(A), get(m), get(smB), [op.i32Mul, op.i32Add], set(pa0));
  emit(get(pa0), get(smB), [op.i32Add], set(pa1), get(pa1), get(smB), [op.i32Add], set(pa2));
  emit(get(pa2), get(smB), [op.i32Add], set(pa3));
  emit(i32(0), set(n));
  emit([op.block, op.void, op.loop, op.void]); // for n
  emit(get(n), get(N), [op.i32GeU, op.brIf, 1]);
  for (const a of acc) emit(v128Zero, set(a));
  emit(get(W), get(n), i32(3), [op.i32Shl, op.i32Add], set(pw));
  emit(i32(0), set(k));
  emit([op.block, op.void, op.loop, op.void]); // for k
  emit(get(k), get(kEnd), [op.i32GeU, op.brIf, 1]);
  emit(get(pw), v128Load(0), set(w0), get(pw), v128Load(16), set(w1));
  [pa0, pa1, pa2, pa3].forEach((pa, r) => {
    emit(get(pa), get(k), [op.i32Add, op.f64Load, 3, 0], f64x2Splat, set(x));
    emit(get(acc[2 * r]), get(x), get(w0), f64x2Mul, f64x2Add, set(acc[2 * r]));
    emit(get(acc[2 * r + 1]), get(x), get(w1), f64x2Mul, f64x2Add, set(acc[2 * r + 1]));
  });
  emit(addTo(pw, swB), addTo(k, skB));
  emit([op.br, 0, op.end, op.end]); // end for k
  //   pc = C + (m·SC + n)·8; store (or add) the four rows
  emit(get(C), get(m), get(scB), [op.i32Mul, op.i32Add], get(n), i32(3), [op.i32Shl, op.i32Add], set(pc));
  for (let r = 0; r < 4; r++) {
    emit(get(ACC), [op.if, op.void]);
    emit(get(pc), get(pc), v128Load(0), get(acc[2 * r]), f64x2Add, v128Store(0));
    emit(get(pc), get(pc), v128Load(16), get(acc[2 * r + 1]), f64x2Add, v128Store(16));
    emit([op.else]);
    emit(get(pc), get(acc[2 * r]), v128Store(0), get(pc), get(acc[2 * r + 1]), v128Store(16));
    emit([op.end]);
    emit(addTo(pc, scB));
  }
  emit(get(n), i32(4), [op.i32Add], set(n));
  emit([op.br, 0, op.end, op.end]); // end for n
  emit(get(m), i32(4), [op.i32Add], set(m));
  emit([op.br, 0, op.end, op.end]); // end for m
  emit([op.end]);
  const locals = vector([
    [...uleb(14), 0x7f], // 14 × i32 (locals 11..24)
    [...uleb(11), 0x7b], // 11 × v128 (locals 25..35)
  ]);
  return [...locals, ...body];
}

/** The module's bytes: one memory imported as env.memory, one exported function `gemm`. */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const type = [0x60, ...vector(new Array(11).fill([I32])), 0]; // (11 × i32) → ()
  const body = kernelBody();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector([type])),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name("gemm"), 0x00, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

let compiled: WebAssembly.Module | undefined;

/** Whether this runtime runs WebAssembly SIMD (Node ≥ 16 does). */
export function wasmSimdAvailable(): boolean {
  try {
    compiled ??= new WebAssembly.Module(kernelModuleBytes());
    return true;
  } catch {
    return false;
  }
}

export interface WasmGemm {
  /** The heap: a view on the module's memory (float64 elements). */
  heap: Float64Array;
  kernel: GemmKernel;
}

/** A kernel instance with its own memory of `elements` float64 values. */
export function createWasmGemm(elements: number): WasmGemm {
  compiled ??= new WebAssembly.Module(kernelModuleBytes());
  const pages = Math.max(1, Math.ceil((elements * 8) / 65536));
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const gemm = instance.exports.gemm as (...args: number[]) => void;
  const heap = new Float64Array(memory.buffer, 0, elements);
  const kernel: GemmKernel = (h, g) => {
    if (h !== heap) throw new Error("wasm gemm: operands must live in this kernel's own heap");
    checkCall(h, g);
    gemm(g.a * 8, g.aRowStride, g.aColStride, g.w * 8, g.wRowStride, g.c * 8, g.cRowStride, g.M, g.N, g.K, g.accumulate ? 1 : 0);
  };
  return { heap, kernel };
}
