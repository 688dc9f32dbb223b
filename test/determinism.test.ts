// Same seed, same numbers: the headless runner executes every notebook in notebooks/ twice with
// `--preset short`, into two temporary folders, and every output of every cell must be the same in
// both runs (streams, text/plain, text/html, Vega-Lite specs, SVG, PNG and GIF bytes), as must the
// files the notebooks write themselves. Issue 8. Run by `npm test` (after the build: the notebooks
// import ../dist). Takes two short runs of every lab (about 2 × 1–2 min on 2 cores).
//
// What legitimately differs between two runs, and is all the normaliser strips (`normaliseText`,
// applied to stream text and to text/plain, text/html and text/markdown outputs only; images,
// Vega-Lite specs and all other outputs are compared byte for byte):
//   - wall-clock amounts printed with a time unit: "0.11 s", "153 ms", "4.8 s" (with the padding
//     before them, which tables widen with the number), → "<time>";
//   - progress rates and clocks: "345.7 it/s", "1.063 s/it", "elapsed 0:03", "ETA 0:12";
//   - throughput measured against the clock, "2.5 GFLOP/s", and "peak memory 383 MB" (process RSS);
//   - absolute paths of the two output folders and of the project (also in the injected
//     parameters cell and the run metadata: a notebook's `resultsDir` points into its run's folder).
// Outside the outputs, the comparison ignores only each cell's `metadata.execution` (Jupyter's
// timestamps) and `metadata.bptt_lab.duration_ms`, and the notebook's run start time and duration.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describeBackend } from "../src/backend";
import { findParameters } from "../scripts/runner/params";
import { readNotebook, type Cell, type JsonObject, type Notebook, type Output } from "../scripts/runner/notebook";

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOK_DIR = path.join(ROOT, "notebooks");

/** Makes two runs' text comparable: see the list at the top of this file. */
export function normaliseText(text: string, paths: readonly string[] = []): string {
  let s = text;
  // Longest first, so that a folder inside another is replaced as a whole.
  for (const p of [...paths].sort((a, b) => b.length - a.length)) s = s.split(p).join("<path>");
  return (
    s
      .replace(/\d+(?:\.\d+)?(?:e[+-]?\d+)? (?:it\/s|s\/it)\b/g, "<rate>")
      .replace(/\b(elapsed|ETA) (?:\d+:)?\d+:\d\d\b/g, "$1 <clock>")
      .replace(/\d+(?:\.\d+)? ?GFLOP\/s/g, "<throughput>")
      .replace(/\bpeak memory \d+(?:\.\d+)? ?MB\b/g, "peak memory <memory>")
      // The spaces before a time go too (tables pad it to a width that grows with the number).
      .replace(/( *)\b\d+(?:\.\d+)? ?(?:ms|s)\b(?!\/)/g, (_, spaces: string) => `${spaces ? " " : ""}<time>`)
  );
}

const TEXT_MIMES = new Set(["text/plain", "text/html", "text/markdown"]);
const joinText = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

function normaliseOutput(output: Output, paths: readonly string[]): unknown {
  if (output.output_type === "stream") return { ...output, text: normaliseText(joinText(output.text), paths) };
  if (output.output_type === "display_data" || output.output_type === "execute_result") {
    const data: JsonObject = {};
    for (const [mime, value] of Object.entries(output.data)) {
      data[mime] = TEXT_MIMES.has(mime) ? normaliseText(joinText(value), paths) : value;
    }
    return { ...output, data };
  }
  if (output.output_type === "error") {
    return {
      ...output,
      evalue: normaliseText(output.evalue, paths),
      traceback: output.traceback.map((l) => normaliseText(l, paths)),
    };
  }
  return output;
}

function comparableMetadata(cell: Cell): JsonObject {
  const { execution: _timestamps, ...rest } = cell.metadata;
  const ours = rest.bptt_lab as JsonObject | undefined;
  if (ours) {
    const { duration_ms: _duration, ...kept } = ours;
    rest.bptt_lab = kept;
  }
  return rest;
}

function comparableNotebookMetadata(nb: Notebook): JsonObject {
  const ours = { ...((nb.metadata.bptt_lab as JsonObject | undefined) ?? {}) };
  const run = { ...((ours.run as JsonObject | undefined) ?? {}) };
  delete run.started;
  delete run.duration_ms;
  return { ...nb.metadata, bptt_lab: { ...ours, run } };
}

