// Lab 001 end to end: the headless runner executes notebooks/001-signal-echoing.ipynb with the short
// preset (echo 3 at full size; the echo-10 runs on shorter streams and fewer epochs) and its printed
// numbers are checked. Every draw is seeded, so they are reproducible to the digit.
// Needs the built library (dist/), as `npm test` builds it first.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Cell, type Output, runNotebooks, streamText } from "./support/notebook-run";

const name = "001-signal-echoing";
const { run, out, read } = runNotebooks([name], { prefix: "bptt-lab-001-" });
const nb = run.status === 0 ? read(name) : { cells: [] as Cell[] };
const text = streamText(nb);

/** Test accuracies in the order the runs print them. */
const testAccuracies = [...text.matchAll(/^Test accuracy: ([\d.]+)%$/gm)].map((m) => Number(m[1]));

test("the runner executes lab 001 with the short preset", () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  assert.ok(fs.existsSync(path.join(out, `${name}.html`)));
  const whole = /whole notebook: (\d+) s/.exec(text);
  assert.ok(whole, "prints the notebook's run time");
  assert.match(text, /backend: (wasm|cpu|node|node-gpu) \(TensorFlow\.js/);
});

test("data: the original's sizes, NumPy-compatible seeded bits, chunks of (5, 20, 1)", () => {
  assert.ok(text.includes("1000\n1000\n"), "numChunks and seriesLength / T");
  // Seed 1's first NumPy uniforms are 0.417…, 0.720…, 0.0001…: bits 0 1 0.
  assert.ok(text.includes("(1st input sequence)  x: 0 1 0 0 0 0 0 0 0 1 0 1 0 1 0 1 0 1 0 0 ... "), text.slice(0, 600));
  assert.ok(text.includes("(1st target sequence) y: 0 0 0 0 1 0 0 0 0 0 0 0 1 0 1 0 1 0 1 0 ... "));
  assert.ok(text.includes("x_batch size: (5, 20000)"));
  assert.ok(text.includes("1st x_chunk size: (5, 20, 1)"));
  assert.ok(text.includes("[0 0 0 0 1 0 0 0 0 0 0 0 1 0 1 0 1 0 1 0]"), "first y chunk row");
});

