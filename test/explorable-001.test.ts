// Lab 001's interactive figures as JSON (issue 13): every line chart's hover tooltip and legend-click
// highlight (src/plot/lines.ts, shared by all labs), and the gradient-reach explorable with its
// step-back slider and model selector (src/plot/gradient-reach.ts). The specs compile without
// warnings, draw headless, and their parameters change what Vega draws (the same view, signals set
// as the slider and the dropdown set them in a browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vega from "vega";
import { gradientReachExplorer, gradientReachRows } from "../src/plot/gradient-reach";
import { lineChart } from "../src/plot/lines";
import { hconcat } from "../src/plot/compose";
import { compileSpec, renderSvg } from "../src/render/svg";
import { linePoints } from "./support/line-points";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const runs = [
  { name: "ReLU RNN (4 units)", values: [49.9, 50.2, 50.1], x: [1, 2, 3] },
  { name: "LSTM (16 units)", values: [62.7, 72, 76.4], x: [1, 2, 3] },
];

/** The Vega view of a spec, run headless; `signals` are set first (as a browser's controls would). */
async function scene(spec: Json, signals: Record<string, unknown> = {}): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec).vega), { renderer: "none" });
  for (const [name, value] of Object.entries(signals)) view.signal(name, value);
  await view.runAsync();
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

test("lineChart: the lines, a hover rule with every series' value in its tooltip, legend-click highlight; data as before", () => {
  const spec: Json = lineChart({ series: runs, xTitle: "epoch", yTitle: "accuracy (%)" });
  assert.deepEqual(
    linePoints(spec)[3],
    { series: "LSTM (16 units)", x: 1, y: 62.7 },
    "one plain row per point once flattened",
  );
  assert.equal(spec.encoding.y.title, "accuracy (%)", "x, y and colour stay encoded once, at the top");
  const [lines, rule, points] = spec.layer;
  assert.equal(lines.mark.type, "line");
  const pick = lines.params[0];
  assert.deepEqual(pick.select, { type: "point", fields: ["series"] });
  assert.equal(pick.bind, "legend");
  assert.deepEqual(lines.encoding.opacity, { condition: { param: pick.name, value: 1 }, value: 0.15 });
  assert.equal(rule.mark.type, "rule");
  const hover = rule.params[0];
  assert.deepEqual(hover.select, {
    type: "point",
    fields: ["x"],
    nearest: true,
    on: "pointerover",
    clear: "pointerout",
  });
  assert.deepEqual(rule.encoding.opacity, { condition: { param: hover.name, value: 0.7, empty: false }, value: 0 });
  assert.deepEqual(
    rule.encoding.tooltip.map((t: Json) => [t.field, t.title]),
    [
      ["x", "epoch"],
      ["0", "ReLU RNN (4 units)"],
      ["1", "LSTM (16 units)"],
    ],
  );
  assert.deepEqual(points.transform, [{ filter: { param: hover.name, empty: false } }]);
  assert.deepEqual(compileSpec(spec).warnings, []);
});

test("lineChart: selections are named by the series, so panels of the same runs share them and other charts do not", () => {
  const names = (s: Json) => [s.layer[0].params?.[0]?.name, s.layer[1].params[0].name];
  const a = lineChart({ series: runs }),
    b = lineChart({ series: runs, title: "another panel" });
  const c = lineChart({
    series: [
      { name: "wx", values: [1, 2] },
      { name: "wrec", values: [2, 1] },
    ],
  });
  assert.deepEqual(names(a), names(b));
  assert.notEqual(names(a)[0], names(c)[0]);
  assert.notEqual(names(a)[1], names(c)[1]);
  // One series: no legend, so no legend selection; the hover tooltip stays.
  const single: Json = lineChart({ series: [runs[0]] });
  assert.equal(single.layer[0].params, undefined);
  assert.equal(single.layer[1].params.length, 1);
  assert.deepEqual(compileSpec(hconcat([a, c])).warnings, []);
});