/** Where a value first differs, for a readable failure (long base64 strings are cut around it). */
function firstDifference(a: unknown, b: unknown): string {
  const sa = JSON.stringify(a, null, 1) ?? "undefined";
  const sb = JSON.stringify(b, null, 1) ?? "undefined";
  let i = 0;
  while (i < sa.length && i < sb.length && sa[i] === sb[i]) i++;
  const cut = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 80), i + 80));
  return `first difference at character ${i}:\n      run 1: ${cut(sa)}\n      run 2: ${cut(sb)}`;
}

/** `value` with the given absolute paths replaced by "<path>" (in sources and metadata: the injected resultsDir). */
function withoutPaths<T>(value: T, paths: readonly string[]): T {
  let json = JSON.stringify(value);
  for (const p of [...paths].sort((x, y) => y.length - x.length)) {
    assert.equal(JSON.stringify(p), `"${p}"`, `a path with characters JSON escapes: ${p}`);
    json = json.split(p).join("<path>");
  }
  return JSON.parse(json) as T;
}

/** Every difference between the two executions of one notebook, as lines for the failure message. */
function compareNotebooks(name: string, a: Notebook, b: Notebook, pathsA: string[], pathsB: string[]): string[] {
  const diffs: string[] = [];
  const note = (where: string, x: unknown, y: unknown) => {
    [x, y] = [withoutPaths(x, pathsA), withoutPaths(y, pathsB)];
    if (!isDeepStrictEqual(x, y)) diffs.push(`${name}, ${where}: ${firstDifference(x, y)}`);
  };
  note("notebook metadata", comparableNotebookMetadata(a), comparableNotebookMetadata(b));
  if (a.cells.length !== b.cells.length)
    return [...diffs, `${name}: ${a.cells.length} cells in run 1, ${b.cells.length} in run 2`];
  a.cells.forEach((ca, i) => {
    const cb = b.cells[i]!;
    const where = `cell ${i + 1}`;
    note(
      `${where} source`,
      { type: ca.cell_type, id: ca.id, source: joinText(ca.source) },
      { type: cb.cell_type, id: cb.id, source: joinText(cb.source) },
    );
    note(`${where} metadata`, comparableMetadata(ca), comparableMetadata(cb));
    if (ca.cell_type !== "code" || cb.cell_type !== "code") return;
    note(`${where} execution_count`, ca.execution_count, cb.execution_count);
    if (ca.outputs.length !== cb.outputs.length) {
      diffs.push(`${name}, ${where}: ${ca.outputs.length} outputs in run 1, ${cb.outputs.length} in run 2`);
      return;
    }
    ca.outputs.forEach((oa, k) => {
      const ob = cb.outputs[k]!;
      const mimes =
        oa.output_type === "display_data" || oa.output_type === "execute_result"
          ? ` (${Object.keys(oa.data).join(", ")})`
          : "";
      note(
        `${where} output ${k + 1} ${oa.output_type}${mimes}`,
        normaliseOutput(oa, pathsA),
        normaliseOutput(ob, pathsB),
      );
    });
  });
  return diffs;
}

