// src/plot/compose.ts's default for side-by-side charts (issue 15, figures that fit the page): an
// hconcat puts its charts' legends below them, so that legends add height, not width; a chart
// that says where its legend goes keeps it there.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TopLevelSpec } from "vega-lite";
import { hconcat } from "../src/plot/compose";
import { lineChart } from "../src/plot/lines";
import { renderSvg } from "../src/render/svg";

const NAMES = [
  "ReLU RNN (4 units)",
  "ReLU RNN (60 units)",
  "ReLU RNN (6 layers × 60 units)",
  "LSTM (16 units)",
  "GRU (16 units)",
];
const chart = (title: string) =>
  lineChart({
    series: NAMES.map((name, j) => ({
      name: name,
      values: Array.from({ length: 20 }, (_, k) => Math.exp((-k * (j + 1)) / 5)),
    })),
    title: title,
    xTitle: "k",
    yScale: "log",
    width: 330,
  });
const size = async (spec: TopLevelSpec) => {
  const svg = await renderSvg(spec);
  const [, w, h] = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg) ?? [];
  return { width: Number(w), height: Number(h) };
};
const withoutLegends = (spec: TopLevelSpec): TopLevelSpec => {
  const copy = JSON.parse(JSON.stringify(spec));
  for (const c of copy.hconcat) c.encoding.color.legend = null;
  return copy;
};

test("hconcat's legends go below the charts: as wide as the charts alone, taller", async () => {
  const figure = hconcat([chart("before"), chart("after")]);
  const drawn = await size(figure);
  const bare = await size(withoutLegends(figure));
  assert.equal(drawn.width, bare.width, "the legends add no width");
  assert.ok(drawn.height > bare.height, "they sit below");
  // Vega-Lite's own default, legends on the right, is what made figures too wide.
  const right = await size({ ...figure, config: { legend: { orient: "right" } } } as TopLevelSpec);
  assert.ok(right.width > drawn.width + 100, `${right.width} px with legends on the right, ${drawn.width} below`);
});

test("a chart's own legend placement wins over hconcat's default", () => {
  const own = { ...chart("a"), config: { legend: { orient: "top" } } } as TopLevelSpec;
  const figure = hconcat([own, chart("b")]) as unknown as { config: { legend: { orient: string; columns: number } } };
  assert.equal(figure.config.legend.orient, "top");
});
