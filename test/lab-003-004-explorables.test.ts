// The explorable figures of labs 003 and 004 (issue 13), as JSON and as Vega runs them: the loss
// surface's tooltip cells and iteration slider, the figure's one trajectory dataset and its
// usermeta.bpttLab marker, tooltips on the line charts, and the gradient-over-time ticks.
// Vega runs here headless; hover-only layers exist only where `screen()` has a width (a browser),
// so the tests that look at them give Vega a screen for the time of the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import {
  EMBED_OPTIONS,
  gradientOverTimeChart,
  lossSurfaceChart,
  lossSurfaceFigure,
  STAR_SHAPE,
} from "../src/plot/index";
import { compileSpec } from "../src/render/svg";
import { lossSurface } from "../src/bptt/loss-surface";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** A Vega view of the spec, run headless; with `browser`, Vega's screen() reports a width as in a browser. */
async function runView(spec: TopLevelSpec, browser = false): Promise<vega.View> {
  const original = vega.expressionFunction("screen");
  if (browser) vega.expressionFunction("screen", () => ({ width: 1280 }));
  try {
    const { vega: compiled, warnings } = compileSpec(spec);
    assert.deepEqual(warnings, [], "Vega-Lite compiles without warnings");
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    await view.runAsync();
    return view;
  } finally {
    vega.expressionFunction("screen", original);
  }
}

/** Every scenegraph item of marks matching `keep`. */
function items(view: vega.View, keep: (mark: Json) => boolean): Json[] {
  const out: Json[] = [];
  const walk = (node: Json) => {
    if (!node) return;
    if (node.marktype !== undefined && keep(node)) out.push(...node.items);
    for (const child of node.items ?? []) walk(child);
  };
  walk((view.scenegraph() as Json).root);
  return out;
}

const bowl = (x: number, y: number) => 1 + (x - 1) ** 2 * 100 + (y - 1) ** 2 * 1e4;

test("loss surface tooltips: every 3rd node of a 100-point grid, w_x, w_rec and ξ = value − lossOffset, only in a browser", async () => {
  const grid = lossSurface({ x: [-3, 3], y: [-0.1, 2.1], n: 100, loss: bowl });
  const spec: Json = lossSurfaceChart({ grid, lossOffset: 1 });
  const cells = spec.layer[2];
  assert.equal(cells.mark.type, "rect");
  assert.equal(cells.data.values[0].loss.length, 34 * 34, "nodes 0, 3, …, 99 on each axis");
  assert.deepEqual(
    cells.encoding.tooltip.map((t: Json) => t.title),
    ["w_in", "w_rec", "ξ"],
  );

  const isCell = (m: Json) => m.marktype === "rect" && m.items[0]?.datum?.loss !== undefined; // not the colour bar
  assert.equal(items(await runView(spec), isCell).length, 0, "no hover cells in the static render");
  const hover = items(await runView(spec, true), isCell).map((i) => i.datum);
  assert.equal(hover.length, 34 * 34);
  for (const k of [0, 1, 34, 35, 600, 34 * 34 - 1]) {
    const [i, j] = [Math.floor(k / 34) * 3, (k % 34) * 3];
    const d = hover[k];
    assert.ok(
      Math.abs(d.w_x - grid.xs[j]) < 1e-12 && Math.abs(d.w_rec - grid.ys[i]) < 1e-12,
      `cell ${k} sits on node (${i}, ${j})`,
    );
    const loss = grid.values[i * 100 + j] - 1;
    assert.ok(Math.abs(d.loss - loss) <= 5e-4 * loss, `cell ${k}: ξ ${d.loss} vs ${loss}`);
    assert.ok(Math.abs(d.x_hi - d.x_lo - 3 * (grid.xs[1] - grid.xs[0])) < 1e-12, "a cell spans 3 grid steps");
  }
  assert.equal(
    (lossSurfaceChart({ grid, tooltipCells: 0 }) as Json).layer.length,
    2,
    "tooltipCells: 0 drops the layer",
  );
  assert.throws(
    () => lossSurfaceChart({ grid, tooltipCells: 1 }),
    /tooltipCells must be 0 \(no tooltips\) or an integer >= 2, got 1/,
  );
});

