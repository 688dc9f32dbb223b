// Labs 003/004's linear RNN: data, forward, hand-derived BPTT and RProp against the originals.
// Reference numbers come from the originals' printed outputs (lab 004) and from running the
// originals' NumPy code unchanged (lab 003's loss, gradients and final RProp weights).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bitSequences, thirdsSequences } from "../src/datasets/bit-sums";
import * as rnn from "../src/models/linear-rnn";
import { gradCheck, formatGradCheck } from "../src/bptt/grad-check";
import { RProp } from "../src/optim/rprop";
import { NumpyRandom } from "../src/random";
import { initBackend } from "../src/backend";
import { formatArray, ndarray, type ParamSet } from "../src/ndarray";

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected} (rel. tol. ${rel})`);
}

function runRProp(X: ReturnType<typeof bitSequences>, start: rnn.LinearRnnParams, opt: RProp, iterations: number) {
  let w: rnn.LinearRnnParams = { ...start };
  for (let i = 0; i < iterations; i++) {
    const { grads } = rnn.lossAndGradients(X.X, X.t, w);
    w = opt.step(w, grads);
  }
  return w;
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
  assert.deepEqual([...t.subarray(0, 5)], [12.930000000000001, 16.62, 11.940000000000001, 13.600000000000001, 11.580000000000002]);
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

test("loss and hand-derived gradients at (1.2, 1.2) equal the original's", () => {
  const { X, t } = bitSequences();
  const { loss, grads } = rnn.lossAndGradients(X, t, { wx: 1.2, wRec: 1.2 });
  close(loss, 110.22803726617079, 1e-13, "loss");
  close(grads.wx, 274.595429133218, 1e-12, "dξ/dwx");
  close(grads.wRec, 1593.2428444791924, 1e-12, "dξ/dwRec");
});

test("BPTT gradients match finite differences and TensorFlow.js autodiff on random weights and inputs", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const rng = new NumpyRandom(7);
  for (let trial = 0; trial < 5; trial++) {
    const X = rng.uniform({ low: -1, high: 1, size: [6, 8] });
    const t = rng.uniform({ low: -3, high: 3, size: 6 }).data;
    const [wx, wRec] = rng.uniform({ low: -1.3, high: 1.3, size: 2 }).data;
    const params: ParamSet = { wx: ndarray([], [wx]), wRec: ndarray([], [wRec]) };
    const unpack = (p: ParamSet) => ({ wx: p.wx.data[0], wRec: p.wRec.data[0] });
    const report = await gradCheck({
      params,
      loss: (p) => rnn.lossAndGradients(X, t, unpack(p)).loss,
      gradients: (p) => ({ ...rnn.lossAndGradients(X, t, unpack(p)).grads }),
      tfLoss: (p) => rnn.tfLoss(X, t, p),
      eps: 1e-6,
    });
    // float64 central differences: error ~eps² · f''' ≪ 1e-7; autodiff runs in float32: ~1e-6.
    assert.ok(report.maxFdRelError < 1e-7, `trial ${trial}: finite differences\n${formatGradCheck(report)}`);
    assert.ok(report.maxAutodiffRelError < 1e-4, `trial ${trial}: autodiff\n${formatGradCheck(report)}`);
  }
});

test("a wrong gradient is caught by the checker", async () => {
  const { X, t } = bitSequences();
  const report = await gradCheck({
    params: { wx: ndarray([], [0.9]), wRec: ndarray([], [0.8]) },
    loss: (p) => rnn.lossAndGradients(X, t, { wx: p.wx.data[0], wRec: p.wRec.data[0] }).loss,
    gradients: (p) => {
      const g = rnn.lossAndGradients(X, t, { wx: p.wx.data[0], wRec: p.wRec.data[0] }).grads;
      return { wx: g.wx, wRec: g.wRec * 1.01 };
    },
  });
  assert.ok(report.entries[0].fdRelError < 1e-7);
  assert.ok(report.entries[1].fdRelError > 5e-3);
});

test("gradient over time decays or grows as w_rec^(n-k)", () => {
  const { X, t } = bitSequences();
  const S = rnn.forwardStates(X, { wx: 1, wRec: 2 });
  const { gradOverTime: G } = rnn.backwardGradient(X, S, rnn.outputGradient(rnn.outputs(S), t), 2);
  assert.deepEqual(G.shape, [20, 11]);
  close(G.data[0] / G.data[10], 2 ** 10, 1e-15, "g_0 / g_n");
});

test("wrong-shaped inputs are refused with the shape in the message", () => {
  assert.throws(
    () => rnn.forwardStates(ndarray([2, 3, 1]), { wx: 1, wRec: 1 }),
    /^RangeError: linear RNN input X must be \[batch, time\] \(one scalar input per step\), got shape \[2, 3, 1\]$/,
  );
  assert.throws(() => rnn.lossAndGradients(ndarray([4, 3]), [1, 2], { wx: 1, wRec: 1 }), /targets have 2 values for a batch of 4 sequences/);
});

test("RProp's step rules: grow on the same sign, shrink on a flip, move against the sign", () => {
  const opt = new RProp({ initialStep: 0.1, initialSign: { a: 1 } });
  let w = opt.step({ a: 0, b: 0 }, { a: 3, b: -2 });
  // a: same sign as assumed → Δ = 0.12, moves −0.12; b: prev sign 0 ≠ −1 → Δ = 0.05, moves +0.05.
  close(w.a, -0.12, 1e-15, "a");
  close(w.b, 0.05, 1e-15, "b");
  w = opt.step(w, { a: -1, b: 0 });
  close(opt.delta.a, 0.06, 1e-15, "Δa after flip");
  close(w.a, -0.06, 1e-15, "a after flip");
  assert.equal(w.b, 0.05, "a zero gradient does not move the weight");
  assert.throws(() => new RProp({ initialStep: 0.1, lr: 1 } as never), /RProp: unknown option lr/);
  assert.throws(() => opt.step({ c: 1 }, {} as { c: number }), /no gradient for weight "c"/);
});

test("lab 003's RProp run ends where the original's code ends", () => {
  const w = runRProp(bitSequences(), { wx: -2, wRec: 2 }, new RProp({ initialStep: 0.003, initialSign: { wx: -1, wRec: 1 } }), 300);
  close(w.wx, 1.0101770110762844, 1e-9, "wx");
  close(w.wRec, 0.9976248446497159, 1e-9, "wRec");
});

test("lab 004's RProp run prints the original's final weights and test output", () => {
  const w = runRProp(thirdsSequences(), { wx: -1.5, wRec: 2 }, new RProp({ initialStep: 0.001 }), 500);
  assert.equal(`Final weights are: wx = ${w.wx.toFixed(4)}, wRec = ${w.wRec.toFixed(4)}`, "Final weights are: wx = 1.6779, wRec = 0.9398");
  const test = ndarray([1, 20], [0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1, 0.66, 0.33, 0.33, 0.66, 1]);
  assert.equal(formatArray(ndarray([1], rnn.outputs(rnn.forwardStates(test, w)))), "[12.07678517]");
});