test("lineChart: interactive: false is the bare line mark; the hover layer draws nothing outside a browser", async () => {
  const bare: Json = lineChart({ series: runs, interactive: false });
  assert.equal(bare.mark.type, "line");
  assert.equal(bare.layer, undefined);
  const values = Array.from({ length: 300 }, (_, i) => Math.sin(i / 30));
  const dense: Json = lineChart({ series: [{ name: "wx", values }] });
  assert.deepEqual(dense.layer[1].transform[0], { filter: "isDefined(screen().width)" });
  // Headless (as the static fallback is drawn), no invisible rule and no Voronoi cell: the same SVG
  // as the bare lines but for the layers' empty groups.
  const svg = await scene(dense);
  assert.equal((svg.match(/<line [^>]*opacity="0"/g) ?? []).length, 0);
  assert.ok(!/voronoi"[^>]*><path/.test(svg), "no Voronoi cells");
  const [withHover, without] = [
    (await renderSvg(dense)).length,
    (await renderSvg(lineChart({ series: [{ name: "wx", values }], interactive: false }))).length,
  ];
  assert.ok(withHover - without < 2000, `static SVG ${withHover} bytes with the hover layers, ${without} without`);
  // Where screen() has a width, as in a browser, every x has its rule.
  const original = vega.expressionFunction("screen");
  vega.expressionFunction("screen", () => ({ width: 1280 }));
  try {
    assert.equal(((await scene(dense)).match(/<line [^>]*opacity="0"/g) ?? []).length, 300);
  } finally {
    vega.expressionFunction("screen", original);
  }
});

const T = 20;
const curves = [
  {
    model: "ReLU RNN (4 units)",
    phase: "before training",
    values: Array.from({ length: T }, (_, k) => 10 ** (-0.4 * k)),
  },
  {
    model: "ReLU RNN (4 units)",
    phase: "after training",
    values: Array.from({ length: T }, (_, k) => (k > 5 ? 0 : 10 ** -k)),
  },
  { model: "LSTM (16 units)", phase: "before training", values: Array.from({ length: T }, (_, k) => 10 ** (-0.3 * k)) },
  { model: "LSTM (16 units)", phase: "after training", values: Array.from({ length: T }, (_, k) => 1 + k / 5) },
];

test("gradientReachExplorer: a step-back slider and a model dropdown, embed options in usermeta, one row per curve and k", () => {
  const spec: Json = gradientReachExplorer({ curves, title: "How far back the error of the last step reaches" });
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.deepEqual(spec.usermeta, {
    embedOptions: { actions: { export: true, source: false, compiled: false, editor: false } },
  });
  const [k, model] = spec.params;
  assert.deepEqual(k, {
    name: "stepsBack",
    value: 10,
    bind: { input: "range", min: 0, max: 19, step: 1, name: "steps back k " },
  });
  assert.deepEqual(model, {
    name: "pickedModel",
    value: "ReLU RNN (4 units)",
    bind: { input: "select", options: ["ReLU RNN (4 units)", "LSTM (16 units)"], name: "model " },
  });
  assert.equal(spec.data.values.length, 4 * T);
  assert.equal(spec.vconcat.length, 2);
  assert.deepEqual(spec.vconcat[0].transform, [{ filter: "datum.model === pickedModel" }]);
  assert.deepEqual(spec.vconcat[1].transform, [{ filter: "datum.k === stepsBack" }]);
  assert.deepEqual(compileSpec(spec).warnings, []);
  assert.equal(gradientReachExplorer({ curves, k: 3, model: "LSTM (16 units)" }).params?.[0].value, 3);
});

test("gradientReachRows: a 0 (nothing reaches back) is drawn at the log axis' lower decade and labelled 0", () => {
  const { rows, steps, domain } = gradientReachRows(curves);
  assert.equal(steps, T);
  // Smallest positive value 10^−7.6 (the ReLU RNN before training, k = 19), largest 1 + 19/5 = 4.8.
  assert.deepEqual(domain, [1e-8, 10]);
  const zero = rows.find((r) => r.model === "ReLU RNN (4 units)" && r.phase === "after training" && r.k === 10);
  assert.deepEqual(zero, {
    model: "ReLU RNN (4 units)",
    phase: "after training",
    k: 10,
    value: 0,
    shown: 1e-8,
    label: "0",
  });
  const lstm = rows.find((r) => r.model === "LSTM (16 units)" && r.phase === "after training" && r.k === 10);
  assert.equal(lstm?.label, "3.0e+0");
});

test("gradientReachExplorer: moving the slider and picking a model change what is drawn", async () => {
  const spec = gradientReachExplorer({ curves });
  const start = await scene(spec);
  const moved = await scene(spec, { stepsBack: 3 });
  const picked = await scene(spec, { stepsBack: 3, pickedModel: "LSTM (16 units)" });
  assert.notEqual(moved, start);
  assert.notEqual(picked, moved);
  assert.match(start, /Every model, 10 steps back/);
  assert.match(moved, /Every model, 3 steps back/);
  assert.match(picked, /How far back the error reaches: LSTM \(16 units\)/);
  // The label beside the picked model's points reads its value at k: LSTM after training, k = 3.
  assert.match(picked, />1\.6e\+0</);
  // The static fallback draws the first position.
  assert.match(await renderSvg(spec), /How far back the error reaches: ReLU RNN \(4 units\)/);
});

test("gradientReachExplorer: bad curves and options are one-line errors naming the fix", () => {
  assert.throws(
    () => gradientReachExplorer({ curves: [] }),
    /curves must be a non-empty array of \{model, phase, values\}/,
  );
  assert.throws(
    () => gradientReachExplorer({ curves: [curves[0], { ...curves[1], values: [1, 2] }] }),
    /curves\[1\]\.values has 2 steps but curves\[0\] has 20/,
  );
  assert.throws(
    () => gradientReachExplorer({ curves: [curves[0], curves[0]] }),
    /two curves are "ReLU RNN \(4 units\)", "before training"/,
  );
  assert.throws(
    () => gradientReachExplorer({ curves: [{ ...curves[0], values: [1, -1] }] }),
    /curves\[0\]\.values\[1\] is -1; a norm ratio is finite and ≥ 0/,
  );
  assert.throws(() => gradientReachExplorer({ curves, k: 20 }), /k must be an integer in \[0, 19\], got 20/);
  assert.throws(
    () => gradientReachExplorer({ curves, model: "GRU" }),
    /model "GRU" has no curve; models are ReLU RNN \(4 units\), LSTM \(16 units\)/,
  );
  assert.throws(
    () => gradientReachExplorer({ curves, slider: 3 } as never),
    /gradientReachExplorer: unknown option slider/,
  );
});
