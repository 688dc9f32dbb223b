// Lab 002's kernels on one heap (src/kernels/heap-kernels.ts): the bytes that run are the
// assembled .wat sources, and the WebAssembly product equals the JavaScript one and the plain
// definition to the bit on random shapes, strides and offsets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { createWasmGemm, gemmJs, type GemmCall, wasmFmaAvailable } from "../src/kernels/heap-kernels";
import { rnnStepsJs } from "../src/kernels/rnn-steps";
import { VanillaRnn } from "../src/models/vanilla-rnn";
import { ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

const ROOT = path.join(__dirname, "..");

test("the WebAssembly bytes in src/kernels/wasm-modules.generated.ts are the .wat sources assembled by wabt", () => {
  // --check assembles both .wat files afresh and fails if the generated file differs (a .wat
  // edited without `npm run build`, or a hand edit of the generated file).
  execFileSync(process.execPath, [path.join(ROOT, "src/kernels/assemble-wat.mjs"), "--check"], {
    cwd: ROOT,
    stdio: "pipe",
  });
});

/** Whether two arrays hold the same float64 bit patterns (so +0 ≠ −0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length),
    y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** C = A·W with A [M, K], W [K, N] and C [M, N] row-major, one after the other from offset 0. */
function denseCall(M: number, N: number, K: number): GemmCall {
  const w = M * K,
    c = w + K * N;
  return { a: 0, aRowStride: K, aColStride: 1, w, wRowStride: N, c, cRowStride: N, M, N, K, accumulate: false };
}

test("the heap kernels: WebAssembly equals JavaScript equals the definition, to the bit, on random calls", () => {
  const rng = new NumpyRandom(12);
  const int = (low: number, high: number) => Math.floor(rng.uniform({ low, high: high + 1, size: 1 }).data[0]);
  const size = 1 << 14;
  const wasm = createWasmGemm(size);
  for (let trial = 0; trial < 200; trial++) {
    const M = int(0, 25), // any M: blocks of 4 rows, then the last rows one at a time
      N = 4 * int(0, 6),
      K = int(0, 30);
    // A row-major or transposed as stored (lab 002's weight gradient hᵀ·δz), rows padded; the three
    // operands one after the other at a random offset, as the model lays out its chunk buffers.
    const transposed = int(0, 1) === 1;
    const aLead = (transposed ? M : K) + int(0, 3),
      wRowStride = N + int(0, 3),
      cRowStride = N + int(0, 3);
    const a = int(0, 5),
      w = a + aLead * (transposed ? K : M) + int(0, 5),
      c = w + wRowStride * K + int(0, 5);
    const call: GemmCall = {
      a,
      aRowStride: transposed ? 1 : aLead,
      aColStride: transposed ? aLead : 1,
      w,
      wRowStride,
      c,
      cRowStride,
      M,
      N,
      K,
      accumulate: int(0, 1) === 1,
    };
    const init = rng.uniform({ low: -1, high: 1, size }).data;
    for (let i = 0; i < size; i += 11) init[i] = i % 2 ? -0 : 0;
    const want = init.slice();
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++)
          s += init[a + m * call.aRowStride + k * call.aColStride] * init[w + k * wRowStride + n];
        const at = c + m * cRowStride + n;
        want[at] = call.accumulate ? want[at] + s : s;
      }
    }
    const js = init.slice();
    gemmJs(js, call);
    wasm.heap.set(init);
    wasm.kernel(wasm.heap, call);
    const what = `${M}×${N}×${K}${transposed ? " (Aᵀ)" : ""}, accumulate ${call.accumulate}`;
    assert.ok(sameBits(js, want), `gemmJs ${what}`);
    assert.ok(sameBits(wasm.heap, want), `WebAssembly gemm ${what}`);
  }
  assert.throws(
    () =>
      wasm.kernel(new Float64Array(size), {
        a: 0,
        aRowStride: 4,
        aColStride: 1,
        w: 0,
        wRowStride: 4,
        c: 0,
        cRowStride: 4,
        M: 4,
        N: 4,
        K: 4,
        accumulate: false,
      }),
    /operands must live in this kernel's own heap/,
  );
  assert.throws(
    () =>
      wasm.kernel(wasm.heap, {
        a: 0,
        aRowStride: 4,
        aColStride: 1,
        w: 0,
        wRowStride: 6,
        c: 0,
        cRowStride: 6,
        M: 4,
        N: 6,
        K: 4,
        accumulate: false,
      }),
    /N must be a multiple of 4, got N=6/,
  );
});