test("the hand-derived BPTT passes its check against finite differences and autodiff, and equals the reference loops to the bit", () => {
  assert.ok(text.includes("No gradient errors found"));
  // 2 layers × 4 units: 4 + 16 + 4 + 4 + 16 + 16 + 4 + 4 weights and biases, the read-out's 4 + 1, and the loss.
  assert.ok(
    text.includes(
      "fused vs reference BPTT on this chunk: 74 of 74 numbers (the loss and every gradient entry) identical to the bit",
    ),
    text,
  );
  const source = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .find((o: Output) => String(o.data?.["text/markdown"] ?? "").includes("reluReferenceLayer"));
  assert.ok(source, "the reference layer's source is shown");
  assert.match(
    String(source.data?.["text/markdown"]),
    /```typescript[\s\S]*export const reluReferenceLayer: ReferenceLayer/,
  );
});

test("echo 3 over initial-weight seeds (the short preset's 0, 1, 2): seed 0 is the run above", () => {
  const rows = [...text.matchAll(/^ {2,3}(\d+) +([\d.]+)% +([\d.]+)%$/gm)].map((m) => ({
    seed: Number(m[1]),
    train: Number(m[2]),
    test: Number(m[3]),
  }));
  assert.deepEqual(
    rows.map((r) => r.seed),
    [0, 1, 2],
    text,
  );
  assert.equal(rows[0].test, testAccuracies[0], "the parallel run of seed 0 equals the notebook's echo-3 run");
  assert.ok(
    rows.some((r) => r.test < 90),
    `some seed stalls: ${rows.map((r) => r.test)}`,
  );
});

test("echo 3 is learned: 100 % train and test accuracy, and the random sequence is echoed", () => {
  assert.ok(text.includes("Train Epoch: 1/5, loss: 0.308, accuracy 75.9%"), text);
  assert.ok(text.includes("Train Epoch: 5/5, loss: 0.000, accuracy 100.0%"));
  assert.ok(testAccuracies[0] >= 99.9, `echo 3 test accuracy ${testAccuracies[0]}`);
  assert.ok(text.includes("Number of correct echoing digits from the 97 : \n97\n"));
});

test("echo 10: the ReLU RNNs stay at chance, the gated cells do better (short runs)", () => {
  assert.equal(testAccuracies.length, 6, `six runs print a test accuracy: ${testAccuracies}`);
  const [, relu4, relu60, reluDeep, lstm, gru] = testAccuracies;
  for (const acc of [relu4, relu60, reluDeep]) assert.ok(acc > 45 && acc < 55, `ReLU RNN at ${acc} %`);
  // 10 epochs of 50 chunks are too few for ≥ 99 % (the full run gets there); they already leave chance.
  for (const acc of [lstm, gru]) assert.ok(acc > 55, `gated cell at ${acc} %`);
  // The closing table lists every run with its time.
  for (const run of [
    "ReLU RNN (4 units), echo 3",
    "ReLU RNN (6 layers × 60 units), echo 10",
    "LSTM (16 units), echo 10",
    "GRU (16 units), echo 10",
  ]) {
    assert.match(text, new RegExp(`${run.replace(/[()×]/g, ".")}\\s+[\\d.]+%\\s+[\\d.]+%\\s+[\\d.]+ s`));
  }
});

test("gradient reach: after training the gated cells carry the error 10 steps back, the ReLU RNNs do not", () => {
  const rows = [...text.matchAll(/^ {2}(.+?)\s+([\d.]+e[+-]\d+) → ([\d.]+e[+-]\d+)$/gm)].map((m) => ({
    name: m[1],
    before: Number(m[2]),
    after: Number(m[3]),
  }));
  assert.equal(rows.length, 5, text);
  for (const r of rows.slice(0, 3)) assert.ok(r.after < 1e-2, `${r.name}: ${r.after}`);
  for (const r of rows.slice(3))
    assert.ok(r.after > 10 * Math.max(...rows.slice(0, 3).map((x) => x.after)), `${r.name}: ${r.after}`);
});

test("every chart is a Vega-Lite spec with a static image beside it: echo 3, echo 10, side by side, gradient reach, its explorable", () => {
  const charts = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .filter((o: Output) => o.output_type === "display_data" && o.data?.["application/vnd.vegalite.v5+json"]);
  assert.equal(charts.length, 5);
  for (const c of charts) assert.ok(c.data?.["image/svg+xml"] || c.data?.["image/png"]);
  // The explorable: a slider over k and a dropdown of the five echo-10 models, embed options in the spec.
  const explorable = charts[4].data?.["application/vnd.vegalite.v5+json"] as {
    params: { name: string; bind: { input: string; options?: string[]; max?: number } }[];
    usermeta: unknown;
  };
  assert.deepEqual(
    explorable.params.map((p) => [p.name, p.bind.input]),
    [
      ["stepsBack", "range"],
      ["pickedModel", "select"],
    ],
  );
  assert.equal(explorable.params[0].bind.max, 19);
  assert.deepEqual(explorable.params[1].bind.options, [
    "ReLU RNN (4 units)",
    "ReLU RNN (60 units)",
    "ReLU RNN (6 layers × 60 units)",
    "LSTM (16 units)",
    "GRU (16 units)",
  ]);
  assert.deepEqual(explorable.usermeta, {
    embedOptions: { actions: { export: true, source: false, compiled: false, editor: false } },
  });
  // The accuracy curves highlight a run on legend click.
  const curves = charts[2].data?.["application/vnd.vegalite.v5+json"] as { layer: { params?: { bind?: string }[] }[] };
  assert.equal(curves.layer[0].params?.[0].bind, "legend");
});

test("the 4-unit gated cells and the weights of every echo-10 net are printed; so is the share of zeros in the test targets", () => {
  assert.match(text, /^LSTM \(4 units\) +117 +[\d.]+% +[\d.]+%$/m);
  assert.match(text, /^GRU \(4 units\) +89 +[\d.]+% +[\d.]+%$/m);
  for (const [name, n] of [
    ["LSTM \\(16 units\\)", 1233],
    ["GRU \\(16 units\\)", 929],
    ["ReLU RNN \\(60 units\\)", 3841],
    ["ReLU RNN \\(6 layers × 60 units\\)", 40441],
  ] as const) {
    assert.match(text, new RegExp(`^${name} +${n}$`, "m"));
  }
  assert.match(text, /^echo-10 test targets: [\d.]+ % zeros$/m);
});

test("seeds: the extra seed's runs (trained on worker threads) are in the table, with every model", () => {
  // The short preset trains seed 2 of each model through trainAndTestInParallel, in plain Node
  // when the notebook runs in the tslab kernel (test/jupyter.test.ts) as here.
  for (const model of ["GRU \\(16 units\\)", "LSTM \\(16 units\\)", "ReLU RNN \\(60 units\\)"]) {
    assert.match(
      text,
      new RegExp(`^\\s+2  ${model}\\s+[\\d.]+%\\s+\\d\\.\\de[+-]\\d+$`, "m"),
      `seed 2 row for ${model}`,
    );
  }
});