/** Every file under `dir`, relative path → bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    files.set(path.relative(dir, full), fs.readFileSync(full));
  }
  return files;
}

describe("normaliseText strips timings and paths only", () => {
  test("what it strips", () => {
    assert.equal(
      normaliseText("SSNN, pure sine: 3 epochs × 12 batches in 0.11 s; loss (epoch mean) 7.887 → 0.1843"),
      "SSNN, pure sine: 3 epochs × 12 batches in <time>; loss (epoch mean) 7.887 → 0.1843",
    );
    assert.equal(
      normaliseText(
        "ReLU RNN (4 units), echo 3  5000/5000  100%  4157 it/s  elapsed 0:01  epoch=5 loss=0.001062 accuracy=99.99",
      ),
      "ReLU RNN (4 units), echo 3  5000/5000  100%  <rate>  elapsed <clock>  epoch=5 loss=0.001062 accuracy=99.99",
    );
    assert.equal(
      normaliseText("3/3  100%  1.063 s/it  elapsed 1:00:03  ETA 0:12"),
      "3/3  100%  <rate>  elapsed <clock>  ETA <clock>",
    );
    assert.equal(
      normaliseText("trained in 1.2 s (0.241 ms per chunk), tested in 0.1 s"),
      "trained in <time> (<time> per chunk), tested in <time>",
    );
    assert.equal(
      normaliseText("GRU (16 units), echo 10    65.6%    64.7%     1.8 s"),
      "GRU (16 units), echo 10    65.6%    64.7% <time>",
    );
    assert.equal(normaliseText("x; 2.5 GFLOP/s in the matrix products"), "x; <throughput> in the matrix products");
    assert.equal(
      normaliseText("notebook ran in 21.0 s; peak memory 383 MB; wasm"),
      "notebook ran in <time>; peak memory <memory>; wasm",
    );
    assert.equal(
      normaliseText("wrote /tmp/run-a/x/files/a.gif", ["/tmp/run-a", "/tmp/run-a/x/files"]),
      "wrote <path>/a.gif",
    );
  });

  test("what it keeps: numbers without a time unit, and words that start with s", () => {
    for (const kept of [
      "largest ξ + 1 = 2.20e+9",
      "Test accuracy: 65.12%",
      "3 epochs × 12 batches; 100 sequences; 5 steps",
      "wIn              [1, 8]             8                     4.02e-10                  2.14e-7",
      "0.5 sigma, 3 samples",
    ]) {
      assert.equal(normaliseText(kept), kept);
    }
  });
});

test("a backend that cannot promise determinism says so in its line", () => {
  const attempts = [{ name: "node-gpu" as const, ok: true, reason: "" }];
  assert.equal(
    describeBackend({ name: "node-gpu", tfName: "tensorflow", attempts, deterministic: false }),
    "TensorFlow.js backend: node-gpu; not deterministic: its GPU reductions run in no fixed order, so TensorFlow.js results (autodiff checks) may differ slightly between runs",
  );
  assert.equal(
    describeBackend({
      name: "wasm",
      tfName: "wasm",
      attempts: [
        { name: "node", ok: false, reason: "not installed" },
        { name: "wasm", ok: true, reason: "" },
      ],
      deterministic: true,
    }),
    "TensorFlow.js backend: wasm (node skipped: not installed)",
  );
});

describe("two runs of every notebook (short preset) give the same outputs", () => {
  const notebooks = fs
    .readdirSync(NOTEBOOK_DIR)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-determinism-"));
  const runDirs = [path.join(base, "run-1"), path.join(base, "run-2")];
  const status = new Map<string, string>();
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  /** A notebook that writes files of its own (a `resultsDir` parameter) writes them into the run's folder. */
  function runOnce(file: string, out: string): void {
    const nb = readNotebook(path.join(NOTEBOOK_DIR, file), file);
    const args = ["--import", "tsx", "scripts/run-notebooks.ts", "--preset", "short", "--out", out];
    if (findParameters(nb)?.names.has("resultsDir")) {
      args.push("--param", `resultsDir=${JSON.stringify(path.join(out, "files", path.basename(file, ".ipynb")))}`);
    }
    args.push(path.join("notebooks", file));
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    status.set(
      `${out}/${file}`,
      `exit ${run.status}${run.signal ? ` (${run.signal})` : ""}\n${run.stderr.slice(-4000)}`,
    );
  }

  test("the notebooks exist", () => {
    assert.ok(notebooks.length > 0, `no notebooks in ${NOTEBOOK_DIR}`);
  });

  for (const file of notebooks) {
    const name = path.basename(file, ".ipynb");
    test(name, () => {
      // One notebook at a time, both runs back to back: a failure names the notebook at once.
      for (const out of runDirs) runOnce(file, out);
      const executed = runDirs.map((out) => {
        const ipynb = path.join(out, `${name}.ipynb`);
        assert.ok(fs.existsSync(ipynb), `${name} was not written to ${out}: ${status.get(`${out}/${file}`)}`);
        const nb = readNotebook(ipynb, ipynb);
        const run = (nb.metadata.bptt_lab as { run?: { status?: string } } | undefined)?.run;
        assert.equal(run?.status, "ok", `${name} did not run cleanly in ${out}: ${status.get(`${out}/${file}`)}`);
        return nb;
      });
      const pathsOf = (out: string) => [out, ROOT];
      const diffs = compareNotebooks(name, executed[0]!, executed[1]!, pathsOf(runDirs[0]!), pathsOf(runDirs[1]!));
      // Files the notebook wrote itself (lab 000's GIFs), byte for byte.
      const written = runDirs.map((out) => filesUnder(path.join(out, "files", name)));
      const names = new Set([...written[0]!.keys(), ...written[1]!.keys()]);
      for (const f of names) {
        const [x, y] = [written[0]!.get(f), written[1]!.get(f)];
        if (!x || !y) diffs.push(`${name}: ${f} was written in one run only`);
        else if (!x.equals(y)) diffs.push(`${name}: ${f} differs between the runs (${x.length} and ${y.length} bytes)`);
      }
      assert.deepEqual(diffs, [], `${name}: outputs differ between two runs with the same seed:\n${diffs.join("\n")}`);
    });
  }
});
