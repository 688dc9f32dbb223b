// Lab 002's vanilla tanh RNN: the matrix-product kernels; the fast path (chunks, both kernels,
// threads) against the plain-loop reference BPTT on random shapes; the hand-derived gradients
// against finite differences and TensorFlow.js autodiff (gradCheck on the model contract);
// learning-rate phases against a fresh optimiser per phase; and a short training run on ECG5000.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { createWasmGemm, gemmJs, wasmSimdAvailable, type GemmCall } from "../src/kernels/heap-kernels";
import {
  VanillaRnn,
  forwardFlops,
  gradientFlops,
  initParams,
  paramShapes,
  type VanillaRnnBatch,
  type VanillaRnnOptions,
} from "../src/models/vanilla-rnn";
import { vanillaRnnReferenceBptt, vanillaRnnReferenceForward } from "../src/models/vanilla-rnn-reference";
import { accuracy, mseLoss, predictedClasses } from "../src/models/vanilla-rnn-metrics";
import { compareLossAndGradients } from "../src/models/compare-gradients";
import type { Model } from "../src/models/model";
import { assertGradCheck, formatGradCheck, gradCheck } from "../src/bptt/grad-check";
import { initBackend } from "../src/backend";
import { loadEcg5000, selectSeries } from "../src/datasets/ecg5000";
import { shuffledBatches } from "../src/datasets/mini-batches";
import { ndarray, type NdArray, type ParamSet } from "../src/ndarray";
import { NumpyRandom } from "../src/random";
import { Sgd } from "../src/optim/sgd";
import { train } from "../src/train";

const ROOT = path.resolve(__dirname, "..");

function naiveProduct(heap: Float64Array, g: GemmCall): Float64Array {
  const out = new Float64Array(g.M * g.N);
  for (let m = 0; m < g.M; m++) {
    for (let n = 0; n < g.N; n++) {
      let s = 0;
      for (let k = 0; k < g.K; k++)
        s += heap[g.a + m * g.aRowStride + k * g.aColStride] * heap[g.w + k * g.wRowStride + n];
      out[m * g.N + n] = s;
    }
  }
  return out;
}

