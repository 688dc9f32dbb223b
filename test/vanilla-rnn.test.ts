// Lab 002's vanilla tanh RNN: the matrix-product kernels, the hand-derived BPTT against finite
// differences and TensorFlow.js autodiff, invariance to threads / kernel / chunking, and a short
// training run on a slice of ECG5000 that must lower the loss.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createWasmGemm, gemmJs, type GemmCall } from "../src/kernels/heap-kernels";
import { VanillaRnn, accuracy, checkGradients, forwardFlops, gradientFlops, initParams, mseLoss, paramShapes, predictedClasses, tfLoss, type VanillaRnnOptions } from "../src/models/vanilla-rnn";
import { gradCheck, formatGradCheck } from "../src/bptt/grad-check";
import { initBackend } from "../src/backend";
import { loadEcg5000, selectSeries } from "../src/datasets/ecg5000";
import { ndarray, type NdArray, type ParamSet } from "../src/ndarray";
import { NumpyRandom } from "../src/random";
import { Sgd } from "../src/optim/sgd";
import { train } from "../src/train";

function naiveProduct(heap: Float64Array, g: GemmCall): Float64Array {
  const out = new Float64Array(g.M * g.N);
  for (let m = 0; m < g.M; m++) {
    for (let n = 0; n < g.N; n++) {
      let s = 0;
      for (let k = 0; k < g.K; k++) s += heap[g.a + m * g.aRowStride + k * g.aColStride] * heap[g.w + k * g.wRowStride + n];
      out[m * g.N + n] = s;
    }
  }
  return out;
}

test("the JavaScript and WebAssembly kernels compute the same products, bit for bit", () => {
  const rng = new NumpyRandom(3);
  for (const [M, N, K] of [[4, 4, 1], [8, 12, 5], [16, 100, 100], [100, 100, 16]]) {
    for (const transposed of [false, true]) {
      const size = M * K + K * N + M * N;
      const wasm = createWasmGemm(size);
      const js = new Float64Array(size);
      const init = rng.uniform({ low: -1, high: 1, size });
      js.set(init.data);
      wasm.heap.set(init.data);
      const call: GemmCall = {
        a: 0, aRowStride: transposed ? 1 : K, aColStride: transposed ? M : 1,
        w: M * K, wRowStride: N, c: M * K + K * N, cRowStride: N, M, N, K, accumulate: false,
      };
      const expected = naiveProduct(js, call);
      gemmJs(js, call);
      wasm.kernel(wasm.heap, call);
      assert.deepEqual(wasm.heap, js, `overwrite ${M}×${N}×${K}${transposed ? " (Aᵀ)" : ""}`);
      for (let i = 0; i < M * N; i++) assert.ok(Math.abs(js[call.c + i] - expected[i]) <= 1e-12 * K, `entry ${i}`);
      // accumulate: C += A·W adds the same product once more
      gemmJs(js, { ...call, accumulate: true });
      wasm.kernel(wasm.heap, { ...call, accumulate: true });
      assert.deepEqual(wasm.heap, js, `accumulate ${M}×${N}×${K}`);
      for (let i = 0; i < M * N; i++) assert.ok(Math.abs(js[call.c + i] - 2 * expected[i]) <= 2e-12 * K);
    }
  }
  assert.throws(() => gemmJs(new Float64Array(100), { a: 0, aRowStride: 3, aColStride: 1, w: 0, wRowStride: 4, c: 0, cRowStride: 4, M: 3, N: 4, K: 3, accumulate: false }), /multiples of 4, got M=3/);
  assert.throws(() => gemmJs(new Float64Array(10), { a: 0, aRowStride: 4, aColStride: 1, w: 0, wRowStride: 4, c: 0, cRowStride: 4, M: 4, N: 4, K: 4, accumulate: false }), /operands reach element 15, the heap holds 10/);
});

