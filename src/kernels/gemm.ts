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
const v128Load64Splat = [...simd(0x0a), 3, 0]; // v128.load64_splat, align 2^3, offset 0
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
    emit(get(pa), get(k), [op.i32Add], v128Load64Splat, set(x)); // A(m, k) in both lanes
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

/** The module's bytes: one memory imported as env.memory, two exported functions `gemm` and `tanh`. */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const gemmType = [0x60, ...vector(new Array(11).fill([I32])), 0]; // (11 × i32) → ()
  const tanhType = [0x60, ...vector([[I32], [I32]]), 0]; // (byte offset, pairs) → ()
  const gemm = kernelBody();
  const tanh = tanhBody();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector([gemmType, tanhType])),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vector([[0], [1]])),
    ...section(7, vector([[...name("gemm"), 0x00, 0], [...name("tanh"), 0x00, 1]])),
    ...section(10, vector([[...uleb(gemm.length), ...gemm], [...uleb(tanh.length), ...tanh]])),
  ]);
}

// ---------------------------------------------------------------------------------------------
// tanh over an array, two lanes at a time. Why: lab 002 takes 63 million tanh per full-batch
// epoch, and Math.tanh is a call from JIT-compiled code into V8's C++ (~30–40 ns each here, more
// than NumPy's np.tanh at ~20 ns); this loop does them in ~3 ns each, with no branch per element.
//
//   a = min(|x|, 22)                  (tanh(22) rounds to 1; also maps ±∞ to 22, and NaN stays NaN)
//   u = −2a = k·ln2 + r,  |r| ≤ ln2/2   (k by rounding to nearest even, r in two parts r + c)
//   eʳ − 1 by fdlibm's expm1 rational approximation (its Q1…Q5, and its correction for c)
//   E = expm1(u) = 2ᵏ·(eʳ − 1) + (2ᵏ − 1),   w = E / (E + 2) = −tanh(a),   tanh(x) = copysign(|w|, x)
//
// Within 3 ulp of Math.tanh (≤ 1 ulp for 93 % of arguments; test/tanh.test.ts), and tanhJs below
// computes the very same operations in the same order, so the JavaScript and WebAssembly kernels
// stay bit-identical.

const LN2_HI = 6.93147180369123816490e-01; // ln 2, high part: k·LN2_HI is exact for |k| < 2²⁰
const LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const INV_LN2 = 1.44269504088896338700e+00;
// fdlibm expm1's Q1 … Q5 (its rational approximation's coefficients)
const Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03, Q3 = -7.93650757867487942473e-05;
const Q4 = 4.00821782732936239552e-06, Q5 = -2.01099218183624371326e-07;
/** 1.5·2⁵²: v + ROUND − ROUND rounds v to the nearest integer (ties to even) for |v| < 2⁵¹. */
const ROUND = 6755399441055744;
const POW2 = Float64Array.from({ length: 65 }, (_, i) => 2 ** (i - 64)); // 2^k at POW2[k + 64], k = −64 … 0

/** tanh(x) by the algorithm above: bit-for-bit the WebAssembly `tanh` export's result. */
export function tanhJs(x: number): number {
  const a = Math.min(x < 0 ? -x : x, 22);
  if (a !== a) return x; // NaN
  const u = -2 * a;
  const k = (u * INV_LN2 + ROUND) - ROUND;
  const hi = u - k * LN2_HI, lo = k * LN2_LO;
  const r = hi - lo, c = (hi - r) - lo;
  const hfx = 0.5 * r, hxs = r * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - r * t));
  e = (r * (e - c) - c) - hxs;
  const s = POW2[k + 64];
  const E = s * (r - e) + (s - 1);
  const w = E / (E + 2);
  const aw = Math.abs(w); // +0 for either zero, as the loop's bit operations give
  return x < 0 || Object.is(x, -0) ? -aw : aw;
}

