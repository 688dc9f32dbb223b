// Spec builders in src/plot: the JSON they produce, checked without rendering.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gradientOverTimeChart, lineChart, lossSurfaceChart, lossSurfaceFigure, STAR_SHAPE } from "../src/plot/index";
import { hconcat, layer, vconcat, withTitle } from "../src/plot/compose";
import { levelRegions, logLevels, Polygon } from "../src/plot/contours";
import { compileSpec } from "../src/render/svg";
import { linePoints } from "./support/line-points";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));
}

function bowlGrid(n: number, lo = -3, hi = 3) {
  const xs = linspace(lo, hi, n);
  return { xs, ys: xs, values: xs.map((y) => xs.map((x) => (x * x + y * y) * 1e6 + 1)) };
}

function ringArea(ring: [number, number][]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++) a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return Math.abs(a) / 2;
}

function polygonsArea(polygons: Polygon[]): number {
  return polygons.reduce(
    (sum, [outer, ...holes]) => sum + ringArea(outer) - holes.reduce((h, r) => h + ringArea(r), 0),
    0,
  );
}

/** The rings of a loss-surface region's SVG path ("M x,y L x,y … Z" per ring), each closed again. */
function pathRings(path: string): [number, number][][] {
  return path
    .split("Z")
    .filter((r) => r !== "")
    .map((r) => {
      const ring = r
        .slice(1)
        .split("L")
        .map((p) => p.split(",").map(Number) as [number, number]);
      return [...ring, ring[0]];
    });
}

/** Area filled by a path under the nonzero rule, its holes winding against their outer rings. */
function pathArea(path: string): number {
  let signed = 0;
  for (const ring of pathRings(path)) {
    for (let i = 1; i < ring.length; i++) signed += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  }
  return Math.abs(signed) / 2;
}

test("logLevels reproduces np.logspace(-0.2, 8, 30)", () => {
  const levels = logLevels({ min: 10 ** -0.2, max: 1e8, count: 30 });
  assert.equal(levels.length, 30);
  assert.equal(levels[0], 10 ** -0.2);
  assert.equal(levels[29], 1e8);
  const step = 8.2 / 29;
  levels.forEach((l, k) => assert.ok(Math.abs(Math.log10(l) - (-0.2 + k * step)) < 1e-12, `level ${k}`));
  assert.throws(() => logLevels({ min: 0, max: 1, count: 3 }), /levels\.min must be a positive number/);
  assert.throws(() => logLevels({ min: 1, max: 10, count: 1 }), /levels\.count must be an integer >= 2/);
});

test("levelRegions: a ramp v = x cut at 4.5 leaves the area right of x = 4.5", () => {
  const xs = linspace(0, 10, 11);
  const ys = linspace(0, 5, 6);
  const values = ys.map(() => xs.map((x) => x));
  const [region] = levelRegions({ xs, ys, values }, [4.5]);
  assert.equal(region.polygons.length, 1);
  assert.ok(Math.abs(polygonsArea(region.polygons) - 5.5 * 5) < 1e-9, `area ${polygonsArea(region.polygons)}`);
  for (const [x, y] of region.polygons[0][0]) {
    assert.ok(x >= 4.5 - 1e-12 && x <= 10 && y >= 0 && y <= 5, `vertex (${x}, ${y}) inside the grid`);
  }
});

test("levelRegions: a bowl cut above its floor is a square with a round hole", () => {
  const xs = linspace(-2, 2, 81);
  const values = xs.map((y) => xs.map((x) => x * x + y * y));
  const [region] = levelRegions({ xs, ys: xs, values }, [1]);
  assert.equal(region.polygons.length, 1);
  assert.equal(region.polygons[0].length, 2, "outer ring + one hole");
  assert.ok(Math.abs(polygonsArea(region.polygons) - (16 - Math.PI)) < 0.01, `area ${polygonsArea(region.polygons)}`);
});

