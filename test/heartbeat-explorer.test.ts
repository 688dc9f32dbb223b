// Lab 002's heartbeat explorer (src/plot/heartbeat-explorer.ts): the spec as JSON (a dropdown bound
// to a Vega-Lite parameter, embed options in usermeta, compact data), and the spec run by Vega
// headless: the flatten + row_number transforms give every value its step, and choosing another
// beat in the dropdown changes what is drawn.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vega from "vega";
import { heartbeatExplorer, mostVaryingUnits } from "../src/plot/heartbeat-explorer";
import { compileSpec } from "../src/render/svg";
import { ndarray, type NdArray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

const T = 30,
  B = 3,
  H = 6,
  O = 3;
const classNames = ["normal", "R-on-T premature ventricular contraction", "other"];

/** Hand-made beats: unit 4 is constant (no variance) and unit 1 barely moves; the rest vary. */
function problem() {
  const rng = new NumpyRandom(1);
  const signals = rng.normal({ size: [T, B, 1] }); // (T, B, 1)
  const states: NdArray[] = Array.from({ length: T + 1 }, (_, t) => {
    const h = ndarray([B, H]); // (B, H)
    if (t === 0) return h;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++)
        h.data[b * H + j] =
          j === 4 ? 0.5 : j === 1 ? 0.01 * Math.sin(t + b) : Math.tanh(rng.normal({ size: [1] }).data[0]);
    }
    return h;
  });
  const outputs = ndarray([B, O], [0.9, 0.1, 0, 0.2, 0.1, 0.7, 0.3, 0.6, 0.1]); // predicted: 0, 2, 1
  return { signals, states, outputs, classes: [0, 1, 1], classNames, rows: [12, 40, 41] };
}

type Spec = {
  $schema: string;
  usermeta: { embedOptions: Record<string, unknown> };
  params: { name: string; value: number; bind: { input: string; options: number[]; labels: string[] } }[];
  datasets: {
    beats: { beat: number; label: string; caption: string }[];
    signals: { beat: number; v: number[] }[];
    hidden: { beat: number; unit: number; h: string }[];
    outputs: { beat: number; k: number; y: number; role: string }[];
  };
};

test("the explorer's spec: a dropdown over the beats, embed options in usermeta, compact data", () => {
  const p = problem();
  const spec = heartbeatExplorer({ ...p, units: 4 }) as unknown as Spec;
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  // The library's embed options (no links to the online editor: the results site works offline).
  assert.deepEqual(spec.usermeta.embedOptions, {
    actions: { export: true, source: false, compiled: false, editor: false },
  });
  const [beat] = spec.params;
  assert.equal(beat.name, "beat");
  assert.equal(beat.value, 0);
  assert.equal(beat.bind.input, "select");
  assert.deepEqual(beat.bind.options, [0, 1, 2]);
  assert.deepEqual(beat.bind.labels, [
    "1. row 12: normal",
    "2. row 40: R-on-T premature ventricular contraction (predicted other)",
    "3. row 41: R-on-T premature ventricular contraction",
  ]);
  assert.equal(
    spec.datasets.beats[1].caption,
    "Test row 40: true class R-on-T premature ventricular contraction; predicted other (wrong)",
  );
  // One array of T values per beat, rounded to 3 significant digits.
  assert.equal(spec.datasets.signals.length, B);
  assert.deepEqual(
    spec.datasets.signals[2].v,
    Array.from({ length: T }, (_, t) => Number(p.signals.data[t * B + 2].toPrecision(3))),
  );
  // The 4 most varying units: not the constant unit 4 nor the nearly flat unit 1; states in thousandths, one string.
  assert.deepEqual(mostVaryingUnits(p.states, 4), [0, 2, 3, 5]);
  assert.deepEqual([...new Set(spec.datasets.hidden.map((r) => r.unit))], [0, 2, 3, 5]);
  assert.equal(spec.datasets.hidden.length, B * 4);
  const row = spec.datasets.hidden.find((r) => r.beat === 1 && r.unit === 3)!;
  assert.deepEqual(
    row.h.split(" ").map(Number),
    Array.from({ length: T }, (_, t) => Math.round(1000 * p.states[t + 1].data[1 * H + 3]) || 0),
  );
  // Outputs: the true and predicted classes marked.
  assert.deepEqual(
    spec.datasets.outputs.filter((r) => r.beat === 1).map((r) => r.role),
    ["other", "true class", "predicted"],
  );
  assert.deepEqual(
    spec.datasets.outputs.filter((r) => r.beat === 0).map((r) => r.role),
    ["true and predicted", "other", "other"],
  );
  // Pure: the same options give the same JSON.
  assert.deepEqual(heartbeatExplorer({ ...p, units: 4 }), spec);
  assert.ok(JSON.stringify(spec).length < 20_000, "a small spec");
});