test("the iteration slider moves the star along the trajectory; the iterates after it fade", async () => {
  const grid = lossSurface({ x: [-3, 3], y: [-3, 3], n: 20, loss: bowl });
  const points: [number, number][] = [
    [-2, 2],
    [-1, 1.5],
    [0, 1.2],
    [1, 1],
  ];
  const losses = points.map(([x, y]) => bowl(x, y) - 1);
  const spec: Json = lossSurfaceChart({
    grid,
    trajectory: { points, losses, slider: "RProp iteration" },
    lossOffset: 1,
  });
  assert.deepEqual(spec.params, [
    { name: "iteration", value: 3, bind: { input: "range", min: 0, max: 3, step: 1, name: "RProp iteration " } },
  ]);
  assert.deepEqual(spec.datasets.trajectory[1], { iteration: 1, w_x: -1, w_rec: 1.5, loss: losses[1] });
  const view = await runView(spec);
  const star = () =>
    items(view, (m) => m.marktype === "symbol" && m.items[0]?.shape === STAR_SHAPE).map((i) => i.datum.iteration);
  const faded = () => items(view, (m) => m.marktype === "symbol" && m.items.length === 4).map((i) => i.opacity);
  assert.deepEqual(star(), [3], "at first on the last iterate, as the static figure shows it");
  assert.deepEqual(faded(), [1, 1, 1, 1]);
  await view.signal("iteration", 1).runAsync();
  assert.deepEqual(star(), [1]);
  assert.deepEqual(faded(), [1, 1, 0.3, 0.3]);
  const fixed: Json = lossSurfaceChart({ grid, trajectory: { points, slider: false } });
  assert.equal(fixed.params, undefined, "slider: false binds nothing");
  assert.deepEqual(fixed.layer.at(-1).transform, [{ filter: "datum.iteration == 3" }]);
  assert.throws(
    () => lossSurfaceChart({ grid, trajectory: { points, losses: [1, 2] } }),
    /trajectory\.losses has 2 values for 4 points/,
  );
});

test("a figure stores the trajectory once, binds one slider, and carries the usermeta.bpttLab marker", () => {
  const overview = lossSurface({ x: [-3, 3], y: [-3, 3], n: 30, loss: bowl });
  const zoom = lossSurface({ x: [0, 2], y: [0, 2], n: 30, loss: bowl });
  const points: [number, number][] = [
    [-1.5, 2],
    [1.6779, 0.9398],
  ];
  const trajectory = { points, losses: [5, 0.1] };
  const fig: Json = lossSurfaceFigure({
    lab: "004",
    panels: [
      lossSurfaceChart({ grid: overview, trajectory, lossOffset: 1 }),
      lossSurfaceChart({ grid: zoom, trajectory: { ...trajectory, label: "RProp iterations" }, lossOffset: 1 }),
    ],
  });
  assert.deepEqual(Object.keys(fig.datasets), ["trajectory"]);
  assert.equal(fig.params.length, 1);
  for (const panel of fig.hconcat) {
    assert.equal(panel.datasets, undefined);
    assert.equal(panel.params, undefined);
    assert.equal(panel.usermeta, undefined);
  }
  assert.deepEqual(fig.usermeta, {
    embedOptions: EMBED_OPTIONS,
    bpttLab: {
      explorable: "loss-surface",
      lab: "004",
      panels: [
        { x: [-3, 3], y: [-3, 3], width: 300, height: 300, grid: [30, 30] },
        { x: [0, 2], y: [0, 2], width: 300, height: 300, grid: [30, 30] },
      ],
      fields: { wx: "w_x", wRec: "w_rec", loss: "loss", iteration: "iteration" },
      lossOffset: 1,
      trajectory: { dataset: "trajectory", param: "iteration", iterations: 1, losses: true },
    },
  });
  assert.deepEqual(compileSpec(fig).warnings, []);
  const other = lossSurfaceChart({
    grid: zoom,
    trajectory: {
      points: [
        [0, 0],
        [1, 1],
      ],
    },
  });
  assert.throws(
    () => lossSurfaceFigure({ panels: [fig.hconcat[0], other] }),
    /panels\[0\] is not a lossSurfaceChart spec/,
  );
  assert.throws(
    () => lossSurfaceFigure({ panels: [lossSurfaceChart({ grid: overview, trajectory }), other] }),
    /panels\[1\] has another "trajectory" dataset than an earlier panel/,
  );
});

test("gradientOverTimeChart: each half of the symlog axis that holds data reaches a labelled tick", () => {
  // Lab 003's shape: up to ~2e6 above 0, down to only about −22 below it (original: −8 800).
  const curves = [
    { wx: 1, wRec: 2, color: "b", values: Array.from({ length: 11 }, (_, k) => 884.3 * 2 ** (10 - k)) },
    { wx: 1, wRec: 0.5, color: "g", values: Array.from({ length: 11 }, (_, k) => -7.78 * 0.5 ** (10 - k)) },
    { wx: 1, wRec: -0.5, color: "y", values: Array.from({ length: 11 }, (_, k) => -21.9 * (-0.5) ** (10 - k)) },
  ];
  const chart: Json = gradientOverTimeChart({ curves });
  const y = chart.encoding.y;
  assert.deepEqual(y.axis.values, [1e6, 1e4, 1e2, 0, -1e2]);
  assert.ok(
    y.scale.domain[0] < -100 && y.scale.domain[0] > -400,
    `domain reaches −10² with a margin: ${y.scale.domain}`,
  );
  assert.match(y.axis.labelExpr, /datum\.value === -100 \? '−10²'/);
  // A half without data gets no tick and no room.
  const positive: Json = gradientOverTimeChart({ curves: [curves[0]] });
  assert.ok(positive.encoding.y.axis.values.every((t: number) => t >= 0));
  // lineChart's hover rule: the step, then every curve's value there.
  assert.deepEqual(
    chart.layer[1].encoding.tooltip.map((t: Json) => t.title),
    ["timestep k", "(1, 2)", "(1, 0.5)", "(1, -0.5)"],
  );
});
