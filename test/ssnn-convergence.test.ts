// Lab 000's run recorder (src/models/ssnn-run.ts) against a plain SGD loop written here, and the
// figures built from it (src/plot/ssnn-convergence.ts, src/plot/ticks.ts) as JSON: the GIF frame, the
// epoch explorer (a range-bound parameter, tooltips only in a browser, its default view the same
// pixels as the last frame, another epoch other pixels), and the widths that fit a notebook column.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { pureSine, threeHarmonics, windowBatches } from "../src/datasets/sine";
import { ssnn, ssnnLastOutputLoss, ssnnRollOut, observabilityDeterminant } from "../src/models/ssnn";
import { type SsnnRun, compareRollOutWindows, describeSsnnRun, recordSsnnRun } from "../src/models/ssnn-run";
import { Sgd } from "../src/optim/sgd";
import { train } from "../src/train";
import { hconcat } from "../src/plot/compose";
import { decadeTicks, epochTicks } from "../src/plot/ticks";
import {
  rollOutWindowsChart,
  ssnnBatchLogChart,
  ssnnConvergenceExplorer,
  ssnnTrainingFrame,
  ssnnTrainingFrames,
} from "../src/plot/ssnn-convergence";
import { compileSpec, renderSvg } from "../src/render/svg";
import { svgToRgba } from "../src/render/png";
import { linePoints } from "./support/line-points";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function recordedRun(epochs: number, data = pureSine(), name = "SSNN, pure sine"): Promise<SsnnRun> {
  const model = ssnn({ seed: 0, name });
  const run = recordSsnnRun(model, data, { rollOutLength: 100 });
  await train({
    model,
    optimizer: new Sgd({ lr: 0.001 }),
    epochs,
    progress: false,
    batches: () => windowBatches(data, { batchSize: 32 }),
    step: run.step,
    onEpochEnd: run.onEpochEnd,
  });
  return run;
}

const svgWidth = (svg: string) => Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);

test("the recorder logs what a plain SGD loop over the same batches computes, det(O) before each update", async () => {
  const epochs = 3;
  const run = await recordedRun(epochs);
  // The same training written out: per batch det(O), loss and gradients at the current weights, then w ← w − lr·g.
  const data = pureSine();
  const p = ssnn({ seed: 0 }).params;
  const batchLoss: number[] = [],
    batchDetO: number[] = [],
    epochDetO: number[] = [],
    rollOuts: number[][] = [];
  for (let e = 0; e < epochs; e++) {
    for (const batch of windowBatches(data, { batchSize: 32 })) {
      batchDetO.push(observabilityDeterminant(p));
      const { loss, grads } = ssnnLastOutputLoss(p, batch);
      batchLoss.push(loss);
      for (const k of ["A", "B", "C", "D"] as const)
        for (let i = 0; i < p[k].data.length; i++) p[k].data[i] -= 0.001 * grads[k].data[i];
    }
    epochDetO.push(observabilityDeterminant(p));
    rollOuts.push([...ssnnRollOut(p, { seed: data.rollOutSeed, length: 100 })]);
  }
  assert.equal(run.epochs, epochs);
  assert.deepEqual(run.batchLoss, batchLoss);
  assert.deepEqual(run.batchDetO, batchDetO);
  assert.deepEqual(run.epochDetO, epochDetO);
  assert.deepEqual(
    run.rollOuts.map((r) => [...r]),
    rollOuts,
  );
  assert.deepEqual(run.model.params, p, "the model was trained in place");
  for (let e = 0; e < epochs; e++) {
    const mean = batchLoss.slice(12 * e, 12 * (e + 1)).reduce((a, b) => a + b, 0) / 12;
    assert.equal(run.epochLoss[e], mean, `epoch ${e}: mean batch loss`);
  }
  assert.equal(
    describeSsnnRun(run).replace(/ in [\d.]+ s;/, " in T s;"),
    `SSNN, pure sine: 3 epochs × 12 batches in T s; loss (epoch mean) ${run.epochLoss[0].toPrecision(4)} → ${run.epochLoss[2].toPrecision(4)}; ` +
      `det(O) ${batchDetO[0].toExponential(3)} → ${epochDetO[2].toExponential(3)}`,
  );
  assert.throws(() => describeSsnnRun(recordSsnnRun(ssnn(), data)), /has no epoch recorded yet/);
  assert.throws(
    () => recordSsnnRun(ssnn(), data, { plotSize: 3 } as never),
    /^Error: recordSsnnRun: unknown option plotSize; options are rollOutLength$/,
  );
});

