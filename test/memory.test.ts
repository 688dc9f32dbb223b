// Memory (issue 7): no TensorFlow.js tensor outlives the library's tfjs paths (gradient checks,
// autodiff references), the training paths create no tensors at all, and a training run's retained
// memory (JS heap and typed-array buffers, after garbage collection) does not grow with the number
// of epochs, for the models of labs 000, 001 and 002.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend";
import { gradCheck } from "../src/bptt/grad-check";
import { trainTruncated } from "../src/bptt/truncated";
import { bitSequences } from "../src/datasets/bit-sums";
import { EchoData } from "../src/datasets/echo";
import { loadEcg5000, selectSeries } from "../src/datasets/ecg5000";
import { pureSine, windowBatches } from "../src/datasets/sine";
import { gru } from "../src/models/gru";
import * as linearRnn from "../src/models/linear-rnn";
import { lstm } from "../src/models/lstm";
import { reluRnn } from "../src/models/relu-rnn";
import * as ssnn from "../src/models/ssnn";
import { VanillaRnn } from "../src/models/vanilla-rnn";
import { RmsProp } from "../src/optim/rmsprop";
import { Sgd } from "../src/optim/sgd";
import { train } from "../src/train";

const ROOT = path.resolve(__dirname, "..");

/** Runs `path` once (so lazily created tensors, if any, exist), then `times` more; returns the live-tensor count after each. */
async function tensorCounts(pathOnce: () => Promise<unknown>, times = 3): Promise<number[]> {
  await pathOnce();
  const counts = [tf.memory().numTensors];
  for (let i = 0; i < times; i++) {
    await pathOnce();
    counts.push(tf.memory().numTensors);
  }
  return counts;
}

const recurrentMakers = [
  ["ReLU RNN", reluRnn],
  ["LSTM", lstm],
  ["GRU", gru],
] as const;

test("the live TensorFlow.js tensor count is flat over repeated gradient checks of every model", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const paths: [string, () => Promise<unknown>][] = [];

  const { X, t } = bitSequences({ samples: 20, sequenceLength: 10, seed: 1 });
  paths.push([
    "linear RNN (labs 003/004)",
    () => gradCheck(new linearRnn.LinearRnn({ wx: 1.2, wRec: 1.2 }), { x: X, y: t }),
  ]);

  const sine = pureSine();
  const batch = [...windowBatches(sine, { batchSize: 8 })][0];
  const ssnnModel = ssnn.ssnn({ seed: 0 });
  paths.push(["SSNN (lab 000)", () => gradCheck(ssnnModel, batch, { maxEntries: 5 })]);

  for (const [kind, make] of recurrentMakers) {
    const model = make({ hiddenSize: 3, layers: 2, seed: 2 });
    const data = new EchoData({ echoStep: 2, batchSize: 2, seriesLength: 12, truncatedLength: 6, seed: 3 });
    const { x, y } = data.peekChunk(1);
    const state = model.initialState(2);
    paths.push([`${kind} (lab 001)`, () => gradCheck(model, { x, y, state }, { maxEntries: 3 })]);
  }

  const ecg = selectSeries(loadEcg5000("TRAIN"), [0, 1, 2, 3]);
  const vanilla = new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, bias: true, threads: 1, seed: 1 });
  paths.push(["vanilla RNN (lab 002)", () => gradCheck(vanilla, ecg, { maxEntries: 3 })]);

  const before = tf.memory().numTensors;
  for (const [name, run] of paths) {
    const counts = await tensorCounts(run);
    // Exactly equal: every tensor a check creates (parameters, intermediate ops, gradients) is disposed.
    assert.deepEqual(
      counts,
      counts.map(() => counts[0]),
      `${name}: live tensors after each repetition ${counts.join(", ")}`,
    );
  }
  // And nothing is left behind by the first runs either (tfjs creates no cached tensors on these paths).
  assert.equal(tf.memory().numTensors, before, `tensors left after all checks: ${tf.memory().numTensors - before}`);
  vanilla.dispose();
});

test("the training paths create no TensorFlow.js tensors (fused float64 loops)", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const before = tf.memory().numTensors;
  const model = reluRnn({ hiddenSize: 4, layers: 2, seed: 0 });
  const data = new EchoData({ echoStep: 3, batchSize: 5, seriesLength: 400, truncatedLength: 20, seed: 1 });
  await trainTruncated({ model, data, optimizer: new RmsProp({ lr: 0.001 }), epochs: 2, log: false, progress: false });
  const sine = pureSine();
  await train({
    model: ssnn.ssnn({ seed: 0 }),
    optimizer: new Sgd({ lr: 0.001 }),
    epochs: 2,
    progress: false,
    batches: () => windowBatches(sine, { batchSize: 32 }),
  });
  assert.equal(tf.memory().numTensors, before);
});

