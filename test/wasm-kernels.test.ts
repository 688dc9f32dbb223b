// Lab 002's kernels on one heap (src/kernels/heap-kernels.ts): the bytes that run are the
// assembled .wat sources, and the WebAssembly product equals the JavaScript one and the plain
// definition to the bit on random shapes, strides and offsets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { createWasmGemm, gemmJs, type GemmCall } from "../src/kernels/heap-kernels";
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

test("the heap kernels: WebAssembly equals JavaScript equals the definition, to the bit, on random calls", () => {
  const rng = new NumpyRandom(12);
  const int = (low: number, high: number) => Math.floor(rng.uniform({ low, high: high + 1, size: 1 }).data[0]);
  const size = 1 << 14;
  const wasm = createWasmGemm(size);
  for (let trial = 0; trial < 200; trial++) {
    const M = 4 * int(0, 6),
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
    /M and N must be multiples of 4, got M=4, N=6/,
  );
});