test("lab 002's element-wise steps: WebAssembly equals JavaScript to the bit, and the JavaScript loops equal the equations", () => {
  const rng = new NumpyRandom(7);
  const int = (low: number, high: number) => Math.floor(rng.uniform({ low, high: high + 1, size: 1 }).data[0]);
  const size = 4096;
  const wasm = createWasmGemm(size);
  for (let trial = 0; trial < 100; trial++) {
    const Hp = 4 * int(1, 5),
      I = int(1, 3),
      rows = int(0, 9),
      M = rows + int(0, 3); // padded rows beyond the real ones
    // Regions one after the other at random offsets: z / dz, bH / dh, wIn / h, x, gbH, gWin.
    let at = int(0, 5);
    const take = (n: number) => {
      const start = at;
      at += n + int(0, 3);
      return start;
    };
    const z = take(M * Hp),
      bH = take(M * Hp),
      wIn = take(Math.max(M, I) * Hp),
      x = take(M * I),
      gbH = take(Hp),
      gWin = take(I * Hp);
    const init = rng.uniform({ low: -2, high: 2, size }).data;
    for (let i = 0; i < size; i += 7) init[i] = i % 2 ? -0 : 0;
    const count = Math.max(0, M * Hp - int(0, 1)); // tanhBackward: odd counts too (the last element in JavaScript)
    const js = init.slice();
    wasm.heap.set(init);
    for (const steps of [rnnStepsJs(js), wasm.steps]) {
      steps.inputStep(z, bH, wIn, x, M, rows, I, Hp);
      steps.tanhBackward(bH, wIn, z, count); // dz at bH from dh at wIn and h = the z just computed
      steps.inputGrads(gbH, gWin, bH, x, rows, I, Hp);
    }
    const what = `Hp ${Hp}, I ${I}, rows ${rows}, M ${M}`;
    assert.ok(sameBits(wasm.heap, js), `rnn steps ${what}`);
    if (trial === 0) {
      assert.throws(() => wasm.steps.inputStep(z, bH, wIn, x, -1, rows, I, Hp), /M must be a whole number ≥ 0, got -1/);
      assert.throws(() => wasm.steps.inputGrads(gbH, gWin, bH, x, rows, I, 6 + 1), /Hp must be even, got 7/);
      assert.throws(() => wasm.steps.tanhBackward(0, 0, size - 2, 4), /outside the heap of 4096/);
    }
    // The JavaScript loops against the equations, written out once more.
    for (let b = 0; b < M; b++)
      for (let j = 0; j < Hp; j++) {
        let v = init[bH + j];
        if (b < rows) for (let i = 0; i < I; i++) v += init[x + b * I + i] * init[wIn + i * Hp + j];
        assert.ok(Object.is(js[z + b * Hp + j], v), `(1) ${what}`);
      }
  }
});

test("the WebAssembly gemm takes a K beyond its packing room (2²⁰) and gives the same bits as the JavaScript kernel", () => {
  // The kernel packs four rows of A (4·K values) into a scratch area past the heap, with room for
  // K ≤ 2²⁰; a longer K runs on the JavaScript kernel instead of packing past the memory's end.
  const K = (1 << 20) + 4096, // 128 KB more than the room: past any page rounding
    M = 4,
    N = 4;
  const size = M * K + K * N + M * N;
  const wasm = createWasmGemm(size);
  const call = denseCall(M, N, K);
  for (let i = 0; i < M * K + K * N; i++) wasm.heap[i] = Math.sin(i);
  const js = wasm.heap.slice();
  gemmJs(js, call);
  wasm.kernel(wasm.heap, call);
  assert.ok(sameBits(wasm.heap, js));
});

/** Whether this CPU has fused multiply-add (V8 then compiles relaxed_madd to one vfmadd). */
const cpuHasFma = () => process.platform === "linux" && /\bfma\b/.test(fs.readFileSync("/proc/cpuinfo", "utf8"));

