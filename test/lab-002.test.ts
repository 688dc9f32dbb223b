// Lab 002 end to end: the headless runner executes the notebook with its short preset (256 random
// rows of each file, a few epochs), and what it shows is checked: shapes, the reference BPTT's source
// and its agreement with the fast path, the gradient check, the mirrored run's numbers (recomputed
// here with the library: the run is deterministic and does not depend on the thread count), the
// charts and the heartbeat explorer.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Cell, type Output, runNotebooks, streamText } from "./support/notebook-run";
import { loadEcg5000, rowsPerClass, selectSeries } from "../src/datasets/ecg5000";
import { VanillaRnn } from "../src/models/vanilla-rnn";
import { NumpyRandom } from "../src/random";
import { Sgd } from "../src/optim/sgd";
import { train } from "../src/train";
import { linePoints } from "./support/line-points";

const NAME = "002-bptt-from-scratch-ecg5000";
const { run, out } = runNotebooks([NAME], { prefix: "bptt-lab-002-" });
const printed = streamText;

test("the runner executes lab 002 (short preset) without error", () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  assert.ok(fs.existsSync(path.join(out, `${NAME}.ipynb`)));
  assert.ok(fs.existsSync(path.join(out, `${NAME}.html`)));
});

test("lab 002 prints the data shapes, the failure of the original's weights and a passing gradient check", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.ipynb`), "utf8"));
  const text = printed(nb);
  // The original prints ((140, 4500, 1), (4500, 5), (140, 500, 1), (500, 5)); the short preset keeps 256 rows of each.
  assert.ok(text.includes("((140, 256, 1), (256, 5), (140, 256, 1), (256, 5))"), text.slice(0, 600));
  assert.match(text, /U\(0, 1\) weights \(original\): 2 distinct outputs for 256 test sequences/);
  assert.match(text, /U\(±1\/√H\) weights \(ours\): 256 distinct outputs for 256 test sequences/);
  assert.match(text, /^16 beats, 1 chunk\(s\) of the fast path: identical to the bit$/m);
  assert.match(
    text,
    /^64 beats, 4 chunk\(s\) of the fast path: (identical to the bit|largest difference \d\.\de-1[4-6] of the largest gradient entry)$/m,
  );
  assert.match(text, /^outputs y: identical$/m);
  assert.match(
    text,
    /No gradient errors found \(largest relative error: \d\.\de-(9|1\d) against finite differences, \d\.\de-\d+ against autodiff/,
  );
  assert.match(text, /standard split, test accuracy/);
  assert.match(text, /notebook ran in \d+\.\d s \(\d+\.\d s of CPU\); peak memory \d+ MB/);
  // The reference BPTT, shown from src/ where the original had its class.
  const markdown = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .map((o: Output) => o.data?.["text/markdown"])
    .filter(Boolean)
    .map(String);
  assert.ok(
    markdown.some(
      (m: string) =>
        m.includes("src/models/vanilla-rnn-reference.ts") && m.includes("export function vanillaRnnReferenceBptt("),
    ),
    "showSource output",
  );
  // Two charts of the mirrored run, one of the going-further run and the explorer, each with a static fallback.
  const charts = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .filter((o: Output) => o.data?.["application/vnd.vegalite.v5+json"]);
  assert.equal(charts.length, 4);
  for (const c of charts) assert.ok(c.data?.["image/svg+xml"] || c.data?.["image/png"]);
  // Epochs count from 1 on every chart (the mirrored charts counted from 0 before).
  const mse = charts[0].data!["application/vnd.vegalite.v5+json"];
  assert.deepEqual([...new Set(linePoints(mse).map((v) => v.x))], [1, 2, 3]);
});

test("the mirrored run's printed numbers are what the library computes for the same run", async () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.ipynb`), "utf8"));
  const text = printed(nb);
  // The notebook's short preset: subset 256 (seeded random rows), 3 full-batch epochs, the lab's hyper-parameters.
  // The subset drawn independently of loadEcg5000's own option: a seeded permutation's first 256 rows.
  const pick = (split: "TRAIN" | "TEST") => {
    const data = loadEcg5000(split);
    return selectSeries(data, new NumpyRandom(0).permutation(data.y.shape[0]).slice(0, 256));
  };
  const tr = pick("TEST"),
    ts = pick("TRAIN");
  const model = new VanillaRnn({ inputSize: 1, hiddenSize: 100, outputSize: 5, seed: 0 });
  const { history } = await train({
    model,
    optimizer: new Sgd({ lr: 0.01, momentum: 0.9, weightDecay: 0.0001 }),
    clipNorm: 0.8,
    epochs: 3,
    progress: false,
    batches: () => [tr],
    evaluate: () => {
      const e = model.evaluate(ts);
      return { testLoss: e.loss, testAccuracy: e.accuracy };
    },
  });
  model.dispose();
  const last = history[2];
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
  const expected =
    `mirrored run, 3 epochs: train MSE ${last.loss.toFixed(4)}, accuracy ${pct(last.metrics.accuracy)}; ` +
    `test MSE ${last.metrics.testLoss.toFixed(4)}, accuracy ${pct(last.metrics.testAccuracy)}`;
  assert.ok(text.includes(expected), `expected "${expected}" in\n${text}`);
  // The loss went down over the three updates.
  assert.ok(history[2].loss < history[0].loss);
});

