// Truncated BPTT (src/bptt/truncated.ts): a chunk's gradient (the model contract's lossAndGradients
// on a batch { x, y, state }) is autodiff of that chunk's loss with the incoming state held constant
// (and not the gradient through earlier chunks), the state is carried from chunk to chunk, a short
// echo-3 run learns, and the gradient-reach measure.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend";
import { gradientReach } from "../src/bptt/gradient-reach";
import {
  CarriedState,
  type RecurrentModel,
  evaluateTruncated,
  formatRuns,
  predictBits,
  trainTruncated,
} from "../src/bptt/truncated";
import { EchoData } from "../src/datasets/echo";
import { gru } from "../src/models/gru";
import { tfBceWithLogits } from "../src/models/losses";
import { lstm } from "../src/models/lstm";
import type { RecurrentState } from "../src/models/recurrent-stack";
import { reluRnn } from "../src/models/relu-rnn";
import { type NdArray, type ParamSet, ndarray } from "../src/ndarray";
import { RmsProp } from "../src/optim/rmsprop";
import type { Optimizer } from "../src/optim/optimizer";

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n = Math.max(n, a[i] ** 2, b[i] ** 2);
  }
  let na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.sqrt(Math.max(na, nb));
}

function concatTime(a: NdArray, b: NdArray): NdArray {
  const [B, T1, F] = a.shape,
    T2 = b.shape[1];
  const out = ndarray([B, T1 + T2, F]); // (B, T1+T2, F)
  for (let i = 0; i < B; i++) {
    out.data.set(a.data.subarray(i * T1 * F, (i + 1) * T1 * F), i * (T1 + T2) * F);
    out.data.set(b.data.subarray(i * T2 * F, (i + 1) * T2 * F), (i * (T1 + T2) + T1) * F);
  }
  return out;
}

const toTensors = (p: ParamSet) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, tf.tensor(Float32Array.from(v.data), v.shape)]));

