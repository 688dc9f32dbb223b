// Lab 001's echo data: shapes, the echo relation (across chunk borders too), NumPy-compatible
// draws, fresh series on chunk 0, and the errors for sizes that cannot work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EchoData, echoTargets, formatBits, randomBits } from "../src/datasets/echo";
import { ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

const lab = { echoStep: 3, batchSize: 5, seriesLength: 20000, truncatedLength: 20 };

test("shapes and chunk count are the original's: x_batch (5, 20000), chunks (5, 20, 1), len 1000", () => {
  const d = new EchoData({ ...lab, seed: 0 });
  assert.deepEqual(d.xBatch.shape, [5, 20000]);
  assert.deepEqual(d.yBatch.shape, [5, 20000]);
  assert.equal(d.numChunks, 1000);
  const { x, y } = d.peekChunk(999);
  assert.deepEqual(x.shape, [5, 20, 1]);
  assert.deepEqual(y.shape, [5, 20, 1]);
});

test("bits are np.random.choice(2, p=[.5, .5]) draws: 1 where NumPy's uniform is ≥ ½", () => {
  // seed 0 → rand 0.5488…, 0.7151…, 0.6027…; seed 1 → 0.4170…, 0.7203…, 0.000114… (FACTS.md)
  assert.deepEqual([...new EchoData({ ...lab, seed: 0 }).xBatch.data.subarray(0, 3)], [1, 1, 1]);
  assert.deepEqual([...new EchoData({ ...lab, seed: 1 }).xBatch.data.subarray(0, 3)], [0, 1, 0]);
  const bits = randomBits(new NumpyRandom(5), [100000]).data;
  const mean = bits.reduce((a, b) => a + b, 0) / bits.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.ok(bits.every((b) => b === 0 || b === 1));
});

test("the target is the input echoed echoStep steps later, zeros first, and the echo crosses chunk borders", () => {
  for (const echoStep of [3, 10]) {
    const d = new EchoData({ ...lab, echoStep, seriesLength: 400, seed: 7 });
    const L = d.seriesLength;
    for (let b = 0; b < d.batchSize; b++) {
      for (let t = 0; t < L; t++) {
        const want = t < echoStep ? 0 : d.xBatch.data[b * L + t - echoStep];
        assert.equal(d.yBatch.data[b * L + t], want, `row ${b}, step ${t}`);
      }
    }
    // Chunk i's first echoStep targets are chunk i−1's last echoStep inputs.
    for (let i = 1; i < d.numChunks; i++) {
      const prev = d.peekChunk(i - 1).x,
        cur = d.peekChunk(i).y;
      for (let b = 0; b < d.batchSize; b++) {
        for (let k = 0; k < echoStep; k++) assert.equal(cur.data[b * 20 + k], prev.data[b * 20 + 20 - echoStep + k]);
      }
    }
  }
});

test("chunks are consecutive slices of the series; chunk 0 draws a fresh series, peekChunk does not", () => {
  const d = new EchoData({ ...lab, seriesLength: 200, seed: 3 });
  const before = d.xBatch.data.slice();
  assert.deepEqual([...d.peekChunk(0).x.data.subarray(0, 20)], [...before.subarray(0, 20)]);
  assert.deepEqual([...d.peekChunk(2).x.data.subarray(20, 40)], [...before.subarray(240, 260)]); // row 1, steps 40…59
  assert.deepEqual(d.xBatch.data, before, "peekChunk must not redraw");
  const first = d.chunk(0);
  assert.notDeepEqual(d.xBatch.data, before, "chunk(0) draws a fresh series");
  assert.deepEqual([...first.x.data.subarray(0, 20)], [...d.xBatch.data.subarray(0, 20)]);
  const again = d.xBatch.data.slice();
  d.chunk(5);
  assert.deepEqual(d.xBatch.data, again, "other chunks do not redraw");
  // Two data sets with the same seed draw the same streams.
  assert.deepEqual(new EchoData({ ...lab, seed: 9 }).xBatch.data, new EchoData({ ...lab, seed: 9 }).xBatch.data);
});

test("sizes that cannot work are one-line errors that say what to change", () => {
  assert.throws(
    () => new EchoData({ ...lab, seriesLength: 20001 }),
    /seriesLength 20001 is not a multiple of truncatedLength 20; use e\.g\. seriesLength 20000/,
  );
  assert.throws(
    () => new EchoData({ ...lab, echoStep: 20 }),
    /echoStep 20 is not below truncatedLength 20: truncated BPTT cuts the gradient/,
  );
  assert.doesNotThrow(() => new EchoData({ ...lab, echoStep: 25, allowEchoBeyondChunk: true }));
  assert.throws(() => new EchoData({ ...lab, echoStep: 0 }), /echoStep must be a positive integer, got 0/);
  assert.throws(() => new EchoData({ ...lab, batchSize: -5 }), /batchSize must be a positive integer, got -5/);
  assert.throws(() => new EchoData({ ...lab, truncatedLength: 2.5 }), /truncatedLength must be a positive integer/);
  assert.throws(
    () => new EchoData({ ...lab, seriesLength: 20, echoStep: 20, allowEchoBeyondChunk: true }),
    /echoStep 20 must be below seriesLength 20/,
  );
  assert.throws(() => new EchoData({ ...lab, series_length: 100 } as never), /unknown option series_length/);
  assert.throws(
    () => new EchoData({ ...lab, seriesLength: 200 }).peekChunk(10),
    /chunk index must be an integer in \[0, 9\], got 10/,
  );
});

test("echoTargets and formatBits print as the lab prints", () => {
  const x = ndarray([1, 7], [1, 0, 1, 1, 1, 0, 0]);
  // The lab's toy example: x = [1 0 1 1 1 0 0] echoed 2 steps is y = [0 0 1 0 1 1 1].
  assert.equal(formatBits(echoTargets(x, 2)), "[0 0 1 0 1 1 1]");
  assert.equal(formatBits(x, { columns: 4, brackets: false, ellipsis: true }), "1 0 1 1 ...");
});