test("compareRollOutWindows: the lab's windows of 10 and training-length windows, with their largest errors", async () => {
  const run = await recordedRun(2);
  const w = compareRollOutWindows(run);
  assert.deepEqual([w.seedWindow, w.trainingWindow], [10, 20]);
  assert.deepEqual([...w.seedWindows], [...run.rollOuts[1]], "the lab's roll-out after the last epoch");
  const truth = run.data.continuation;
  assert.deepEqual([...w.trainingWindows.subarray(0, 20)], [...truth.subarray(0, 20)], "seeded with 20 true samples");
  let worst = 0;
  for (let t = 20; t < 100; t++) worst = Math.max(worst, Math.abs(w.trainingWindows[t] - truth[t]));
  assert.equal(w.trainingWindowsError, worst);
});

test("ticks: decades inside the range (at most 3), epoch ticks at round steps", () => {
  // 10¹ … 10⁻³²: 34 decades; every 20th from 10⁰ keeps 2.
  assert.deepEqual(decadeTicks([1e-32, 20]), [1, 10 ** -20]);
  assert.deepEqual(decadeTicks([0.01, 20]), [1, 0.01]);
  assert.deepEqual(decadeTicks([0.5, 2000]), [100, 1], "10⁰ … 10³: four decades, every second one");
  assert.equal(decadeTicks([2, 8]), undefined, "no power of ten inside: Vega's own ticks");
  assert.deepEqual(epochTicks(10), [1, 5, 10]);
  assert.deepEqual(epochTicks(200), [1, 50, 100, 150, 200]);
  assert.deepEqual(epochTicks(3), [1, 2, 3]);
});

test("the GIF frame: roll-out over the truth, loss so far on a fixed log axis, the epoch's numbers below", async () => {
  const run = await recordedRun(4);
  const frame = ssnnTrainingFrame(run, 1) as Json;
  assert.deepEqual(
    frame.vconcat.map((p: Json) => p.title.text),
    ["Output over time", "Loss over epoch"],
  );
  assert.equal(
    frame.title.text,
    `epoch 2/4 · loss ${run.epochLoss[1].toPrecision(3)} · det(O) ${run.epochDetO[1].toExponential(2)}`,
  );
  assert.equal(frame.title.orient, "bottom");
  const [output, loss] = frame.vconcat;
  assert.deepEqual(
    linePoints(output)
      .filter((r) => r.series === "roll-out")
      .map((r) => r.y),
    [...run.rollOuts[1]].map((v) => Number(v.toPrecision(6))),
  );
  assert.deepEqual(
    linePoints(loss).map((r) => r.x),
    [1, 2],
    "the loss up to epoch 2",
  );
  const lo = Math.min(...run.epochLoss) / 1.5,
    hi = Math.max(...run.epochLoss) * 1.5;
  assert.deepEqual(loss.encoding.y.scale.domain, [lo, hi], "the same loss axis in every frame");
  assert.equal(ssnnTrainingFrames(run).length, 4);
  assert.throws(
    () => ssnnTrainingFrame(run, 4),
    /epoch must be an integer in \[0, 3\] \(counted from 0; SSNN, pure sine has 4 epochs\), got 4/,
  );
});

