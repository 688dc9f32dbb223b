// Lab 000's data: the windowed pure sine and three harmonics (counts as torch's arange + unfold give
// them), the roll-out seed right after the training signal, and batches that keep every window.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  harmonicSignal,
  originalBatchSizes,
  pureSine,
  threeHarmonics,
  windowBatches,
  windowedSignal,
} from "../src/datasets/sine";

test("pure sine: 400 samples of 5·sin(0.5·i), 380 windows of 20 and their next sample", () => {
  const d = pureSine();
  assert.equal(d.signal.length, 400); // torch.arange(0, 200, 0.5)
  assert.deepEqual(d.x.shape, [380, 20, 1]); // unfold(0, 21, 1) → 380 windows
  assert.deepEqual(d.y.shape, [380, 1]);
  assert.equal(d.signal[3], 5 * Math.sin(1.5));
  // Window 7 starts at sample 7; its target is sample 27.
  assert.deepEqual([...d.x.data.subarray(7 * 20, 8 * 20)], [...d.signal.subarray(7, 27)]);
  assert.equal(d.y.data[7], d.signal[27]);
  assert.equal(d.y.data[379], 5 * Math.sin(199.5));
  assert.equal(d.peak, 5);
});

test("three harmonics: 5·sin t + 2·sin(t/3) + sin(t/5), 800 samples, 760 windows of 40", () => {
  const d = threeHarmonics();
  assert.deepEqual(d.x.shape, [760, 40, 1]);
  const t = 0.5 * 123;
  assert.equal(d.signal[123], 5 * Math.sin(t) + 2 * Math.sin(t / 3) + Math.sin(t / 5));
  assert.equal(d.peak, 8);
});

test("roll-out seed: the 10 true samples right after the training signal; continuation to 100 points", () => {
  const d = pureSine();
  assert.equal(d.rollOutSeed.length, 10);
  assert.equal(d.continuation.length, 100);
  // torch.arange(200, 205, 0.5): t = 200, 200.5, …
  assert.deepEqual(
    [...d.rollOutSeed],
    Array.from({ length: 10 }, (_, i) => 5 * Math.sin(200 + 0.5 * i)),
  );
  assert.equal(d.continuation[99], 5 * Math.sin(200 + 0.5 * 99));
  const h = threeHarmonics();
  assert.equal(h.rollOutSeed[0], harmonicSignal(h.options.harmonics, 400));
});

test("batches: consecutive, 32 each, the last one keeps every remaining window", () => {
  const d = pureSine();
  const batches = [...windowBatches(d, { batchSize: 32 })];
  assert.deepEqual(
    batches.map((b) => b.x.shape[0]),
    [...Array(11).fill(32), 28],
  );
  assert.equal(
    batches.reduce((s, b) => s + b.y.shape[0], 0),
    380,
  );
  const last = batches[11];
  assert.equal(last.start, 352);
  assert.deepEqual(last.x.shape, [28, 20, 1]);
  assert.equal(last.y.data[27], d.y.data[379], "the final window is in");
  assert.deepEqual([...batches[1].x.data.subarray(0, 20)], [...d.x.data.subarray(32 * 20, 33 * 20)]);
  // The original's loop: 11 full batches then [352:-1], 27 windows.
  assert.deepEqual(originalBatchSizes(380, 32), [...Array(11).fill(32), 27]);
  assert.deepEqual(originalBatchSizes(760, 32), [...Array(23).fill(32), 23]);
  assert.deepEqual(originalBatchSizes(64, 32), [32, 32, 0], "an exact multiple left the original an empty last batch");
  assert.deepEqual([...windowBatches({ x: d.x, y: d.y }, { batchSize: 380 })].length, 1);
});

test("bad options are refused with a one-line reason", () => {
  assert.throws(
    () => pureSine({ window: 400 }),
    /^RangeError: windowedSignal: window must be an integer in \[1, 399\] for 400 samples, got 400$/,
  );
  assert.throws(
    () => windowedSignal({ length: 10, step: 0.5, window: 3, harmonics: [], seedLength: 2 }),
    /harmonics must be a non-empty list/,
  );
  assert.throws(() => pureSine({ widow: 3 } as never), /^Error: windowedSignal: unknown option widow; options are /);
  assert.throws(
    () => windowBatches(pureSine(), { batchSize: 0 }).next(),
    /batchSize must be a positive integer, got 0/,
  );
});
