// Labs 003 and 004 end to end: the headless runner executes both notebooks (short preset: a coarser
// loss-surface grid, every printed number unchanged) and their outputs hold the originals' numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Cell, type Output, runNotebooks, streamText as printed } from "./support/notebook-run";

/** Chart outputs: display_data carrying a Vega-Lite spec (summaries and progress bars are display_data too). */
function charts(nb: { cells: Cell[] }): Output[] {
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "display_data" && o.data?.["application/vnd.vegalite.v5+json"] !== undefined);
}

const { run, out } = runNotebooks(["003-linear-rnn-sum-of-bits", "004-linear-rnn-thirds-rprop"], { prefix: "bptt-lab-003-004-" });

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
  assert.ok(text.includes("Input: \n [[0.66 0.33 1.   0.33 0.66 0.66 1.   0.66 0.33 1.   1.   0.66 0.66 0.33\n  1.   1.   0.66 0.33 0.33 0.33]"), text.slice(0, 400));
  assert.ok(text.includes("[12.93 16.62 11.94 13.6  11.58 13.25 16.29 13.27 12.25 12.59 13.6  12.94\n"));
  assert.ok(text.includes("No gradient errors found"));
  assert.ok(text.includes("Final weights are: wx = 1.6779, wRec = 0.9398"), text);
  assert.ok(text.includes("Output from model: \n [12.07678517]"));
  assert.ok(text.includes("Expected output (sum of input): \n 11.920000000000002"));
  // Loss surface, gradient over time, trajectory: each a Vega-Lite spec with a static image beside it.
  // The key numbers the results index shows.
  const summary = nb.cells.flatMap((c: Cell) => c.outputs ?? []).find((o: Output) => o.data?.["application/vnd.bptt-lab.summary+json"] !== undefined);
  assert.ok(JSON.stringify(summary?.data?.["application/vnd.bptt-lab.summary+json"]).includes('{"name":"final w_x","value":"1.6779"'), JSON.stringify(summary));
  const shown = charts(nb);
  assert.equal(shown.length, 3);
  for (const c of shown) {
    assert.equal(typeof c.data?.["application/vnd.vegalite.v5+json"], "object");
    assert.ok(c.data?.["image/png"] || c.data?.["image/svg+xml"], "static fallback present");
  }
});

test("lab 003 passes its gradient check and prints its final RProp weights", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(out, "003-linear-rnn-sum-of-bits.ipynb"), "utf8"));
  const text = printed(nb);
  assert.ok(text.includes("No gradient errors found"));
  // The original's code, run unchanged in NumPy, ends at (1.0101770…, 0.9976248…).
  assert.ok(text.includes("Final weights are: wx = 1.0102, wRec = 0.9976"), text);
  assert.equal(charts(nb).length, 3);
});