for (const [kind, make] of [
  ["ReLU RNN", reluRnn],
  ["LSTM", lstm],
  ["GRU", gru],
] as const) {
  test(`${kind}: a chunk's truncated gradient is autodiff of its loss with the carried state constant, not the gradient through the previous chunk`, async () => {
    await initBackend({ prefer: "cpu", log: false });
    const model = make({ hiddenSize: 6, seed: 4 });
    for (const p of Object.values(model.params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= 3;
    const data = new EchoData({ echoStep: 3, batchSize: 4, seriesLength: 40, truncatedLength: 20, seed: 8 });
    const c0 = data.chunk(0),
      c1 = data.chunk(1);
    const carried = model.lossAndGradients({ ...c0, state: model.initialState(4) }).finalState;
    const batch = { ...c1, state: carried };
    const truncated = model.lossAndGradients(batch);

    const names = Object.keys(model.params);
    const tensors = names.map((n) => toTensors(model.params)[n]);
    const asRecord = (ts: tf.Tensor[]) => Object.fromEntries(names.map((n, i) => [n, ts[i]]));
    // Autodiff with the carried state as a constant (what truncated BPTT must compute).
    const held = tf.grads((...ts: tf.Tensor[]) => model.tfLoss(tf, batch, asRecord(ts)))(tensors);
    // Autodiff of the same loss through both chunks (full BPTT: what the cut drops).
    const xs = concatTime(c0.x, c1.x);
    const through = tf.grads((...ts: tf.Tensor[]) =>
      tf.tidy(() => {
        const z = model.tfLogits(tf, asRecord(ts), xs, model.initialState(4)); // (B, 40, 1)
        const second = tf.slice(z, [0, 20, 0], [4, 20, 1]); // chunk 1's logits
        return tfBceWithLogits(tf, second, tf.tensor(Float32Array.from(c1.y.data), [4, 20, 1]));
      }),
    )(tensors);
    let worstHeld = 0,
      largestThrough = 0;
    names.forEach((n, i) => {
      const g = truncated.grads[n].data;
      worstHeld = Math.max(worstHeld, relDiff(g, held[i].dataSync()));
      largestThrough = Math.max(largestThrough, relDiff(g, through[i].dataSync()));
    });
    // float32 autodiff vs float64: seen at 1e-7…1.1e-6 (up to ~1e-5 on a cancelling bias gradient); 1e-4 keeps a margin.
    assert.ok(worstHeld < 1e-4, `truncated vs autodiff with constant state: ${worstHeld}`);
    // Through the border the gradient gains terms; if the cut leaked, these would agree too.
    assert.ok(largestThrough > 1e-3, `truncated vs full BPTT should differ, rel. diff ${largestThrough}`);
    tf.dispose([...tensors, ...held, ...through]);
  });
}

test("trainTruncated carries the state from chunk to chunk (and into the next epoch), one optimiser step per chunk", async () => {
  const model = reluRnn({ hiddenSize: 3, seed: 2 });
  const seen: RecurrentState[] = [];
  const finals: RecurrentState[] = [];
  const spy: RecurrentModel = {
    name: "spy",
    params: model.params,
    inputSize: 1,
    outputSize: 1,
    initialState: (b) => model.initialState(b),
    lossAndGradients: (batch, p) => {
      seen.push(batch.state);
      const r = model.lossAndGradients(batch, p);
      finals.push(r.finalState);
      return r;
    },
    forward: (x, s, p) => model.forward(x, s, p),
  };
  let steps = 0;
  const counting: Optimizer = { name: "count", step: () => void steps++, reset: () => undefined };
  const data = new EchoData({ echoStep: 2, batchSize: 2, seriesLength: 100, truncatedLength: 10, seed: 1 });
  const result = await trainTruncated({
    model: spy,
    data,
    optimizer: counting,
    epochs: 2,
    log: false,
    progress: false,
  });
  assert.equal(steps, 20);
  assert.equal(seen.length, 20);
  assert.ok(
    seen[0].h.data.every((v) => v === 0),
    "starts from zeros",
  );
  for (let i = 1; i < 20; i++)
    assert.equal(seen[i], finals[i - 1], `chunk ${i} starts from chunk ${i - 1}'s final state`);
  assert.equal(result.finalState, finals[19]);
  assert.equal(result.accuracy.length, 2);
  assert.equal(result.lastLoss[1], result.history[1].batchLosses[9]);
  await assert.rejects(
    trainTruncated({ model, data, optimizer: counting, epochs: 1, lr: 1 } as never),
    /trainTruncated: unknown option lr/,
  );
});

test("CarriedState: zeros before the first chunk, then each chunk's final state; evaluateTruncated carries it too", () => {
  const model = lstm({ hiddenSize: 3, seed: 1 });
  const data = new EchoData({ echoStep: 2, batchSize: 2, seriesLength: 30, truncatedLength: 10, seed: 4 });
  const carried = new CarriedState(model);
  assert.deepEqual(carried.state.h.shape, [1, 1, 3], "nothing carried yet: zeros for one row");
  const first = carried.batch(data.peekChunk(0));
  assert.deepEqual(first.state.c.shape, [1, 2, 3]);
  assert.ok(first.state.h.data.every((v) => v === 0) && first.state.c.data.every((v) => v === 0));
  const r = model.lossAndGradients(first);
  carried.carry(r.finalState);
  assert.equal(carried.batch(data.peekChunk(1)).state, r.finalState);
  // The test loop, run by hand with the model's forward, gives evaluateTruncated's numbers.
  let state = model.initialState(2),
    correct = 0;
  for (let i = 0; i < data.numChunks; i++) {
    const { x, y } = data.peekChunk(i);
    const fwd = model.forward(x, state);
    fwd.logits.data.forEach((z, k) => {
      if ((z > 0 ? 1 : 0) === y.data[k]) correct++;
    });
    state = fwd.finalState;
  }
  const ev = evaluateTruncated(model, { numChunks: data.numChunks, chunk: (i) => data.peekChunk(i) });
  assert.equal(ev.correct, correct);
  assert.deepEqual(ev.finalState.c.data, state.c.data);
});

test("a short echo-3 run (4 units, 5 epochs, seed 0) learns the echo: test accuracy ≥ 99.9 % and a true percentage", async () => {
  const opts = { echoStep: 3, batchSize: 5, seriesLength: 20000, truncatedLength: 20 };
  const model = reluRnn({ hiddenSize: 4, seed: 0 });
  const res = await trainTruncated({
    model,
    data: new EchoData({ ...opts, seed: 1 }),
    optimizer: new RmsProp({ lr: 0.001 }),
    epochs: 5,
    log: false,
    progress: false,
  });
  const ev = evaluateTruncated(model, new EchoData({ ...opts, seed: 2 }), { initialState: res.finalState });
  assert.equal(ev.total, 5 * 20000);
  assert.equal(ev.accuracy, (100 * ev.correct) / ev.total);
  assert.ok(ev.accuracy >= 99.9, `test accuracy ${ev.accuracy}`);
  assert.ok(res.accuracy[4] >= 99.9 && res.accuracy[0] < 90, `train accuracy per epoch ${res.accuracy}`);
  // And it echoes a fresh random sequence from a zero state, after the first echoStep steps.
  const x = ndarray(
    [1, 100, 1],
    Array.from({ length: 100 }, (_, i) => ((i * 7919) % 13) % 2),
  );
  const out = predictBits(model, x).data;
  let correct = 0;
  for (let t = 3; t < 100; t++) if (out[t] === x.data[t - 3]) correct++;
  assert.ok(correct >= 95, `${correct} of 97`);
  assert.match(
    formatRuns([{ name: "ReLU", trainAccuracy: 100, testAccuracy: ev.accuracy, seconds: res.seconds }]),
    /ReLU\s+100\.00%\s+\d+\.\d\d%/,
  );
});

test("gradientReach: ‖∂ℓ_T/∂h_{T−k}‖ decays geometrically through an untrained ReLU RNN; relative[0] = 1", () => {
  const data = new EchoData({ echoStep: 10, batchSize: 5, seriesLength: 400, truncatedLength: 20, seed: 3 });
  const reach = gradientReach(reluRnn({ hiddenSize: 4, seed: 1 }), data, { chunks: 10 });
  assert.equal(reach.norms.length, 20);
  assert.deepEqual(reach.k.slice(0, 3), [0, 1, 2]);
  assert.equal(reach.relative[0], 1);
  assert.ok(reach.relative[10] < 1e-2, `relative reach at k = 10: ${reach.relative[10]}`);
  assert.throws(
    () => gradientReach(reluRnn({ hiddenSize: 4 }), data, { chunks: 0 }),
    /chunks must be an integer in \[1, 20\]/,
  );
});