/** A small random problem: sizes chosen so that both the hidden size and the batch need padding. */
function smallProblem(seed: number, T = 7, N = 9, I = 2, O = 3) {
  const rng = new NumpyRandom(seed);
  const X = rng.uniform({ low: -1.5, high: 1.5, size: [T, N, I] }); // (T, N, I)
  const Y = ndarray([N, O]); // (N, O) one-hot
  for (let n = 0; n < N; n++) Y.data[n * O + rng.nextInterval(O - 1)] = 1;
  return { X, Y };
}

function randomWeights(params: ParamSet, seed: number, scale: number): void {
  const rng = new NumpyRandom(seed);
  for (const p of Object.values(params)) for (let i = 0; i < p.data.length; i++) p.data[i] = scale * (2 * rng.nextDouble() - 1);
}

test("BPTT gradients match finite differences and TensorFlow.js autodiff, every parameter, with and without biases", async () => {
  await initBackend({ prefer: "cpu", log: false });
  for (const bias of [false, true]) {
    for (const seed of [11, 12]) {
      const { X, Y } = smallProblem(seed);
      const options: VanillaRnnOptions = { inputSize: 2, hiddenSize: 6, outputSize: 3, bias, chunkRows: 4, threads: 2 };
      const model = new VanillaRnn(options);
      // Weights large enough that tanh is well into its non-linear range.
      randomWeights(model.params, seed + 100, 0.9);
      const before = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, [...v.data]]));
      const report = await checkGradients(model, X, Y, { eps: 1e-6 });
      for (const [k, v] of Object.entries(model.params)) assert.deepEqual([...v.data], before[k], `${k} restored`);
      assert.equal(report.entries.length, bias ? 5 : 3);
      assert.deepEqual(report.entries.map((e) => e.name), Object.keys(paramShapes(options)));
      for (const e of report.entries) assert.ok(e.maxAbsGrad > 1e-4, `${e.name} has a real gradient (${e.maxAbsGrad})`);
      // float64 central differences: truncation ~eps²·f‴ and rounding ~1e-16/eps; seen here: ≤ 5e-10.
      assert.ok(report.maxFdRelError < 1e-8, `bias ${bias}, seed ${seed}: finite differences\n${formatGradCheck(report)}`);
      // TensorFlow.js runs in float32 (seen here: ≤ 2e-7); the bound leaves room for other backends.
      assert.ok(report.maxAutodiffRelError < 1e-5, `bias ${bias}, seed ${seed}: autodiff\n${formatGradCheck(report)}`);
      model.dispose();
    }
  }
});

test("a wrong backward pass would be caught: a gradient off by 1 % fails the check", async () => {
  const { X, Y } = smallProblem(5);
  const model = new VanillaRnn({ inputSize: 2, hiddenSize: 6, outputSize: 3, threads: 1 });
  randomWeights(model.params, 7, 0.9);
  const report = await gradCheck({
    params: Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, ndarray(v.shape, v.data)])),
    loss: (p) => {
      for (const k of Object.keys(p)) model.params[k].data.set(p[k].data);
      return model.lossAndGradients(X, Y).loss;
    },
    gradients: () => {
      const g = model.lossAndGradients(X, Y).grads;
      return { wIn: g.wIn.data.slice(), wHh: g.wHh.data.map((v) => v * 1.01), wOut: g.wOut.data.slice() };
    },
  });
  assert.ok(report.entries[1].fdRelError > 5e-3, formatGradCheck(report));
  assert.ok(report.entries[0].fdRelError < 1e-7, formatGradCheck(report));
  model.dispose();
});

test("results are bit-for-bit the same on 1 or 2 threads and on either kernel; chunking changes only rounding", () => {
  const { X, Y } = smallProblem(21, 12, 37, 1, 5);
  const run = (o: Partial<VanillaRnnOptions>) => {
    const m = new VanillaRnn({ inputSize: 1, hiddenSize: 10, outputSize: 5, bias: true, seed: 4, chunkRows: 8, ...o });
    const r = m.lossAndGradients(X, Y);
    const out = { loss: r.loss, grads: Object.fromEntries(Object.entries(r.grads).map(([k, v]) => [k, [...v.data]])), outputs: [...r.outputs.data], correct: r.correct, threads: m.threads };
    m.dispose();
    return out;
  };
  const one = run({ threads: 1 });
  const two = run({ threads: 2 });
  assert.equal(two.threads, 2, "the worker thread started");
  assert.deepEqual({ ...two, threads: 1 }, one);
  assert.deepEqual(run({ threads: 1, kernel: "js" }), one);
  const chunked = run({ threads: 2, chunkRows: 4 });
  assert.ok(Math.abs(chunked.loss - one.loss) <= 1e-14 * one.loss);
  for (const k of Object.keys(one.grads)) {
    one.grads[k].forEach((g, i) => assert.ok(Math.abs(g - chunked.grads[k][i]) <= 1e-12 * (Math.abs(g) + 1e-3), `${k}[${i}]`));
  }
});

