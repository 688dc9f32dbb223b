// Labs 003 and 004 end to end: the headless runner executes both notebooks (short preset: a coarser
// loss-surface grid, every printed number unchanged) and their outputs hold the originals' numbers,
// the library's BPTT code where the originals had theirs, and the explorable figures (issue 13).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Cell, type Output, runNotebooks, streamText as printed } from "./support/notebook-run";

/** Chart outputs: display_data carrying a Vega-Lite spec (summaries and progress bars are display_data too). */
function charts(nb: { cells: Cell[] }): Output[] {
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === "display_data" && o.data?.["application/vnd.vegalite.v5+json"] !== undefined);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const spec = (o: Output): any => o.data?.["application/vnd.vegalite.v5+json"];

/** The source listings shown by lab.showSource: "file, lines a–b" of each. */
function shownSources(nb: { cells: Cell[] }): string[] {
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .flatMap((o) => {
      const md = o.data?.["text/markdown"];
      const m = /^`(src\/[^`]+), lines \d+–\d+`/.exec(Array.isArray(md) ? md.join("") : String(md ?? ""));
      return m ? [m[1]] : [];
    });
}

/** The loss-surface specs' usermeta.bpttLab markers. */
function surfaceMarkers(nb: { cells: Cell[] }): any[] {
  return charts(nb)
    .map((o) => spec(o).usermeta?.bpttLab)
    .filter((m) => m !== undefined);
}

const { run, out } = runNotebooks(["003-linear-rnn-sum-of-bits", "004-linear-rnn-thirds-rprop"], {
  prefix: "bptt-lab-003-004-",
});

test("the runner executes labs 003 and 004 without error", () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  for (const name of ["003-linear-rnn-sum-of-bits", "004-linear-rnn-thirds-rprop"]) {
    assert.ok(fs.existsSync(path.join(out, `${name}.ipynb`)), `${name}.ipynb written`);
    assert.ok(fs.existsSync(path.join(out, `${name}.html`)), `${name}.html written`);
  }
  assert.match(fs.readFileSync(path.join(out, "index.html"), "utf8"), /004-linear-rnn-thirds-rprop\.html/);
});

test("lab 004 prints the original's data, final weights and test output", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, "004-linear-rnn-thirds-rprop.ipynb"), "utf8"));
  const text = printed(nb);
  assert.ok(
    text.includes(
      "Input: \n [[0.66 0.33 1.   0.33 0.66 0.66 1.   0.66 0.33 1.   1.   0.66 0.66 0.33\n  1.   1.   0.66 0.33 0.33 0.33]",
    ),
    text.slice(0, 400),
  );
  assert.ok(text.includes("[12.93 16.62 11.94 13.6  11.58 13.25 16.29 13.27 12.25 12.59 13.6  12.94\n"));
  assert.ok(text.includes("No gradient errors found"));
  assert.ok(text.includes("Final weights are: wx = 1.6779, wRec = 0.9398"), text);
  assert.ok(text.includes("Loss at the final weights: ξ = 0.1113 (100 iterations earlier: 0.1247)"), text);
  // Slow, not stuck: 4 500 more iterations of the same optimiser walk on towards (1, 1).
  assert.match(
    text,
    /After 5000 iterations: wx = 1\.0731, wRec = 0\.9924, ξ = 1\.700e-3; test output 11\.9405 for a sum of 11\.92/,
  );
  assert.ok(text.includes("Output from model: \n [12.07678517]"));
  assert.ok(text.includes("Expected output (sum of input): \n 11.920000000000002"));
  // Loss surface, gradient over time, trajectory: each a Vega-Lite spec with a static image beside it.
  // The key numbers the results index shows.
  const summary = nb.cells
    .flatMap((c: Cell) => c.outputs ?? [])
    .find((o: Output) => o.data?.["application/vnd.bptt-lab.summary+json"] !== undefined);
  assert.ok(
    JSON.stringify(summary?.data?.["application/vnd.bptt-lab.summary+json"]).includes(
      '{"name":"final w_x","value":"1.6779"',
    ),
    JSON.stringify(summary),
  );
  const shown = charts(nb);
  assert.equal(shown.length, 3);
  for (const c of shown) {
    assert.equal(typeof c.data?.["application/vnd.vegalite.v5+json"], "object");
    assert.ok(c.data?.["image/png"] || c.data?.["image/svg+xml"], "static fallback present");
    assert.ok(spec(c).usermeta?.embedOptions, "embed options in the spec (surfaces and gradient over time)");
  }
  assert.deepEqual(
    shownSources(nb),
    Array(5).fill("src/models/linear-rnn.ts"),
    "updateState, forwardStates, mseLoss, outputGradient, backwardGradient",
  );
  // Both surfaces are marked for the results site; the RProp one carries the path (501 iterates) and its slider.
  const [surface, rprop] = surfaceMarkers(nb);
  assert.equal(surface.lab, "004");
  assert.deepEqual(
    surface.panels.map((p: any) => [p.x, p.y]),
    [
      [
        [-3, 3],
        [-3, 3],
      ],
      [
        [-0.1, 2.1],
        [-0.1, 2.1],
      ],
    ],
  );
  assert.deepEqual(rprop.trajectory, { dataset: "trajectory", param: "iteration", iterations: 500, losses: true });
  const iterates = spec(shown[2]).datasets.trajectory;
  assert.deepEqual(iterates.at(-1), { iteration: 500, w_x: 1.67793, w_rec: 0.939829, loss: 0.1113 });
});

test("lab 003 passes its gradient check and prints its final RProp weights", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, "003-linear-rnn-sum-of-bits.ipynb"), "utf8"));
  const text = printed(nb);
  assert.ok(text.includes("No gradient errors found"));
  // The original's code, run unchanged in NumPy, ends at (1.0101770…, 0.9976248…).
  assert.ok(text.includes("Final weights are: wx = 1.0102, wRec = 0.9976"), text);
  const shown = charts(nb);
  assert.equal(shown.length, 4, "loss surface, gradient over time, weights per iteration, RProp on the surface");
  assert.deepEqual(shownSources(nb), Array(5).fill("src/models/linear-rnn.ts"));
  // The gradient-over-time chart labels both halves of its symlog axis (the negative one only reached −22).
  const ticks: number[] = spec(shown[1]).encoding.y.axis.values;
  assert.ok(ticks.some((t) => t < 0) && ticks.some((t) => t > 0), `ticks ${ticks}`);
  const markers = surfaceMarkers(nb);
  assert.deepEqual(
    markers.map((m) => [m.lab, m.trajectory?.iterations ?? null]),
    [
      ["003", null],
      ["003", 300],
    ],
  );
  assert.equal(spec(shown[3]).params[0].bind.input, "range");
});