test("the JavaScript and WebAssembly kernels compute the same products, bit for bit", () => {
  const rng = new NumpyRandom(3);
  for (const [M, N, K] of [
    [4, 4, 1],
    [8, 12, 5],
    [16, 100, 100],
    [100, 100, 16],
  ]) {
    for (const transposed of [false, true]) {
      const size = M * K + K * N + M * N;
      const wasm = createWasmGemm(size);
      const js = new Float64Array(size);
      const init = rng.uniform({ low: -1, high: 1, size });
      js.set(init.data);
      wasm.heap.set(init.data);
      const call: GemmCall = {
        a: 0,
        aRowStride: transposed ? 1 : K,
        aColStride: transposed ? M : 1,
        w: M * K,
        wRowStride: N,
        c: M * K + K * N,
        cRowStride: N,
        M,
        N,
        K,
        accumulate: false,
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
  assert.throws(
    () =>
      gemmJs(new Float64Array(100), {
        a: 0,
        aRowStride: 3,
        aColStride: 1,
        w: 0,
        wRowStride: 6,
        c: 0,
        cRowStride: 6,
        M: 3, // any M runs (the last rows one at a time); N must be a multiple of 4
        N: 6,
        K: 3,
        accumulate: false,
      }),
    /N must be a multiple of 4, got N=6/,
  );
  assert.throws(
    () =>
      gemmJs(new Float64Array(10), {
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
    /operands reach element 15, the heap holds 10/,
  );
});

/** A small random problem: x [T, N, I] in ±1.5, one-hot y [N, O]. */
function smallProblem(seed: number, T = 7, N = 9, I = 2, O = 3): { x: NdArray; y: NdArray } {
  const rng = new NumpyRandom(seed);
  const x = rng.uniform({ low: -1.5, high: 1.5, size: [T, N, I] }); // (T, N, I)
  const y = ndarray([N, O]); // (N, O) one-hot
  for (let n = 0; n < N; n++) y.data[n * O + rng.nextInterval(O - 1)] = 1;
  return { x, y };
}

function randomWeights(params: ParamSet, seed: number, scale: number): void {
  const rng = new NumpyRandom(seed);
  for (const p of Object.values(params))
    for (let i = 0; i < p.data.length; i++) p.data[i] = scale * (2 * rng.nextDouble() - 1);
}

/** Entries equal to the bit (=== : +0 and −0 are the same number). Names the first that is not. */
function assertSameNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}[${i}]: fast ${actual[i]} vs reference ${expected[i]}`);
  }
}

const kernels = wasmSimdAvailable() ? (["js", "wasm"] as const) : (["js"] as const);

test("fast path and reference BPTT: the same bits on one chunk, on random shapes, both kernels, 1 or 2 threads", () => {
  const rng = new NumpyRandom(42);
  for (let trial = 0; trial < 8; trial++) {
    // Hidden sizes and batches that are not multiples of 4 exercise the padding.
    const I = 1 + rng.nextInterval(2),
      H = 1 + rng.nextInterval(12),
      O = 1 + rng.nextInterval(5);
    const T = 1 + rng.nextInterval(8),
      chunkRows = 4 * (1 + rng.nextInterval(3)),
      N = 1 + rng.nextInterval(chunkRows - 1);
    const bias = trial % 2 === 1;
    const batch = smallProblem(100 + trial, T, N, I, O);
    const shape = `I ${I}, H ${H}, O ${O}, T ${T}, N ${N}, chunk ${chunkRows}, bias ${bias}`;
    for (const kernel of kernels) {
      for (const threads of [1, 2]) {
        const model = new VanillaRnn({ inputSize: I, hiddenSize: H, outputSize: O, bias, chunkRows, threads, kernel });
        randomWeights(model.params, 200 + trial, 0.9); // well into tanh's non-linear range
        const reference = vanillaRnnReferenceBptt(model.params, batch);
        const fast = model.lossAndGradients(batch);
        model.dispose();
        const where = `${shape}, ${kernel}, ${threads} thread(s)`;
        assert.equal(fast.loss, reference.loss, `${where}: loss`);
        assertSameNumbers(fast.outputs.data, reference.outputs.data, `${where}: outputs`);
        assert.deepEqual(Object.keys(fast.grads), Object.keys(reference.grads));
        for (const name of Object.keys(reference.grads))
          assertSameNumbers(fast.grads[name].data, reference.grads[name].data, `${where}: ∂L/∂${name}`);
      }
    }
  }
});

test("fast path and reference BPTT on several chunks: outputs to the bit, loss and gradients within the rounding of a reordered sum", () => {
  const u = 2 ** -53; // unit roundoff of float64
  const rng = new NumpyRandom(43);
  for (let trial = 0; trial < 6; trial++) {
    const I = 1 + rng.nextInterval(2),
      H = 1 + rng.nextInterval(12),
      O = 2 + rng.nextInterval(4);
    const T = 2 + rng.nextInterval(10),
      N = 13 + rng.nextInterval(50); // 2 to 16 chunks of 4
    const batch = smallProblem(300 + trial, T, N, I, O);
    const reference = (() => {
      const m = new VanillaRnn({ inputSize: I, hiddenSize: H, outputSize: O, bias: true, threads: 1 });
      randomWeights(m.params, 400 + trial, 0.9);
      const params = m.params;
      m.dispose();
      return { params, ...vanillaRnnReferenceBptt(params, batch) };
    })();
    for (const kernel of kernels) {
      const model = new VanillaRnn({
        inputSize: I,
        hiddenSize: H,
        outputSize: O,
        bias: true,
        chunkRows: 4,
        threads: 2,
        kernel,
      });
      for (const name of Object.keys(model.params)) model.params[name].data.set(reference.params[name].data);
      const fast = model.lossAndGradients(batch);
      // Each sequence's forward pass is computed alone, whatever chunk it falls in: the same bits.
      assertSameNumbers(fast.outputs.data, reference.outputs.data, `${kernel}: outputs`);
      assertSameNumbers(
        model.forward(batch).data,
        vanillaRnnReferenceForward(reference.params, batch.x).outputs.data,
        `${kernel}: forward`,
      );
      model.dispose();
      // The loss sums K = N·O non-negative terms, per chunk and then over chunks: two orders of the
      // same terms differ by at most 2·K·u times their sum (Higham, Accuracy and Stability, §4.2).
      const K = N * O;
      assert.ok(
        Math.abs(fast.loss - reference.loss) <= 2 * K * u * reference.loss,
        `${kernel}: loss ${fast.loss} vs ${reference.loss}`,
      );
      // A gradient entry sums N·T products of either sign: the same bound relative to Σ|terms|, which
      // cancellation can make larger than |g|; we allow 10·max|g| for Σ|terms| (seen: within 1e-14·max|g|).
      const agreement = compareLossAndGradients(reference, fast);
      const bound = 2 * N * T * u * 10;
      for (const p of agreement.params)
        assert.ok(
          p.maxRelDifference <= bound,
          `${kernel}: ∂L/∂${p.name} differs by ${p.maxRelDifference} of its largest entry (bound ${bound})`,
        );
    }
  }
});

/** Gradients checked on the model contract: gradCheck(model, batch) with finite differences and autodiff. */
test("BPTT gradients match finite differences and TensorFlow.js autodiff, every parameter, with and without biases, on a mini-batch of rows", async () => {
  await initBackend({ prefer: "cpu", log: false });
  for (const bias of [false, true]) {
    for (const seed of [11, 12]) {
      const { x, y } = smallProblem(seed);
      const batch: VanillaRnnBatch = { x, y, rows: [7, 0, 3, 4, 8, 1] }; // tfLoss gathers the same rows
      const options: VanillaRnnOptions = { inputSize: 2, hiddenSize: 6, outputSize: 3, bias, chunkRows: 4, threads: 2 };
      const model = new VanillaRnn(options);
      randomWeights(model.params, seed + 100, 0.9);
      const before = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, [...v.data]]));
      const report = await gradCheck(model, batch, { eps: 1e-6 });
      for (const [k, v] of Object.entries(model.params)) assert.deepEqual([...v.data], before[k], `${k} untouched`);
      assert.deepEqual(
        report.entries.map((e) => e.name),
        Object.keys(paramShapes(options)),
      );
      for (const e of report.entries) assert.ok(e.maxAbsGrad > 1e-4, `${e.name} has a real gradient (${e.maxAbsGrad})`);
      // float64 central differences: truncation ~eps²·f‴ and rounding ~1e-16/eps; seen here: ≤ 5e-10.
      // TensorFlow.js runs in float32 (seen here: ≤ 2e-7); the bound leaves room for other backends.
      assertGradCheck(report, { fd: 1e-8, autodiff: 1e-5, what: `vanilla RNN (bias ${bias}, seed ${seed})` });
      model.dispose();
    }
  }
});

test("a wrong backward pass would be caught: a gradient off by 1 % fails the check", async () => {
  const batch = smallProblem(5);
  const model = new VanillaRnn({ inputSize: 2, hiddenSize: 6, outputSize: 3, threads: 1 });
  randomWeights(model.params, 7, 0.9);
  const wrong: Model<VanillaRnnBatch> = {
    name: "vanilla RNN with ∂L/∂W_hh 1 % too large",
    params: model.params,
    lossAndGradients: (b, p) => {
      const r = model.lossAndGradients(b, p);
      for (let i = 0; i < r.grads.wHh.data.length; i++) r.grads.wHh.data[i] *= 1.01;
      return r;
    },
  };
  const report = await gradCheck(wrong, batch, { autodiff: false });
  assert.ok(report.entries[1].fdRelError > 5e-3, formatGradCheck(report));
  assert.ok(report.entries[0].fdRelError < 1e-7, formatGradCheck(report));
  assert.throws(
    () => assertGradCheck(report, { what: wrong.name }),
    /∂L\/∂W_hh 1 % too large disagree with finite differences: "wHh" has relative error/,
  );
  model.dispose();
});

test("lossAndGradients hands out fresh gradients and reads the params it is given", () => {
  const batch = smallProblem(6);
  const model = new VanillaRnn({ inputSize: 2, hiddenSize: 5, outputSize: 3, bias: true, threads: 1 });
  const first = model.lossAndGradients(batch);
  const kept = [...first.grads.wHh.data];
  const other = initParams(model.config, { seed: 9 });
  const second = model.lossAndGradients(batch, other);
  assert.notEqual(second.grads.wHh, first.grads.wHh);
  assert.deepEqual([...first.grads.wHh.data], kept, "the first call's gradients are not overwritten");
  assert.equal(second.loss, vanillaRnnReferenceBptt(other, batch).loss, "the given params, not the model's");
  assert.throws(
    () => model.lossAndGradients(batch, { wIn: other.wIn }),
    /VanillaRnn.lossAndGradients: params has no "wHh"; pass every parameter of the model \(wIn, wHh, wOut, bH, bOut\)/,
  );
  model.dispose();
});

test("results are bit-for-bit the same on 1 or 2 threads and on either kernel; chunking changes only rounding", () => {
  const batch = smallProblem(21, 12, 37, 1, 5);
  const run = (o: Partial<VanillaRnnOptions>) => {
    const m = new VanillaRnn({ inputSize: 1, hiddenSize: 10, outputSize: 5, bias: true, seed: 4, chunkRows: 8, ...o });
    const r = m.lossAndGradients(batch);
    const out = {
      loss: r.loss,
      grads: Object.fromEntries(Object.entries(r.grads).map(([k, v]) => [k, [...v.data]])),
      outputs: [...r.outputs.data],
      correct: r.correct,
      threads: m.threads,
    };
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
    one.grads[k].forEach((g, i) =>
      assert.ok(Math.abs(g - chunked.grads[k][i]) <= 1e-12 * (Math.abs(g) + 1e-3), `${k}[${i}]`),
    );
  }
});

test("forward, loss and accuracy: h_0 = 0, read-out from the last state, MSE divided by N", () => {
  // One unit, one step, by hand: y = tanh(x·w_in)·w_out, L = (y − t)²/2 per sequence, mean over N.
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 1, outputSize: 1, threads: 1 });
  model.params.wIn.data[0] = 0.5;
  model.params.wHh.data[0] = 123; // h_0 = 0: no effect on the first step
  model.params.wOut.data[0] = 2;
  const batch = { x: ndarray([1, 2, 1], [1, -2]), y: ndarray([2, 1], [1, 0]) }; // (T=1, N=2, I=1), (N, O)
  const r = model.lossAndGradients(batch);
  const y = [2 * Math.tanh(0.5), 2 * Math.tanh(-1)];
  assert.deepEqual([...r.outputs.data], y);
  assert.equal(r.loss, ((y[0] - 1) ** 2 + y[1] ** 2) / 4);
  assert.equal(mseLoss(r.outputs, batch.y), r.loss);
  // With a single output, argmax is class 0 for outputs and targets alike: every sequence counts as right.
  assert.deepEqual(r.metrics, { accuracy: 1 });
  assert.equal(r.correct, 2);
  assert.deepEqual(model.evaluate(batch), { loss: r.loss, accuracy: 1, outputs: r.outputs });
  model.dispose();
  // Accuracy: argmax per row, ties to the first index as np.argmax.
  const out = ndarray([3, 3], [0.1, 0.7, 0.2, 0.5, 0.5, 0, -1, -2, -3]);
  const oneHot = ndarray([3, 3], [0, 1, 0, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual([...predictedClasses(out)], [1, 0, 0]);
  assert.equal(accuracy(out, oneHot), 2 / 3);
  // The flop counts the speed report uses: 6·H² per step per sequence dominates.
  assert.equal(
    gradientFlops({ inputSize: 1, hiddenSize: 100, outputSize: 5 }, 1, 140),
    2 * 100 * 140 * 2 + 6 * 100 * 100 * 139 + 6 * 100 * 5,
  );
  assert.equal(
    forwardFlops({ inputSize: 1, hiddenSize: 100, outputSize: 5 }, 1, 140),
    2 * 100 * 140 + 2 * 100 * 100 * 139 + 2 * 100 * 5,
  );
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

test("wrong batches, shapes, rows and options are errors that name them", () => {
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, threads: 1 });
  const x = ndarray([10, 3, 1]);
  assert.throws(
    () => model.lossAndGradients({ x: ndarray([10, 3, 2]), y: ndarray([3, 5]) }),
    /x has shape \[10, 3, 2\], expected \[time, sequences, features=1\]/,
  );
  assert.throws(
    () => model.lossAndGradients({ x, y: ndarray([4, 5]) }),
    /y has shape \[4, 5\], expected \[sequences=3, outputs=5\]/,
  );
  assert.throws(
    () => model.lossAndGradients({ x, y: ndarray([3, 5]), rows: [0, 3] }),
    /rows\[1\] = 3 is not a sequence index in \[0, 3\)/,
  );
  assert.throws(() => model.lossAndGradients({ x, y: ndarray([3, 5]), rows: [] }), /no sequences/);
  assert.throws(
    () => model.lossAndGradients(x as never),
    /VanillaRnn.lossAndGradients: pass a batch \{ x: \[time, sequences, features\], y: \[sequences, outputs\], rows\? \}/,
  );
  assert.throws(() => model.evaluate({ x } as never), /VanillaRnn.evaluate: the batch has no y/);
  assert.throws(
    () => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, hidden: 3 } as never),
    /VanillaRnn: unknown option hidden/,
  );
  assert.throws(
    () => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, chunkRows: 6 }),
    /chunkRows must be a positive multiple of 4, got 6/,
  );
  assert.throws(
    () => new VanillaRnn({ inputSize: 0, hiddenSize: 4, outputSize: 5 }),
    /inputSize must be a positive integer, got 0/,
  );
  // Mini-batches gather rows; the result equals the same rows passed as a whole set.
  const data = { x: new NumpyRandom(2).normal({ size: [10, 6, 1] }), y: ndarray([6, 5]) };
  for (let n = 0; n < 6; n++) data.y.data[n * 5 + (n % 5)] = 1;
  const rows = [4, 1, 5];
  const whole = model.lossAndGradients({ x: selectRows(data.x, rows), y: selectYRows(data.y, rows) });
  const picked = model.lossAndGradients({ ...data, rows });
  assert.equal(picked.loss, whole.loss);
  assert.deepEqual([...picked.grads.wHh.data], [...whole.grads.wHh.data]);
  assert.deepEqual(
    model.evaluate({ ...data, rows }),
    model.evaluate({ x: selectRows(data.x, rows), y: selectYRows(data.y, rows) }),
  );
  model.dispose();
});

function selectRows(X: NdArray, rows: number[]): NdArray {
  const [T, N, I] = X.shape;
  const out = ndarray([T, rows.length, I]);
  for (let t = 0; t < T; t++)
    rows.forEach((r, n) =>
      out.data.set(X.data.subarray((t * N + r) * I, (t * N + r + 1) * I), (t * rows.length + n) * I),
    );
  return out;
}

function selectYRows(Y: NdArray, rows: number[]): NdArray {
  const O = Y.shape[1];
  return ndarray(
    [rows.length, O],
    rows.flatMap((r) => [...Y.data.subarray(r * O, (r + 1) * O)]),
  );
}

test("learning-rate phases give the same bits as a fresh Sgd per phase", async () => {
  const data = selectSeries(
    loadEcg5000("TRAIN"),
    Array.from({ length: 40 }, (_, i) => i * 12),
  );
  const make = () => new VanillaRnn({ inputSize: 1, hiddenSize: 8, outputSize: 5, bias: true, seed: 3, threads: 1 });
  const phased = make();
  const withPhases = await train({
    model: phased,
    progress: false,
    clipNorm: 1,
    optimizer: new Sgd({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }),
    phases: [
      { epochs: 3, lr: 0.05 },
      { epochs: 2, lr: 0.005 },
    ],
    batches: shuffledBatches(data, { batchSize: 16, seed: 0 }),
  });
  const byHand = make();
  const batches = shuffledBatches(data, { batchSize: 16, seed: 0 }); // one generator across both runs, as the phases share one
  const losses: number[] = [];
  for (const [epochs, lr] of [
    [3, 0.05],
    [2, 0.005],
  ]) {
    const run = await train({
      model: byHand,
      progress: false,
      clipNorm: 1,
      epochs,
      batches,
      optimizer: new Sgd({ lr, momentum: 0.9, weightDecay: 1e-4 }),
    });
    losses.push(...run.history.flatMap((h) => h.batchLosses));
  }
  assert.deepEqual(
    withPhases.history.flatMap((h) => h.batchLosses),
    losses,
  );
  for (const name of Object.keys(phased.params))
    assert.deepEqual(phased.params[name].data, byHand.params[name].data, name);
  phased.dispose();
  byHand.dispose();
});

test("training on a small slice of ECG5000 lowers the loss and raises the accuracy", async () => {
  const data = selectSeries(
    loadEcg5000("TRAIN"),
    Array.from({ length: 96 }, (_, i) => i),
  );
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 16, outputSize: 5, bias: true, seed: 0 });
  const before = model.evaluate(data);
  const { history } = await train({
    model,
    progress: false,
    epochs: 8,
    clipNorm: 1,
    optimizer: new Sgd({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }),
    batches: shuffledBatches(data, { batchSize: 32, seed: 0 }),
  });
  const after = model.evaluate(data);
  model.dispose();
  assert.equal(history.length, 8);
  assert.ok(after.loss < 0.5 * before.loss, `loss ${before.loss} → ${after.loss}`);
  assert.ok(after.accuracy > 0.85, `accuracy ${before.accuracy} → ${after.accuracy}`);
  // The step metric is the share of each batch classified right, averaged over the epoch.
  assert.ok(history[7].metrics.accuracy > 0.5 && history[7].metrics.accuracy <= 1);
});

test("tfLoss is the same loss as the float64 forward pass (to float32 precision), rows included", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const { x, y } = smallProblem(8);
  const model = new VanillaRnn({ inputSize: 2, hiddenSize: 6, outputSize: 3, bias: true, threads: 1 });
  randomWeights(model.params, 9, 0.8);
  for (const batch of [
    { x, y },
    { x, y, rows: [5, 2, 2, 0] },
  ]) {
    const loss = model.lossAndGradients(batch).loss;
    const tensors = Object.fromEntries(
      Object.entries(model.params).map(([k, v]) => [k, tf.tensor(Float32Array.from(v.data), v.shape)]),
    );
    const tfValue = model.tfLoss(tf, batch, tensors).dataSync()[0];
    tf.dispose(Object.values(tensors));
    assert.ok(Math.abs(tfValue - loss) < 1e-5 * loss, `${tfValue} vs ${loss}`);
  }
  model.dispose();
});

test("the model file and its worker thread load no TensorFlow.js (dist/, as the notebooks load it)", async () => {
  const dist = path.join(ROOT, "dist", "models");
  assert.ok(fs.existsSync(path.join(dist, "vanilla-rnn-worker.js")), "dist/ is built (npm run build)");
  const { port1, port2 } = new MessageChannel();
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    require(${JSON.stringify(path.join(dist, "vanilla-rnn.js"))});
    require(${JSON.stringify(path.join(dist, "vanilla-rnn-worker.js"))});
    const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]@tensorflow/.test(f));
    workerData.errors.postMessage({ loaded });`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { ready: new SharedArrayBuffer(4), index: 0, errors: port2 },
    transferList: [port2],
  });
  const message = await new Promise<{ loaded: string[] }>((resolve, reject) => {
    port1.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  port1.close();
  assert.deepEqual(message.loaded, []);
});
