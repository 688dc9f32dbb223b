// Lab 002's tanh: the WebAssembly loop (src/kernels/tanh-f64x2.wat) and its JavaScript twin
// (src/kernels/tanh.ts) must agree to the bit (so the "wasm" and "js" kernels print the same
// numbers), and both must stay within 3 ulp of Math.tanh, exact at the special values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createWasmGemm } from "../src/kernels/heap-kernels";
import { tanhJs } from "../src/kernels/tanh";
import { NumpyRandom } from "../src/random";

const view = new DataView(new ArrayBuffer(8));
function ulpsApart(a: number, b: number): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  view.setFloat64(0, a);
  const ia = view.getBigInt64(0);
  view.setFloat64(0, b);
  const d = ia - view.getBigInt64(0);
  return Number(d < 0n ? -d : d);
}

/** Arguments over every branch-free path: saturating, the reduced range, tiny, huge, specials. */
function argumentsToCheck(): Float64Array {
  const rng = new NumpyRandom(11);
  const n = 400_000;
  const wide = rng.uniform({ low: -30, high: 30, size: n }).data;
  const near = rng.uniform({ low: -2, high: 2, size: n }).data;
  const exps = rng.uniform({ low: -700, high: 700, size: n }).data;
  const signs = rng.uniform({ low: -1, high: 1, size: n }).data;
  const specials = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    22,
    -22,
    21.999999999,
    1e-300,
    -5e-324,
    2 ** -28,
    -(2 ** -28),
    2 ** -54,
    1e308,
    -1e308,
    0.5 * Math.LN2,
    1.5 * Math.LN2,
    1,
    -1,
    0.5,
    0.25,
  ];
  const out = new Float64Array(3 * n + specials.length);
  out.set(wide, 0);
  out.set(near, n);
  for (let i = 0; i < n; i++) out[2 * n + i] = Math.sign(signs[i]) * Math.exp(exps[i]);
  out.set(specials, 3 * n);
  return out;
}

test("tanh: the WebAssembly loop equals tanhJs to the bit, and both are within 3 ulp of Math.tanh", () => {
  const xs = argumentsToCheck();
  // An odd count exercises the last element's JavaScript path.
  const g = createWasmGemm(xs.length + 3);
  g.heap.set(xs, 1);
  g.tanh(1, xs.length);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i],
      js = tanhJs(x),
      wasm = g.heap[i + 1];
    assert.ok(
      Object.is(js, wasm) || (Number.isNaN(js) && Number.isNaN(wasm)),
      `tanh(${x}): WebAssembly ${wasm}, JavaScript ${js}`,
    );
    const d = ulpsApart(js, Math.tanh(x));
    if (d > worst) worst = d;
    assert.ok(d <= 3, `tanh(${x}) = ${js}, Math.tanh ${Math.tanh(x)}: ${d} ulp apart`);
  }
  assert.ok(worst >= 1, "the approximation is not Math.tanh itself, so some argument differs");
  for (const [x, want] of [
    [0, 0],
    [-0, -0],
    [Infinity, 1],
    [-Infinity, -1],
    [40, 1],
    [-40, -1],
    [1e-300, 1e-300],
    [-5e-324, -5e-324],
  ]) {
    assert.ok(Object.is(tanhJs(x), want), `tanh(${x}) is ${want}, got ${tanhJs(x)}`);
  }
  assert.ok(Number.isNaN(tanhJs(NaN)));
  assert.throws(() => g.tanh(xs.length, 10), /wasm tanh: elements .* are outside the heap/);
});
