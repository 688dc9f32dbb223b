// Labs 003/004's linear RNN: data, forward, hand-derived BPTT, the model contract, RProp and the
// loss-surface helpers, against the originals.
// Reference numbers come from the originals' printed outputs (lab 004) and from running the
// originals' NumPy code unchanged (lab 003's loss, gradients and final RProp weights). RProp's
// whole path through `train` is compared, bit for bit, with a line-by-line transcription of the
// original's `update_rprop` loop on plain numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bitSequences, thirdsSequences, type SumDataset } from "../src/datasets/bit-sums";
import * as rnn from "../src/models/linear-rnn";
import { LinearRnn, type LinearRnnBatch, type LinearRnnParams } from "../src/models/linear-rnn";
import { assertGradCheck, formatGradCheck, gradCheck } from "../src/bptt/grad-check";
import { lossPlusOne, lossSurface, twoWeightLoss, weightPath } from "../src/bptt/loss-surface";
import { RProp } from "../src/optim/rprop";
import { train } from "../src/train";
import { NumpyRandom } from "../src/random";
import { initBackend } from "../src/backend";
import { formatArray, ndarray, type ParamSet } from "../src/ndarray";

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (rel. tol. ${rel})`,
  );
}

const batchOf = ({ X, t }: SumDataset): LinearRnnBatch => ({ x: X, y: t });

/**
 * The original's RProp cells transcribed on plain numbers (W, W_delta, W_sign lists): the gradients
 * from forward_states / output_gradient / backward_gradient, then
 * `W_delta[i] *= eta_p if W_sign[i] == W_prev_sign[i] else eta_n; W[i] -= W_sign[i] * W_delta[i]`.
 */
function originalRProp(
  data: SumDataset,
  start: [number, number],
  delta0: number,
  sign0: [number, number],
  iterations: number,
): [number, number][] {
  const W = [...start];
  const delta = [delta0, delta0];
  let prevSign = [...sign0];
  const path: [number, number][] = [[W[0], W[1]]];
  for (let it = 0; it < iterations; it++) {
    const S = rnn.forwardStates(data.X, { wx: W[0], wRec: W[1] });
    const { grads } = rnn.backwardGradient(data.X, S, rnn.outputGradient(rnn.outputs(S), data.t), W[1]);
    const sign = [Math.sign(grads.wx), Math.sign(grads.wRec)];
    for (let i = 0; i < 2; i++) delta[i] = sign[i] === prevSign[i] ? delta[i] * 1.2 : delta[i] * 0.5;
    prevSign = sign;
    for (let i = 0; i < 2; i++) W[i] -= sign[i] * delta[i];
    path.push([W[0], W[1]]);
  }
  return path;
}

/** The notebooks' RProp run: the library's optimiser driven by `train`, its path recorded by `weightPath`. */
async function libraryRProp(data: SumDataset, start: LinearRnnParams, rprop: RProp, iterations: number) {
  const model = new LinearRnn(start);
  const path = weightPath(model);
  const batch = batchOf(data);
  const run = await train({
    model,
    optimizer: rprop,
    epochs: iterations,
    batches: () => [batch],
    onEpochEnd: path.onEpochEnd,
    progress: false,
  });
  return { model, path: path.points, history: run.history };
}

test("lab 003 data equals NumPy's seed-1 bits", () => {
  const { X, t } = bitSequences();
  assert.deepEqual(X.shape, [20, 10]);
  assert.deepEqual([...X.data.subarray(0, 20)], [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual([...t], [2, 4, 6, 6, 4, 4, 6, 5, 7, 5, 7, 6, 4, 7, 3, 6, 4, 5, 6, 6]);
});

test("lab 004 data and targets print as the original printed them", () => {
  const { X, t } = thirdsSequences();
  assert.deepEqual(X.shape, [30, 20]);
  // np.sum's pairwise order reproduces these exact float64 sums.
  assert.deepEqual(
    [...t.subarray(0, 5)],
    [12.930000000000001, 16.62, 11.940000000000001, 13.600000000000001, 11.580000000000002],
  );
  assert.equal(
    formatArray(ndarray([30], t)),
    "[12.93 16.62 11.94 13.6  11.58 13.25 16.29 13.27 12.25 12.59 13.6  12.94\n" +
      " 15.6  14.27 13.59 12.61 12.59 11.59 12.93 14.27 15.28 15.26 14.95 13.59\n" +
      " 13.95 13.6  14.29 14.95 14.95 13.59]",
  );
  assert.ok(
    formatArray(X).startsWith(
      "[[0.66 0.33 1.   0.33 0.66 0.66 1.   0.66 0.33 1.   1.   0.66 0.66 0.33\n  1.   1.   0.66 0.33 0.33 0.33]\n [1.   1.   1. ",
    ),
    formatArray(X).slice(0, 200),
  );
});

test("the model's loss and hand-derived gradients at (1.2, 1.2) equal the original's", () => {
  const model = new LinearRnn({ wx: 1.2, wRec: 1.2 });
  const { loss, grads } = model.lossAndGradients(batchOf(bitSequences()));
  close(loss, 110.22803726617079, 1e-13, "loss");
  assert.deepEqual(grads.wx.shape, []);
  close(grads.wx.data[0], 274.595429133218, 1e-12, "dξ/dwx");
  close(grads.wRec.data[0], 1593.2428444791924, 1e-12, "dξ/dwRec");
  assert.deepEqual(model.weights(), { wx: 1.2, wRec: 1.2 }, "lossAndGradients leaves the parameters alone");
});

test("the model at other parameters: lossAndGradients(batch, params) reads only `params`", () => {
  const batch = batchOf(bitSequences());
  const model = new LinearRnn({ wx: 0, wRec: 0 });
  const at = new LinearRnn({ wx: 1.2, wRec: 1.2 });
  assert.deepEqual(model.lossAndGradients(batch, at.params), at.lossAndGradients(batch));
  // At w_x = w_rec = 1 the net adds its inputs: no loss, no gradient.
  const exact = new LinearRnn({ wx: 1, wRec: 1 }).lossAndGradients(batch);
  assert.equal(exact.loss, 0);
  assert.deepEqual([exact.grads.wx.data[0], exact.grads.wRec.data[0]], [0, 0]);
});

test("BPTT gradients match finite differences and TensorFlow.js autodiff on random weights and inputs", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const rng = new NumpyRandom(7);
  for (let trial = 0; trial < 5; trial++) {
    const x = rng.uniform({ low: -1, high: 1, size: [6, 8] });
    const y = rng.uniform({ low: -3, high: 3, size: 6 }).data;
    const [wx, wRec] = rng.uniform({ low: -1.3, high: 1.3, size: 2 }).data;
    const report = await gradCheck(new LinearRnn({ wx, wRec }), { x, y }, { eps: 1e-6 });
    // float64 central differences: error ~eps² · f''' ≪ 1e-7; autodiff runs in float32: ~1e-6.
    assert.ok(report.maxFdRelError < 1e-7, `trial ${trial}: finite differences\n${formatGradCheck(report)}`);
    assert.ok(report.maxAutodiffRelError < 1e-4, `trial ${trial}: autodiff\n${formatGradCheck(report)}`);
    assertGradCheck(report, { fd: 1e-7, autodiff: 1e-4 });
  }
});

test("a wrong gradient is caught by the checker and named by assertGradCheck", async () => {
  class Off extends LinearRnn {
    override lossAndGradients(batch: LinearRnnBatch, params?: ParamSet) {
      const r = super.lossAndGradients(batch, params);
      r.grads.wRec.data[0] *= 1.01;
      return r;
    }
  }
  const report = await gradCheck(new Off({ wx: 0.9, wRec: 0.8 }), batchOf(bitSequences()), { autodiff: false });
  assert.ok(report.entries[0].fdRelError < 1e-7);
  assert.ok(report.entries[1].fdRelError > 5e-3);
  assert.throws(
    () => assertGradCheck(report, { fd: 1e-5, what: "the linear RNN's BPTT" }),
    /the linear RNN's BPTT disagree with finite differences: "wRec"/,
  );
});

test("gradient over time decays or grows as w_rec^(n-k)", () => {
  const { X, t } = bitSequences();
  const S = rnn.forwardStates(X, { wx: 1, wRec: 2 });
  const { gradOverTime: G } = rnn.backwardGradient(X, S, rnn.outputGradient(rnn.outputs(S), t), 2);
  assert.deepEqual(G.shape, [20, 11]);
  close(G.data[0] / G.data[10], 2 ** 10, 1e-15, "g_0 / g_n");
});

test("wrong-shaped inputs and parameters are refused with the shape in the message", () => {
  assert.throws(
    () => rnn.forwardStates(ndarray([2, 3, 1]), { wx: 1, wRec: 1 }),
    /^RangeError: linear RNN input X must be \[batch, time\] \(one scalar input per step\), got shape \[2, 3, 1\]$/,
  );
  const model = new LinearRnn({ wx: 1, wRec: 1 });
  assert.throws(
    () => model.lossAndGradients({ x: ndarray([4, 3]), y: [1, 2] }),
    /targets have 2 values for a batch of 4 sequences/,
  );
  assert.throws(
    () => model.lossAndGradients({ x: ndarray([4, 3]), y: [1, 2, 3, 4] }, { wx: ndarray([2]), wRec: ndarray([]) }),
    /^RangeError: LinearRnn.lossAndGradients: params.wx must be a scalar \(shape \[\]\), got shape \[2\]$/,
  );
  assert.throws(() => new LinearRnn({ wx: 1 } as never), /LinearRnn: pass the starting weights as numbers/);
});

test("RProp's step rules: grow on the same sign, shrink on a flip, move against the sign, in place", () => {
  const opt = new RProp({ initialStep: 0.1, initialSign: { a: 1 } });
  const p: ParamSet = { a: ndarray([], [0]), b: ndarray([2], [0, 1]) };
  opt.step(p, { a: ndarray([], [3]), b: ndarray([2], [-2, 0]) });
  // a: same sign as assumed → Δ = 0.12, moves −0.12; b[0]: prev sign 0 ≠ −1 → Δ = 0.05, moves +0.05;
  // b[1]: zero gradient, sign 0 = assumed 0 → Δ grows to 0.12 but the weight does not move.
  close(p.a.data[0], -0.12, 1e-15, "a");
  close(p.b.data[0], 0.05, 1e-15, "b[0]");
  assert.equal(p.b.data[1], 1);
  opt.step(p, { a: ndarray([], [-1]), b: ndarray([2], [0, 0]) });
  close(opt.delta.a[0], 0.06, 1e-15, "Δa after flip");
  close(p.a.data[0], -0.06, 1e-15, "a after flip");
  assert.equal(p.b.data[0], 0.05, "a zero gradient does not move the weight");
  opt.reset();
  assert.deepEqual(opt.delta, {});
  opt.step(p, { a: ndarray([], [3]), b: ndarray([2], [0, 0]) });
  close(opt.delta.a[0], 0.12, 1e-15, "Δa after reset starts again from Δ₀ and the assumed sign");
  assert.throws(() => new RProp({ initialStep: 0.1, lr: 1 } as never), /RProp: unknown option lr/);
  assert.throws(
    () => new RProp({ initialStep: 0.1, initialSign: { a: 2 } }),
    /RProp: initialSign.a must be -1, 0 or 1, got 2/,
  );
  assert.throws(() => opt.step({ c: ndarray([], [1]) }, {}), /RProp: no gradient for parameter "c"/);
});

test("lab 003's RProp through train follows the original's loop bit for bit and ends where the original ends", async () => {
  const data = bitSequences();
  const expected = originalRProp(data, [-2, 2], 0.003, [-1, 1], 300);
  const { model, path, history } = await libraryRProp(
    data,
    { wx: -2, wRec: 2 },
    new RProp({ initialStep: 0.003, initialSign: { wx: -1, wRec: 1 } }),
    300,
  );
  assert.equal(path.length, 301);
  assert.deepEqual(path, expected);
  assert.deepEqual(model.weights(), { wx: expected[300][0], wRec: expected[300][1] });
  // The original's code, run unchanged in NumPy, ends at (1.0101770…, 0.9976248…).
  close(model.weights().wx, 1.0101770110762844, 1e-9, "wx");
  close(model.weights().wRec, 0.9976248446497159, 1e-9, "wRec");
  // train's history holds the loss at each iterate before its step.
  const loss = twoWeightLoss(model, batchOf(data));
  assert.equal(history[0].loss, loss(-2, 2));
  assert.equal(history[299].loss, loss(...path[299]));
});

test("lab 004's RProp through train follows the original's loop and prints the original's final weights and test output", async () => {
  const data = thirdsSequences();
  const expected = originalRProp(data, [-1.5, 2], 0.001, [0, 0], 500);
  const { model, path } = await libraryRProp(data, { wx: -1.5, wRec: 2 }, new RProp({ initialStep: 0.001 }), 500);
  assert.deepEqual(path, expected);
  const w = model.weights();
  assert.equal(
    `Final weights are: wx = ${w.wx.toFixed(4)}, wRec = ${w.wRec.toFixed(4)}`,
    "Final weights are: wx = 1.6779, wRec = 0.9398",
  );
  const input = ndarray(
    [1, 20],
    [0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1],
  );
  assert.equal(formatArray(ndarray([1], rnn.outputs(rnn.forwardStates(input, w)))), "[12.07678517]");
});

test("lossPlusOne is the original's loss(forward_states(X, w1, w2)[:, -1], t) + 1, and lossSurface lays it out as np.meshgrid", () => {
  const { X, t } = bitSequences();
  const f = lossPlusOne(new LinearRnn({ wx: 0, wRec: 0 }), { x: X, y: t });
  for (const [a, b] of [
    [1.2, 1.2],
    [-3, 3],
    [1, 1],
    [0.3, -2.1],
  ]) {
    assert.equal(f(a, b), rnn.mseLoss(rnn.outputs(rnn.forwardStates(X, { wx: a, wRec: b })), t) + 1);
  }
  const grid = lossSurface({ x: [-3, 3], y: [-0.1, 2.1], n: 5, loss: f });
  assert.deepEqual(grid.xs, [-3, -1.5, 0, 1.5, 3]);
  assert.equal(grid.values[2 * 5 + 4], f(3, grid.ys[2]), "values[i·n + j] is the loss at (xs[j], ys[i])");
  assert.throws(
    () => lossPlusOne({ name: "m", params: { w: ndarray([3]) }, lossAndGradients: () => ({ loss: 0, grads: {} }) }, {}),
    /^RangeError: lossPlusOne: m must have exactly two scalar parameters to have a loss surface, it has w \[3\]$/,
  );
});