test("the explorer: an epoch slider, tooltips in the browser only, and at its default the last frame's pixels", async () => {
  const run = await recordedRun(5);
  const spec = ssnnConvergenceExplorer(run) as Json;
  assert.deepEqual(spec.params, [
    { name: "epoch", value: 5, bind: { input: "range", min: 1, max: 5, step: 1, name: "epoch " } },
  ]);
  assert.deepEqual(spec.usermeta.embedOptions, {
    actions: { export: true, source: false, compiled: false, editor: false },
  });
  const [output, loss] = spec.vconcat;
  // One row per epoch holding its roll-out; the panel picks the slider's epoch and unfolds it.
  assert.deepEqual(
    output.data.values.map((r: Json) => r.epoch),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    output.data.values[2]["roll-out"],
    [...run.rollOuts[2]].map((v) => Number(v.toPrecision(6))),
  );
  assert.deepEqual(output.transform[0], { filter: "datum.epoch == epoch" });
  assert.deepEqual(
    loss.layer.map((l: Json) => l.transform?.[0]?.filter),
    ["datum.x <= epoch", "datum.x >= epoch", "isDefined(screen().width)"],
  );
  const hovers = [output.layer[1], loss.layer[2]];
  for (const h of hovers) {
    assert.equal(h.mark.type, "rule");
    assert.equal(h.params[0].select.nearest, true);
    assert.ok(h.encoding.tooltip.length >= 3, "a tooltip with x and the values");
  }
  const captions = JSON.parse(spec.title.text.expr.replace(/\[epoch - 1\]$/, ""));
  assert.deepEqual(
    captions,
    run.epochLoss.map((_, e) => (ssnnTrainingFrame(run, e) as Json).title.text),
  );
  assert.deepEqual(compileSpec(spec as TopLevelSpec).warnings, [], "Vega-Lite compiles it without warnings");

  // Drawn in Node (no browser: no hover layers), the default view is the last GIF frame to the pixel…
  const pixels = (svg: string) => svgToRgba(svg, { scale: 1 });
  const last = pixels(await renderSvg(ssnnTrainingFrame(run, 4)));
  const shown = pixels(await renderSvg(spec as TopLevelSpec));
  assert.deepEqual([shown.width, shown.height], [last.width, last.height]);
  assert.ok(Buffer.from(shown.data).equals(Buffer.from(last.data)), "default view = last frame");
  // … and moving the slider to epoch 2 draws epoch 2's roll-out (the frame of epoch 2 plus the faint rest of the loss curve).
  const view = new vega.View(vega.parse(compileSpec(spec as TopLevelSpec).vega), { renderer: "none" });
  await view.runAsync();
  const atDefault = await view.toSVG();
  view.signal("epoch", 2);
  await view.runAsync();
  const atTwo = await view.toSVG();
  view.finalize();
  assert.notEqual(atTwo, atDefault);
  assert.ok(atTwo.includes(`epoch 2/5 · loss ${run.epochLoss[1].toPrecision(3)}`), "the caption follows the slider");
  const frameTwo = await renderSvg(ssnnTrainingFrame(run, 1));
  const rollOutLine = (svg: string) =>
    /<path[^>]*aria-roledescription="line mark" d="([^"]+)"[^>]*stroke="#0000ff"/.exec(svg)?.[1];
  assert.ok(
    rollOutLine(frameTwo) !== undefined && rollOutLine(atTwo) === rollOutLine(frameTwo),
    "the blue roll-out is drawn as in frame 2",
  );
  assert.notEqual(rollOutLine(atDefault), rollOutLine(atTwo));
});

test("every figure of lab 000 fits a notebook column (≤ 960 px)", async () => {
  const sine = await recordedRun(3);
  const harmonics = await recordedRun(2, threeHarmonics(), "SSNN, 3 harmonics");
  const figures: [string, TopLevelSpec][] = [
    ["frame", ssnnTrainingFrame(harmonics, 1)],
    ["explorer", ssnnConvergenceExplorer(harmonics)],
    ["batch logs", ssnnBatchLogChart([sine, harmonics])],
    ["roll-out windows", hconcat([sine, harmonics].map((r) => rollOutWindowsChart(r, compareRollOutWindows(r))))],
  ];
  for (const [name, spec] of figures) {
    const width = svgWidth(await renderSvg(spec));
    assert.ok(width > 300 && width <= 960, `${name}: ${width} px wide`);
  }
});