test("levelRegions accepts a flat Float64Array and rejects ragged rows", () => {
  const xs = [0, 1, 2];
  const flat = new Float64Array([0, 1, 2, 0, 1, 2]);
  const [r] = levelRegions({ xs, ys: [0, 1], values: flat }, [0.5]);
  assert.ok(Math.abs(polygonsArea(r.polygons) - 1.5) < 1e-9);
  assert.throws(
    () =>
      levelRegions(
        {
          xs,
          ys: [0, 1],
          values: [
            [0, 1, 2],
            [0, 1],
          ],
        },
        [0.5],
      ),
    /grid\.values\[1\] must hold xs\.length = 3 numbers/,
  );
  assert.throws(
    () => levelRegions({ xs: [0, 2, 1], ys: [0, 1], values: flat }, [0.5]),
    /grid\.xs must be strictly increasing/,
  );
});

test("lossSurfaceChart: 30 log-spaced levels from 10^-0.2 to 1e8 on a clamped log viridis scale", () => {
  const spec: Json = lossSurfaceChart({ grid: bowlGrid(100) });
  const contour = spec.layer[0];
  // One custom-shape point per level, its SVG path in panel pixels, drawn 1:1 from the corner.
  assert.equal(contour.mark.type, "point");
  assert.equal(contour.mark.size, 4);
  assert.deepEqual(contour.encoding.shape, { field: "path", type: "nominal", scale: null, legend: null });
  const color = contour.encoding.color;
  assert.equal(color.scale.type, "log");
  assert.equal(color.scale.scheme, "viridis");
  assert.equal(color.scale.clamp, true);
  assert.ok(Math.abs(color.scale.domain[0] - 10 ** -0.2) < 1e-6);
  assert.equal(color.scale.domain[1], 1e8);
  assert.equal(color.legend.title, "ξ");
  assert.deepEqual(color.legend.values, [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
  const levels = contour.data.values.map((f: Json) => f.level);
  const expected = logLevels({ min: 10 ** -0.2, max: 1e8, count: 30 });
  // The bowl spans 1 … 1.8e7, so every level up to 1e7 has a region; each feature is one level.
  assert.equal(levels.length, expected.filter((l) => l <= 1.8e7).length);
  levels.forEach((l: number, k: number) => assert.ok(Math.abs(l / expected[k] - 1) < 1e-5, `level ${k}: ${l}`));
});

test("lossSurfaceChart: the filled regions cover the grid like the grid values do", () => {
  const n = 100;
  const grid = bowlGrid(n);
  const spec: Json = lossSurfaceChart({ grid, width: 300, height: 300 });
  const features = spec.layer[0].data.values;
  // The lowest level covers the whole panel (values below the levels clamp to the first colour).
  assert.equal(pathArea(features[0].path), 300 * 300);
  const flat = grid.values.flat();
  for (const f of features.slice(1)) {
    const share = pathArea(f.path) / (300 * 300);
    const cells = flat.filter((v) => v >= f.level).length / flat.length;
    assert.ok(
      Math.abs(share - cells) < 0.03,
      `level ${f.level}: area ${share.toFixed(3)} vs cells ${cells.toFixed(3)}`,
    );
  }
  // Vertices stay inside the panel.
  for (const f of features) {
    for (const ring of pathRings(f.path))
      for (const [x, y] of ring) {
        assert.ok(x >= 0 && x <= 300 && y >= 0 && y <= 300, `vertex (${x}, ${y})`);
      }
  }
});

test("lossSurfaceChart: axes w_in / w_rec span the grid; points keep their colours", () => {
  const points = [
    { x: 2, y: 1, color: "r" },
    { x: 1, y: 2, color: "b" },
    { x: 1.2, y: 0.997, color: "m" },
    { x: 1, y: -0.5, color: "#123456" },
  ];
  const spec: Json = lossSurfaceChart({ grid: bowlGrid(20), points });
  const axes = spec.layer[1].encoding;
  assert.equal(axes.x.title, "w_in");
  assert.equal(axes.y.title, "w_rec");
  assert.deepEqual(axes.x.scale.domain, [-3, 3]);
  assert.deepEqual(axes.y.scale.domain, [-3, 3]);
  const dots = spec.layer[3]; // after the contours, the axes and the tooltip cells
  assert.equal(dots.mark.type, "point");
  assert.deepEqual(dots.data.values, [
    { x: 2, y: 1, color: "#ff0000" },
    { x: 1, y: 2, color: "#0000ff" },
    { x: 1.2, y: 0.997, color: "#bf00bf" },
    { x: 1, y: -0.5, color: "#123456" },
  ]);
  assert.equal(dots.encoding.fill.scale, null);
});

test('lossSurfaceChart: trajectory dots, a star on the last point, legend "RProp iterations"', () => {
  const trajectory = {
    points: [
      [-1.5, 2],
      [-1.4, 1.9],
      [1.6779, 0.9398],
    ] as [number, number][],
    label: "RProp iterations",
  };
  const spec: Json = lossSurfaceChart({ grid: bowlGrid(20), trajectory });
  const [dots, star] = spec.layer.slice(3);
  // The path is one named dataset (stored once however many panels draw it).
  assert.deepEqual(spec.datasets.trajectory, [
    { iteration: 0, w_x: -1.5, w_rec: 2 },
    { iteration: 1, w_x: -1.4, w_rec: 1.9 },
    { iteration: 2, w_x: 1.6779, w_rec: 0.9398 },
  ]);
  assert.deepEqual(dots.data, { name: "trajectory" });
  assert.equal(dots.mark.color, "white");
  assert.equal(dots.encoding.shape.datum, "RProp iterations");
  // The star marks the iterate the slider picks, at first the last one.
  assert.deepEqual(star.transform, [{ filter: "datum.iteration == iteration" }]);
  assert.equal(spec.params[0].value, 2);
  assert.equal(star.mark.shape, STAR_SHAPE);
  assert.equal(star.mark.fill, "white");
  assert.equal(star.mark.stroke, "black");
  // Without a label there is no legend entry; star: false drops the star.
  const plain: Json = lossSurfaceChart({ grid: bowlGrid(20), trajectory: { points: trajectory.points, star: false } });
  assert.equal(plain.layer.length, 4);
  assert.equal(plain.layer[3].encoding.shape, undefined);
});

test("lossSurfaceChart: overflowed losses (Infinity, NaN) count as above every level", () => {
  const xs = linspace(0, 1, 5);
  const values = xs.map((_, i) =>
    xs.map((__, j) => (i === 2 && j === 2 ? Infinity : i === 1 && j === 3 ? NaN : 1 + i + j)),
  );
  const spec: Json = lossSurfaceChart({ grid: { xs, ys: xs, values } });
  const features = spec.layer[0].data.values;
  const top = features[features.length - 1];
  assert.equal(top.level, 1e8, "the overflowed points reach the top level");
  const coords = features.map((f: Json) => f.path).join("");
  assert.ok(!/null|NaN|undefined/.test(coords), "no NaN coordinates");
});

test("lossSurfaceChart refuses unknown options and malformed input, naming them", () => {
  const grid = bowlGrid(5);
  assert.throws(() => lossSurfaceChart({ grid, colour: "red" } as Json), /lossSurfaceChart: unknown option colour/);
  assert.throws(
    () => lossSurfaceChart({ grid, levels: { min: 1, max: 10, count: 5, base: 2 } } as Json),
    /levels: unknown option base/,
  );
  assert.throws(
    () => lossSurfaceChart({ grid, points: [{ x: 1, y: 2, c: "r" }] } as Json),
    /points\[0\]: unknown option c/,
  );
  assert.throws(
    () => lossSurfaceChart({ grid, trajectory: { points: [[1, 2, 3]] } } as Json),
    /trajectory\.points\[0\] must be \[w_x, w_rec\]/,
  );
  assert.throws(
    () => lossSurfaceChart({ grid: { xs: [0, 1], ys: [0, 1], values: [[1, 2]] } }),
    /grid\.values has 1 rows but ys has 2/,
  );
});

test("lossSurfaceFigure: two panels side by side, one shared ξ legend, compact and compilable", () => {
  const points = [
    { x: 2, y: 1, color: "r" },
    { x: 1, y: 2, color: "b" },
  ];
  const overview = lossSurfaceChart({ grid: bowlGrid(100, -3, 3), points });
  const zoom = lossSurfaceChart({
    grid: bowlGrid(100, -0.1, 2.1),
    points,
    trajectory: {
      points: [
        [0, 0],
        [1, 1],
      ],
      label: "RProp iterations",
    },
  });
  const fig: Json = lossSurfaceFigure({ panels: [overview, zoom] });
  assert.equal(fig.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.equal(fig.title.text, "Loss surface");
  assert.equal(fig.hconcat.length, 2);
  for (const panel of fig.hconcat) assert.equal(panel.$schema, undefined);
  assert.equal(fig.resolve.scale.color, "shared");
  assert.equal(fig.resolve.legend.color, "shared");
  const bytes = JSON.stringify(fig).length;
  assert.ok(bytes < 1.5e6, `figure JSON is ${bytes} bytes`);

  const { vega, warnings } = compileSpec(fig);
  assert.deepEqual(warnings, []);
  const legends: Json[] = JSON.parse(JSON.stringify(vega)).legends ?? [];
  const xi = legends.filter((l) => l.title === "ξ");
  assert.equal(xi.length, 1, "exactly one ξ colour bar");
  // ξ stays upright: relies on Vega-Lite passing the legend's encode through.
  assert.deepEqual(xi[0].encode.title.update.angle, { value: 0 });
});

test("lineChart: one line per series, colours, log axis, and option checks", () => {
  const spec: Json = lineChart({
    series: [
      { name: "wx", values: [1, 2, 3] },
      { name: "wrec", values: [3, 2, 1], x: [10, 20, 30] },
    ],
    title: "w per RProp iteration",
    xTitle: "iteration",
    yScale: "log",
    colors: { wx: "b", wrec: "r" },
  });
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.equal(spec.layer[0].mark.type, "line"); // then the hover layers (test/explorable-001.test.ts)
  assert.equal(spec.title.text, "w per RProp iteration");
  assert.deepEqual(spec.encoding.color.scale, { domain: ["wx", "wrec"], range: ["#0000ff", "#ff0000"] });
  assert.equal(spec.encoding.y.scale.type, "log");
  assert.deepEqual(linePoints(spec).slice(2, 4), [
    { series: "wx", x: 2, y: 3 },
    { series: "wrec", x: 10, y: 3 },
  ]);
  assert.equal(spec.data.values.length, 2, "stored as one row per series");
  assert.throws(
    () => lineChart({ series: [{ name: "a", values: [1] }], colour: "red" } as Json),
    /lineChart: unknown option colour; options are series/,
  );
  assert.throws(
    () => lineChart({ series: [{ name: "a", values: [1], x: [1, 2] }] }),
    /series\[0\]\.x has 2 values but series\[0\]\.values has 1/,
  );
  assert.throws(
    () => lineChart({ series: [{ name: "a", values: [1] }], colors: { b: "r" } }),
    /colors has "b" but no series has that name/,
  );
  assert.throws(
    () => lineChart({ series: [{ name: "a", values: [1] }], yScale: "ln" } as Json),
    /yScale must be one of 'linear', 'log', 'symlog'/,
  );
  // Non-positive values cannot sit on a log axis: they become gaps.
  const gaps: Json = lineChart({ series: [{ name: "mse", values: [1, 0, -1, 0.5] }], yScale: "log" });
  assert.deepEqual(
    linePoints(gaps).map((r) => r.y),
    [1, null, null, 0.5],
  );
  assert.equal(gaps.encoding.color.legend, null, "one series: no legend");
});

test("gradientOverTimeChart: symlog y, reversed x from 0 to −n, ticks and colours of the original", () => {
  const curves = [
    { wx: 2, wRec: 1, color: "r", values: linspace(-20, 2, 11) },
    { wx: 1.2, wRec: 0.997, color: "m", values: Array.from({ length: 11 }, (_, k) => -(2 ** (10 - k)) * 1e5) },
  ];
  const chart: Json = gradientOverTimeChart({ curves });
  const spec = chart; // encoding shared by the lines and lineChart's hover layers
  assert.equal(spec.encoding.y.scale.type, "symlog");
  assert.deepEqual(spec.encoding.x.scale.domain, [-10, 0]);
  assert.equal(spec.encoding.x.scale.reverse, true, "0 on the left, like xlim(0, -n)");
  assert.deepEqual(spec.encoding.x.axis.values, [0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10]);
  // Ticks from the original's list that fall inside the data (−1.024e8 … 2), the positive half
  // widened to its first tick so that both halves are labelled.
  assert.deepEqual(spec.encoding.y.axis.values, [1e2, 0, -1e2, -1e4, -1e6, -1e8]);
  assert.match(spec.encoding.y.axis.labelExpr, /datum\.value === -100000000 \? '−10⁸'/);
  assert.deepEqual(spec.encoding.color.scale, { domain: ["(2, 1)", "(1.2, 0.997)"], range: ["#ff0000", "#bf00bf"] });
  assert.equal(spec.encoding.color.legend.title, "(w_x, w_rec)");
  assert.deepEqual(spec.title.text, [
    "Unstability of gradient in backward propagation.",
    "(backpropagate from left to right)",
  ]);
  const first = linePoints(spec)[0];
  assert.deepEqual(first, { series: "(2, 1)", x: -10, y: -20 });
  assert.deepEqual(compileSpec(chart).warnings, []);
  assert.throws(
    () => gradientOverTimeChart({ curves, ylim: [0, 1] } as Json),
    /gradientOverTimeChart: unknown option ylim/,
  );
  assert.throws(
    () => gradientOverTimeChart({ curves: [curves[0], { ...curves[1], values: [1, 2] }] }),
    /curves\[1\]\.values has 2 timesteps but curves\[0\] has 11/,
  );
});

test("compose: one $schema at the top, titles, layer checks", () => {
  const a = lineChart({ series: [{ name: "a", values: [1, 2] }] });
  const b = lineChart({ series: [{ name: "b", values: [2, 1] }] });
  const h: Json = hconcat([a, b], { title: "both" });
  assert.equal(h.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  assert.ok(h.hconcat.every((c: Json) => c.$schema === undefined));
  assert.equal(h.title.text, "both");
  assert.deepEqual(
    h.resolve,
    { scale: { color: "independent" }, legend: { color: "independent" } },
    "different series keep their own legends",
  );
  const v: Json = vconcat([a, b]);
  assert.equal(v.vconcat.length, 2);
  const l: Json = layer([a, b]);
  assert.equal(l.layer.length, 2);
  assert.equal(l.width, 400);
  assert.ok(l.layer.every((c: Json) => c.width === undefined && c.$schema === undefined));
  assert.throws(() => layer([a, h]), /layer: specs\[1\] is a composition \(hconcat\)/);
  assert.throws(() => hconcat([a], { gap: 3 } as Json), /hconcat: unknown option gap/);
  const t: Json = withTitle(a, ["line 1", "line 2"]);
  assert.deepEqual(t.title.text, ["line 1", "line 2"]);
  for (const s of [h, v, t]) assert.deepEqual(compileSpec(s).warnings, []);
  assert.doesNotThrow(() => compileSpec(l)); // warns that the two colour domains are merged
});