test("the going-further runs print accuracies that their charts and tables agree with", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.ipynb`), "utf8"));
  const text = printed(nb);
  const lab = /going further, lab split \(train 256, test 256\): test accuracy (\d+\.\d\d) %/.exec(text);
  assert.ok(lab, text);
  // 3 epochs on 256 rows already beat the majority class (57 % of this subset) by far.
  assert.ok(Number(lab[1]) > 75, lab[0]);
  const standard = /going further, standard split \(train 256, test 256\): test accuracy (\d+\.\d\d) %/.exec(text);
  assert.ok(standard, text);
  assert.ok(text.includes(`${standard[1].padStart(6)} %  this notebook: vanilla tanh RNN, hand-written BPTT`));
  // The chart's last test-accuracy point is the printed figure (the going-further chart: two panels side by side).
  type Panels = { hconcat?: unknown[] };
  const chart = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .map((o: Output) => o.data?.["application/vnd.vegalite.v5+json"] as Panels | undefined)
    .find((spec: Panels | undefined) => spec?.hconcat?.length === 2) as Required<Panels>;
  const accuracy = linePoints(chart.hconcat[1]).filter((v) => v.series === "ts_accuracy");
  assert.deepEqual(
    accuracy.map((v) => v.x),
    [1, 2, 3],
  );
  assert.ok(Math.abs(100 * Number(accuracy[2].y) - Number(lab[1])) < 0.01, `${accuracy[2].y} vs ${lab[1]}`);
});

test("the heartbeat explorer: a dropdown over five test beats of each class, its data small", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, `${NAME}.ipynb`), "utf8"));
  const explorer = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .map((o: Output) => o.data)
    .find((d: Output["data"]) => {
      const spec = d?.["application/vnd.vegalite.v5+json"] as { params?: { name: string }[] } | undefined;
      return spec?.params?.some((p) => p.name === "beat");
    });
  assert.ok(explorer, "an output with the explorer's spec");
  assert.ok(explorer["image/png"], "a static PNG beside it");
  const spec = explorer["application/vnd.vegalite.v5+json"] as {
    params: { bind: { input: string; options: number[] } }[];
    datasets: { beats: unknown[]; hidden: { h: string }[] };
    usermeta: unknown;
  };
  // The short preset's test set: 256 random rows of the 500-row file; five of each class where there are five.
  const ts = selectSeries(loadEcg5000("TRAIN"), new NumpyRandom(0).permutation(500).slice(0, 256));
  const beats = rowsPerClass(ts, 5).length;
  assert.equal(spec.datasets.beats.length, beats);
  assert.equal(spec.params[0].bind.input, "select");
  assert.deepEqual(
    spec.params[0].bind.options,
    Array.from({ length: beats }, (_, i) => i),
  );
  assert.deepEqual(spec.usermeta, {
    embedOptions: { actions: { export: true, source: false, compiled: false, editor: false } },
  });
  assert.equal(spec.datasets.hidden.length, beats * 12); // the 12 most varying hidden units per beat
  for (const { h } of spec.datasets.hidden) {
    const values = h.split(" ").map(Number); // h_1 … h_140 in thousandths
    assert.ok(values.length === 140 && values.every((v) => Number.isInteger(v) && Math.abs(v) <= 1000), h.slice(0, 80));
  }
  assert.ok(JSON.stringify(spec).length < 300_000, `${JSON.stringify(spec).length} bytes`);
});