test("the explorer's spec compiles without warnings and refuses inconsistent inputs", () => {
  const p = problem();
  assert.deepEqual(compileSpec(heartbeatExplorer(p)).warnings, []);
  assert.throws(
    () => heartbeatExplorer({ ...p, states: p.states.slice(1) }),
    /heartbeatExplorer: states must hold h_0 … h_30 \(31 arrays \[beats, hidden\]\), got 30/,
  );
  assert.throws(() => heartbeatExplorer({ ...p, classes: [0, 1] }), /classes must give one class per beat \(3\)/);
  assert.throws(
    () => heartbeatExplorer({ ...p, outputs: ndarray([3, 2]) }),
    /outputs must be \[3, 3\] \(beats, classes\), got \[3, 2\]/,
  );
  assert.throws(() => heartbeatExplorer({ ...p, unit: 3 } as never), /heartbeatExplorer: unknown option unit/);
});

/** Items of every mark of a type in a Vega scenegraph, as [mark name, items]. */
function marks(
  node: unknown,
  type: string,
  out: { name: string; items: { datum: Record<string, unknown>; fill?: string; text?: string }[] }[] = [],
) {
  const n = node as { marktype?: string; name?: string; items?: unknown[] };
  if (n?.marktype === type) out.push({ name: n.name ?? "", items: (n.items ?? []) as never });
  for (const child of n?.items ?? []) marks(child, type, out);
  return out;
}

test("run by Vega: every value lands on its step, and picking another beat redraws signal, state and caption", async () => {
  const p = problem();
  const view = new vega.View(vega.parse(compileSpec(heartbeatExplorer({ ...p, units: 4 })).vega), { renderer: "none" });
  await view.runAsync();
  const drawn = () => {
    const root = (view.scenegraph() as unknown as { root: unknown }).root;
    const line = marks(root, "line")[0].items.map((i) => [i.datum.t, i.datum.v]);
    const rects = marks(root, "rect")
      .flatMap((m) => m.items)
      .filter((i) => "unit" in i.datum)
      .map((i) => [i.datum.unit, i.datum.t, i.datum.h, i.fill]);
    const caption = marks(root, "text")
      .flatMap((m) => m.items)
      .map((i) => i.text)
      .find((t) => typeof t === "string" && t.startsWith("Test row"));
    return { line, rects, caption };
  };
  const first = drawn();
  // Beat 0's signal, step t = 1 … T in order: row_number counted the flattened array in order.
  assert.deepEqual(
    first.line,
    Array.from({ length: T }, (_, t) => [t + 1, Number(p.signals.data[t * B].toPrecision(3))]),
  );
  assert.equal(first.rects.length, 4 * T);
  const cell = first.rects.find(([unit, t]) => unit === 5 && t === 7)!;
  assert.equal(
    cell[2],
    Math.round(1000 * p.states[7].data[0 * H + 5]) / 1000,
    "h_7 of unit 5, beat 0, back from thousandths",
  );
  assert.equal(first.caption, "Test row 12: true class normal; predicted normal (right)");
  const svgBefore = await view.toSVG();

  await view.signal("beat", 2).runAsync();
  const second = drawn();
  assert.deepEqual(
    second.line,
    Array.from({ length: T }, (_, t) => [t + 1, Number(p.signals.data[t * B + 2].toPrecision(3))]),
  );
  assert.notDeepEqual(
    second.rects.map((r) => r[3]),
    first.rects.map((r) => r[3]),
    "the heatmap's colours changed",
  );
  assert.equal(
    second.caption,
    "Test row 41: true class R-on-T premature ventricular contraction; predicted R-on-T premature ventricular contraction (right)",
  );
  assert.notEqual(await view.toSVG(), svgBefore);
  view.finalize();
});