/**
 * The child's script: trains one small model for N epochs, collects garbage twice and records the
 * retained JS heap and typed-array memory, trains the same model 2N epochs more (3N in all) and
 * records them again. The model, optimiser and both runs' results stay alive throughout.
 */
const CHILD = `
const lab = require(${JSON.stringify(path.join(ROOT, "src", "index"))});
const [kind, epochsArg] = process.argv.slice(-2);
const n = Number(epochsArg);
function retained() {
  global.gc(); global.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}
function trainer() {
  if (kind === "ssnn") {
    const model = lab.ssnn({ seed: 0 });
    const data = lab.pureSine();
    const optimizer = new lab.Sgd({ lr: 0.001 });
    return (epochs) => lab.train({
      model, optimizer, epochs, progress: false,
      batches: () => lab.windowBatches(data, { batchSize: 32 }),
      onEpochEnd: () => { lab.ssnnRollOut(model.params, { seed: data.rollOutSeed, length: 100 }); },
    });
  }
  if (kind === "vanilla") {
    const rows = Array.from({ length: 64 }, (_, i) => i * 7);
    const data = lab.selectSeries(lab.loadEcg5000("TEST"), rows);
    const net = new lab.VanillaRnn({ inputSize: 1, hiddenSize: 16, outputSize: 5, bias: true, threads: 2, seed: 0 });
    const rng = new lab.NumpyRandom(0);
    const optimizer = new lab.Sgd({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
    return (epochs) => lab.train({
      name: "vanilla", params: net.params, optimizer, clipNorm: 1, epochs, progress: false,
      batches: () => { const o = rng.permutation(64); return [0, 1, 2, 3].map((b) => o.slice(b * 16, (b + 1) * 16)); },
      step: (rows) => net.lossAndGradients({ ...data, rows }),
      evaluate: () => ({ testLoss: net.evaluate(data).loss }),
    });
  }
  const make = { relu: () => lab.reluRnn({ hiddenSize: 8, layers: 2, seed: 0 }), lstm: () => lab.lstm({ hiddenSize: 8, seed: 0 }), gru: () => lab.gru({ hiddenSize: 8, seed: 0 }) }[kind];
  const model = make();
  const data = new lab.EchoData({ echoStep: 3, batchSize: 5, seriesLength: 2000, truncatedLength: 20, seed: 1 });
  const optimizer = new lab.RmsProp({ lr: 0.001 });
  let state;
  return async (epochs) => {
    const r = await lab.trainTruncated({ model, data, optimizer, epochs, initialState: state, log: false, progress: false });
    state = r.finalState;
    return r;
  };
}
(async () => {
  const run = trainer();
  const kept = [await run(n)];
  const after = retained();
  kept.push(await run(2 * n));
  console.log(JSON.stringify({ after: [after, retained()], runs: kept.length }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Retained memory after N and after 3N epochs of one training, in one child process. */
function retained(kind: string, epochs: number): { heapUsed: number; arrayBuffers: number }[] {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "-e", CHILD, "--", kind, String(epochs)], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `child (${kind}, ${epochs} epochs) failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!).after;
}

// Epochs N and 3N; steps per epoch: SSNN 12, vanilla 4 (+ an evaluation), recurrent 100 chunks.
const HEAP_RUNS: [string, number][] = [
  ["ssnn", 10],
  ["vanilla", 5],
  ["relu", 5],
  ["lstm", 5],
  ["gru", 5],
];

for (const [kind, n] of HEAP_RUNS) {
  test(`${kind}: retained memory after ${n} and ${3 * n} epochs is the same (nothing accumulates per step)`, () => {
    const [a, b] = retained(kind, n);
    // Slack 512 KB of JS heap: the run's history grows by design (one record per epoch with its
    // batch losses, a few KB here) and V8 keeps more optimised code after more iterations. A leak of
    // one chunk's worth of values per step (≥ 800 bytes × ≥ 80 extra steps) would pass it only
    // for the smallest buffers, and the typed-array bound below catches those: 64 KB of
    // ArrayBuffer memory, where an extra step's worth of any buffer times the extra steps is larger.
    const heapGrowth = b.heapUsed - a.heapUsed;
    const bufferGrowth = b.arrayBuffers - a.arrayBuffers;
    assert.ok(
      heapGrowth < 512 * 1024,
      `${kind}: JS heap grew ${(heapGrowth / 1024).toFixed(0)} KB from ${n} to ${3 * n} epochs`,
    );
    assert.ok(
      bufferGrowth < 64 * 1024,
      `${kind}: typed-array memory grew ${(bufferGrowth / 1024).toFixed(0)} KB from ${n} to ${3 * n} epochs`,
    );
  });
}