test("forward, loss and accuracy: h_0 = 0, read-out from the last state, MSE divided by N", () => {
  // One unit, one step, by hand: y = tanh(x·w_in)·w_out, L = (y − t)²/2 per sequence, mean over N.
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 1, outputSize: 1, threads: 1 });
  model.params.wIn.data[0] = 0.5;
  model.params.wHh.data[0] = 123; // h_0 = 0: no effect on the first step
  model.params.wOut.data[0] = 2;
  const X = ndarray([1, 2, 1], [1, -2]); // (T=1, N=2, I=1)
  const Y = ndarray([2, 1], [1, 0]);
  const r = model.lossAndGradients(X, Y);
  const y = [2 * Math.tanh(0.5), 2 * Math.tanh(-1)];
  assert.deepEqual([...r.outputs.data], y);
  assert.equal(r.loss, ((y[0] - 1) ** 2 + y[1] ** 2) / 4);
  assert.equal(mseLoss(r.outputs, Y), r.loss);
  // Accuracy: argmax per row, ties to the first index as np.argmax.
  const out = ndarray([3, 3], [0.1, 0.7, 0.2, 0.5, 0.5, 0, -1, -2, -3]);
  const oneHot = ndarray([3, 3], [0, 1, 0, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual([...predictedClasses(out)], [1, 0, 0]);
  assert.equal(accuracy(out, oneHot), 2 / 3);
  // The flop counts the speed report uses: 6·H² per step per sequence dominates.
  assert.equal(gradientFlops({ inputSize: 1, hiddenSize: 100, outputSize: 5 }, 1, 140), 2 * 100 * 140 * 2 + 6 * 100 * 100 * 139 + 6 * 100 * 5);
  assert.equal(forwardFlops({ inputSize: 1, hiddenSize: 100, outputSize: 5 }, 1, 140), 2 * 100 * 140 + 2 * 100 * 100 * 139 + 2 * 100 * 5);
});

test("initial weights: seeded, uniform in ±1/√H by default, U(0, 1) as the original on request", () => {
  const config = { inputSize: 1, hiddenSize: 100, outputSize: 5 };
  const a = initParams(config, { seed: 0 });
  const b = initParams(config, { seed: 0 });
  assert.deepEqual(a, b);
  assert.deepEqual(Object.keys(a), ["wIn", "wHh", "wOut"]);
  for (const p of Object.values(a)) for (const v of p.data) assert.ok(Math.abs(v) <= 0.1);
  // The draw order is the original's (w_in, then w_hh, then w_out) from np.random.seed(0).
  const original = initParams(config, { seed: 0, init: "original" });
  assert.equal(original.wIn.data[0], 0.5488135039273248);
  assert.equal(original.wIn.data[1], 0.7151893663724195);
  assert.equal(a.wIn.data[0], -0.1 + 0.2 * 0.5488135039273248);
  assert.deepEqual(Object.keys(initParams({ ...config, bias: true })), ["wIn", "wHh", "wOut", "bH", "bOut"]);
});