test("the fused kernel (wasm-fma): within rounding of the exact product, and fused where the CPU has FMA", () => {
  assert.ok(wasmFmaAvailable(), "relaxed SIMD runs on this Node (behind a flag on Node 20, set by heap-kernels.ts)");
  const size = 1 << 14;
  const fused = createWasmGemm(size, { fused: true });
  const exact = createWasmGemm(size);
  // (1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1 = −2⁻⁶⁰ exactly; rounded once after the product (unfused) it is 0.
  const e = 2 ** -30;
  const probe = (g: typeof fused) => {
    g.heap.fill(0);
    g.heap.set([-1, 1 + e], 0); // A row 0 = [−1, 1 + 2⁻³⁰], W column 0 = [1, 1 − 2⁻³⁰]: s = −1, then s + (1 + 2⁻³⁰)(1 − 2⁻³⁰)
    const call = { a: 0, aRowStride: 4, aColStride: 1, w: 16, wRowStride: 4, c: 32, cRowStride: 4, M: 4, N: 4, K: 2 };
    g.heap.set([1, 0, 0, 0, 1 - e, 0, 0, 0], 16);
    g.kernel(g.heap, { ...call, accumulate: false });
    return g.heap[32];
  };
  assert.equal(probe(exact), 0, "the exact kernel rounds the product, then the sum");
  if (cpuHasFma()) assert.equal(probe(fused), -(2 ** -60), "fused: one rounding of x·w + s");

  const rng = new NumpyRandom(5);
  const u = 2 ** -53;
  let differ = 0;
  for (const [M, N, K] of [
    [16, 100, 100],
    [100, 100, 16],
    [8, 12, 37],
  ]) {
    const call = denseCall(M, N, K);
    const init = rng.uniform({ low: -1, high: 1, size }).data;
    fused.heap.set(init);
    exact.heap.set(init);
    fused.kernel(fused.heap, call);
    exact.kernel(exact.heap, call);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        // Both sums are within K·u·Σ|a·w| of the exact real sum (the standard bound for a dot product), so of each other within twice it.
        let abs = 0;
        for (let k = 0; k < K; k++) abs += Math.abs(init[m * K + k] * init[M * K + k * N + n]);
        const at = call.c + m * N + n;
        const d = Math.abs(fused.heap[at] - exact.heap[at]);
        assert.ok(d <= 2 * K * u * abs, `${M}×${N}×${K} [${m}, ${n}]: |fused − exact| = ${d} > ${2 * K * u * abs}`);
        if (d > 0) differ++;
      }
    }
  }
  if (cpuHasFma()) assert.ok(differ > 0, "the fused kernel rounds differently somewhere (it is not the exact one)");
});

test("VanillaRnn on the fused kernel: loss and gradients within 1e-12 of the exact kernel's, which the JS kernel matches to the bit", () => {
  const rng = new NumpyRandom(9);
  const [T, N] = [30, 24];
  const x = ndarray([T, N, 1], rng.uniform({ low: -2, high: 2, size: T * N }).data);
  const y = ndarray(
    [N, 5],
    new Float64Array(N * 5).map((_, i) => (i % 5 === Math.floor(i / 5) % 5 ? 1 : 0)),
  );
  const run = (kernel: "wasm" | "wasm-fma" | "js") => {
    const model = new VanillaRnn({
      inputSize: 1,
      hiddenSize: 20,
      outputSize: 5,
      bias: true,
      seed: 3,
      kernel,
      threads: 1,
    });
    try {
      return model.lossAndGradients({ x, y });
    } finally {
      model.dispose();
    }
  };
  const exact = run("wasm"),
    fused = run("wasm-fma"),
    js = run("js");
  assert.equal(js.loss, exact.loss);
  assert.ok(Math.abs(fused.loss - exact.loss) <= 1e-12 * exact.loss, `loss ${fused.loss} vs ${exact.loss}`);
  for (const [key, g] of Object.entries(exact.grads)) {
    assert.deepEqual(js.grads[key].data, g.data, `js ${key}`);
    const scale = Math.max(...g.data.map(Math.abs));
    const worst = Math.max(...fused.grads[key].data.map((v, i) => Math.abs(v - g.data[i])));
    assert.ok(worst <= 1e-12 * scale, `${key}: fused − exact up to ${worst} (largest entry ${scale})`);
  }
  assert.throws(
    () => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, kernel: "fma" as never }),
    /kernel must be "wasm", "wasm-fma" or "js", got "fma"/,
  );
});