/** Body of `tanh(offset, pairs)`: x ← tanh(x) in place for 2·pairs doubles from byte `offset`. */
function tanhBody(): number[] {
  const P = 0, PAIRS = 1; // params (i32)
  const END = 2; // i32 local
  const X = 3, A = 4, U = 5, T = 6, K = 7, HI = 8, LO = 9, R = 10, C = 11, HFX = 12, HXS = 13, R1 = 14, TT = 15, E = 16, S = 17, W = 18; // v128
  const get = (i: number) => [op.localGet, i];
  const set = (i: number, expr: number[]) => [...expr, op.localSet, i];
  // Constants live in locals set once before the loop (a v128.const inside it costs a load per use).
  const constants: number[][] = [];
  const constant = (bytes: Uint8Array) => {
    const local = W + 1 + constants.length;
    constants.push(set(local, [...simd(0x0c), ...bytes])); // v128.const
    return get(local);
  };
  const f64x2 = (v: number) => constant(new Uint8Array(new Float64Array([v, v]).buffer));
  const i64x2 = (v: bigint) => constant(new Uint8Array(new BigInt64Array([v, v]).buffer));
  const bin = (code: number) => (x: number[], y: number[]) => [...x, ...y, ...simd(code)];
  const add = bin(0xf0), sub = bin(0xf1), mul = bin(0xf2), div = bin(0xf3), min = bin(0xf4);
  const and = bin(0x4e), or = bin(0x50), iadd = bin(0xce), isub = bin(0xd1);
  const abs = (x: number[]) => [...x, ...simd(0xec)];
  const roundBits = new BigInt64Array(new Float64Array([ROUND]).buffer)[0];
  const loop: number[] = [
    ...get(P), ...get(END), op.i32GeU, op.brIf, 1,
    ...set(X, [...get(P), ...v128Load(0)]),
    ...set(A, min(abs(get(X)), f64x2(22))),
    ...set(U, mul(f64x2(-2), get(A))),
    ...set(T, add(mul(get(U), f64x2(INV_LN2)), f64x2(ROUND))), // ROUND + k: k in the low bits
    ...set(K, sub(get(T), f64x2(ROUND))),
    ...set(HI, sub(get(U), mul(get(K), f64x2(LN2_HI)))),
    ...set(LO, mul(get(K), f64x2(LN2_LO))),
    ...set(R, sub(get(HI), get(LO))),
    ...set(C, sub(sub(get(HI), get(R)), get(LO))),
    ...set(HFX, mul(f64x2(0.5), get(R))),
    ...set(HXS, mul(get(R), get(HFX))),
    ...set(R1, add(f64x2(1), mul(get(HXS), add(f64x2(Q1), mul(get(HXS), add(f64x2(Q2), mul(get(HXS), add(f64x2(Q3), mul(get(HXS), add(f64x2(Q4), mul(get(HXS), f64x2(Q5)))))))))))),
    ...set(TT, sub(f64x2(3), mul(get(R1), get(HFX)))),
    ...set(E, mul(get(HXS), div(sub(get(R1), get(TT)), sub(f64x2(6), mul(get(R), get(TT)))))),
    ...set(E, sub(sub(mul(get(R), sub(get(E), get(C))), get(C)), get(HXS))),
    // 2^k: the bits of ROUND + k minus ROUND's bits are k (an i64); (k + 1023) << 52 is 2^k.
    ...set(S, [...iadd(isub(get(T), i64x2(roundBits)), i64x2(1023n)), op.i32Const, 52, ...simd(0xcb)]),
    ...set(E, add(mul(get(S), sub(get(R), get(E))), sub(get(S), f64x2(1)))),
    ...set(W, div(get(E), add(get(E), f64x2(2)))),
    // copysign(|w|, x)
    ...get(P), ...or(abs(get(W)), and(get(X), i64x2(-0x8000000000000000n))), ...v128Store(0),
    ...get(P), op.i32Const, 16, op.i32Add, op.localSet, P,
    op.br, 0, op.end, op.end,
    op.end,
  ];
  const body = [
    ...get(P), ...get(PAIRS), op.i32Const, 4, op.i32Shl, op.i32Add, op.localSet, END,
    ...constants.flat(),
    op.block, op.void, op.loop, op.void,
    ...loop,
  ];
  const locals = vector([
    [...uleb(1), 0x7f], // END
    [...uleb(16 + constants.length), 0x7b], // X … W, then the constants
  ]);
  return [...locals, ...body];
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
  /** heap[offset … offset + count − 1] ← tanh of themselves (tanhJs's values, two lanes at a time). */
  tanh(offset: number, count: number): void;
}

/** A kernel instance with its own memory of `elements` float64 values. */
export function createWasmGemm(elements: number): WasmGemm {
  compiled ??= new WebAssembly.Module(kernelModuleBytes());
  const pages = Math.max(1, Math.ceil((elements * 8) / 65536));
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const gemm = instance.exports.gemm as (...args: number[]) => void;
  const tanhPairs = instance.exports.tanh as (byteOffset: number, pairs: number) => void;
  const heap = new Float64Array(memory.buffer, 0, elements);
  const kernel: GemmKernel = (h, g) => {
    if (h !== heap) throw new Error("wasm gemm: operands must live in this kernel's own heap");
    checkCall(h, g);
    gemm(g.a * 8, g.aRowStride, g.aColStride, g.w * 8, g.wRowStride, g.c * 8, g.cRowStride, g.M, g.N, g.K, g.accumulate ? 1 : 0);
  };
  const tanh = (offset: number, count: number) => {
    if (!(offset >= 0 && count >= 0 && offset + count <= elements)) throw new RangeError(`wasm tanh: elements ${offset} … ${offset + count - 1} are outside the heap of ${elements}`);
    tanhPairs(offset * 8, count >> 1);
    if (count & 1) heap[offset + count - 1] = tanhJs(heap[offset + count - 1]);
  };
  return { heap, kernel, tanh };
}