test("wrong shapes, rows and options are errors that name them", () => {
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, threads: 1 });
  const X = ndarray([10, 3, 1]);
  assert.throws(() => model.lossAndGradients(ndarray([10, 3, 2]), ndarray([3, 5])), /X has shape \[10, 3, 2\], expected \[time, sequences, features=1\]/);
  assert.throws(() => model.lossAndGradients(X, ndarray([4, 5])), /Y has shape \[4, 5\], expected \[sequences=3, outputs=5\]/);
  assert.throws(() => model.lossAndGradients(X, ndarray([3, 5]), [0, 3]), /rows\[1\] = 3 is not a sequence index in \[0, 3\)/);
  assert.throws(() => model.lossAndGradients(X, ndarray([3, 5]), []), /no sequences/);
  assert.throws(() => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, hidden: 3 } as never), /VanillaRnn: unknown option hidden/);
  assert.throws(() => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, chunkRows: 6 }), /chunkRows must be a positive multiple of 4, got 6/);
  assert.throws(() => new VanillaRnn({ inputSize: 0, hiddenSize: 4, outputSize: 5 }), /inputSize must be a positive integer, got 0/);
  // Mini-batches gather rows; the result equals the same rows passed as a whole set.
  const rng = new NumpyRandom(2);
  const Xr = rng.normal({ size: [10, 6, 1] });
  const Yr = ndarray([6, 5]);
  for (let n = 0; n < 6; n++) Yr.data[n * 5 + (n % 5)] = 1;
  const rows = [4, 1, 5];
  const whole = model.lossAndGradients(selectRows(Xr, rows), selectYRows(Yr, rows));
  const wholeLoss = whole.loss, wholeGrad = [...whole.grads.wHh.data];
  const picked = model.lossAndGradients(Xr, Yr, rows);
  assert.equal(picked.loss, wholeLoss);
  assert.deepEqual([...picked.grads.wHh.data], wholeGrad);
});

function selectRows(X: NdArray, rows: number[]): NdArray {
  const [T, N, I] = X.shape;
  const out = ndarray([T, rows.length, I]);
  for (let t = 0; t < T; t++) rows.forEach((r, n) => out.data.set(X.data.subarray((t * N + r) * I, (t * N + r + 1) * I), (t * rows.length + n) * I));
  return out;
}

function selectYRows(Y: NdArray, rows: number[]): NdArray {
  const O = Y.shape[1];
  return ndarray([rows.length, O], rows.flatMap((r) => [...Y.data.subarray(r * O, (r + 1) * O)]));
}

test("training on a small slice of ECG5000 lowers the loss and raises the accuracy", async () => {
  const data = selectSeries(loadEcg5000("TRAIN"), Array.from({ length: 96 }, (_, i) => i));
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 16, outputSize: 5, bias: true, seed: 0 });
  const before = model.evaluate(data.X, data.Y);
  const rng = new NumpyRandom(0);
  const { history } = await train({
    name: "vanilla RNN, 96 ECG5000 beats",
    params: model.params,
    optimizer: new Sgd({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }),
    epochs: 8,
    clipNorm: 1,
    progress: false,
    batches: () => {
      const order = rng.permutation(96);
      return [0, 1, 2].map((b) => order.slice(32 * b, 32 * b + 32));
    },
    step: (rows: number[]) => {
      const r = model.lossAndGradients(data.X, data.Y, rows);
      return { loss: r.loss, grads: r.grads };
    },
  });
  const after = model.evaluate(data.X, data.Y);
  model.dispose();
  assert.equal(history.length, 8);
  assert.ok(after.loss < 0.5 * before.loss, `loss ${before.loss} → ${after.loss}`);
  assert.ok(after.accuracy > 0.85, `accuracy ${before.accuracy} → ${after.accuracy}`);
});

test("tfLoss is the same loss as the float64 forward pass (to float32 precision)", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const { X, Y } = smallProblem(8);
  const model = new VanillaRnn({ inputSize: 2, hiddenSize: 6, outputSize: 3, bias: true, threads: 1 });
  randomWeights(model.params, 9, 0.8);
  const loss = model.lossAndGradients(X, Y).loss;
  const tensors = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, tf.tensor(Float32Array.from(v.data), v.shape)]));
  const tfValue = tfLoss(X, Y, tensors).dataSync()[0];
  tf.dispose(Object.values(tensors));
  assert.ok(Math.abs(tfValue - loss) < 1e-5 * loss, `${tfValue} vs ${loss}`);
});
