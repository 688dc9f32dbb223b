// Behaviour tests of the headless notebook runner (scripts/run-notebooks.ts), run by `npm test`.
// Each test runs the CLI as a child process on fixture notebooks (test/fixtures/notebooks, plain
// TypeScript + tslab's display API, independent of the library) and writes into a temp folder.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join(ROOT, "scripts", "run-notebooks.ts");
const fixture = (name: string) => `test/fixtures/notebooks/${name}.ipynb`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
}

interface RunCliOptions {
  out?: string;
  /** Called with the stdout so far on each chunk, e.g. to signal the runner at some point. */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

const outDirs: string[] = [];
after(() => {
  for (const dir of outDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function newOutDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-runner-"));
  outDirs.push(dir);
  return dir;
}

function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const out = options.out ?? newOutDir();
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "--out", out, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, out }));
  });
}

/** Several tests check different aspects of one expensive run (a notebook run takes seconds). */
function shared<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: { [mime: string]: unknown };
  ename?: string;
  evalue?: string;
  traceback?: string[];
  transient?: unknown;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[]; execution?: { [key: string]: string }; bptt_lab?: { duration_ms?: number } };
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  metadata: { kernelspec?: unknown; bptt_lab?: { run?: { status?: string; cell?: number } } };
  cells: Cell[];
}

const join = (text: string | string[] | unknown) => (Array.isArray(text) ? text.join("") : String(text ?? ""));
const readNotebook = (out: string, name: string) =>
  JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), "utf8")) as Notebook;
const readText = (out: string, file: string) => fs.readFileSync(path.join(out, file), "utf8");
const streamText = (cell: Cell | undefined, name = "stdout") =>
  (cell?.outputs ?? []).filter((o) => o.output_type === "stream" && o.name === name).map((o) => join(o.text)).join("");

describe("run-notebooks", { concurrency: 2 }, () => {
  const basicRun = shared(() => runCli([fixture("basic")]));
  const keepGoingRun = shared(() =>
    runCli(["--keep-going", fixture("failing"), fixture("second"), fixture("type-error")]),
  );

  test("executes a notebook into Jupyter's format, with counts and durations", async () => {
    const run = await basicRun();
    assert.equal(run.code, 0, run.stderr);
    const nb = readNotebook(run.out, "basic");
    assert.deepEqual(nb.metadata.kernelspec, { name: "tslab", display_name: "TypeScript", language: "typescript" });
    assert.equal(nb.metadata.bptt_lab?.run?.status, "ok");
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.deepEqual(
      code.map((c) => c.execution_count),
      [1, 2, 3, 4, 5],
    );
    for (const cell of code) {
      assert.equal(typeof cell.metadata.bptt_lab?.duration_ms, "number");
      assert.ok(cell.metadata.execution?.["iopub.execute_input"]);
      assert.ok(cell.metadata.execution?.["shell.execute_reply"]);
    }
    assert.equal(streamText(nb.cells[2]), "numIters=3 label=base\n");
    const [svg, png] = nb.cells[3]?.outputs ?? [];
    assert.equal(svg?.output_type, "display_data");
    assert.match(join(svg?.data?.["image/svg+xml"]), /id="fixture-dot"/);
    assert.match(join(png?.data?.["image/png"]), /^iVBORw0KGgo/);
    assert.equal(streamText(nb.cells[5], "stderr"), "a warning on stderr\n");
  });

  test("keeps only the last state of a display updated in place", async () => {
    const run = await basicRun();
    const outputs = readNotebook(run.out, "basic").cells[4]?.outputs ?? [];
    assert.equal(outputs.length, 1);
    assert.equal(join(outputs[0]?.data?.["text/plain"]), "step 3/3");
    assert.equal(outputs[0]?.transient, undefined);
    assert.doesNotMatch(readText(run.out, "basic.html"), /step [12]\/3/);
  });

  test("writes a self-contained HTML page, figure files and an index", async () => {
    const run = await basicRun();
    const html = readText(run.out, "basic.html");
    assert.match(html, /<svg[^>]*>\s*<circle id="fixture-dot"/);
    assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo/);
    assert.match(html, /<math[^>]*>/);
    assert.match(html, /<math[^>]*display="block"/);
    assert.match(html, /<h1[^>]*>Basic fixture<\/h1>/);
    assert.doesNotMatch(html, /<script[^>]*\ssrc=["']?(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link[^>]*\shref=["']?(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import|url\(["']?https?:/i);
    assert.match(readText(run.out, "basic/figure-4-1.svg"), /id="fixture-dot"/);
    assert.ok(fs.statSync(path.join(run.out, "basic/figure-4-2.png")).size > 0);
    const index = readText(run.out, "index.html");
    assert.match(index, /href="basic\.html"/);
    assert.match(index, /href="basic\.ipynb"/);
    assert.match(index, /Basic fixture/);
    assert.match(index, /src="basic\/figure-4-1\.svg"/);
  });

  test("--param overrides a declared parameter", async () => {
    const run = await runCli(["--verbose", "--param", "numIters=7", fixture("basic")]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /numIters=7 label=base/);
    const nb = readNotebook(run.out, "basic");
    const injected = nb.cells[2];
    assert.deepEqual(injected?.metadata.tags, ["injected-parameters"]);
    assert.match(join(injected?.source), /^let numIters: number = 7;$/m);
    assert.equal(streamText(nb.cells[3]), "numIters=7 label=base\n");
  });

  test("--preset applies the notebook's stored values, and --param wins over it", async () => {
    const run = await runCli(["--preset", "short", "--param", "label=from-cli", fixture("basic")]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(streamText(readNotebook(run.out, "basic").cells[3]), "numIters=1 label=from-cli\n");
  });

  test("an undeclared parameter or preset is a usage error before anything runs", async () => {
    const param = await runCli(["--param", "foo=1", fixture("basic")]);
    assert.equal(param.code, 2);
    assert.equal(
      param.stderr.trim(),
      `unknown parameter "foo" for ${fixture("basic")}; it declares: numIters, label`,
    );
    assert.equal(fs.existsSync(path.join(param.out, "basic.ipynb")), false);
    const preset = await runCli(["--preset", "long", fixture("basic")]);
    assert.equal(preset.code, 2);
    assert.equal(preset.stderr.trim(), `${fixture("basic")} has no preset "long"; its presets: short`);
  });

  test("a failing cell stops the notebook and the run, keeping what was computed", async () => {
    const run = await runCli([fixture("failing"), fixture("second")]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\[failing\] FAILED cell 3 \(code cell 3\) of test\/fixtures\/notebooks\/failing\.ipynb/);
    assert.match(run.stderr, /throw new Error\("fixture boom"\)/);
    assert.match(run.stderr, /Error: fixture boom/);
    const nb = readNotebook(run.out, "failing");
    assert.equal(streamText(nb.cells[0]), "first cell ran\n");
    assert.equal(streamText(nb.cells[1]), "second cell ran\n");
    const error = nb.cells[2]?.outputs?.find((o) => o.output_type === "error");
    assert.equal(error?.ename, "Error");
    assert.equal(error?.evalue, "fixture boom");
    assert.ok(error?.traceback?.some((line) => line.includes("fixture boom")));
    assert.equal(nb.cells[3]?.execution_count, null);
    assert.deepEqual(nb.cells[3]?.outputs, []);
    assert.equal(nb.metadata.bptt_lab?.run?.status, "failed");
    assert.match(readText(run.out, "failing.html"), /fixture boom/);
    assert.equal(fs.existsSync(path.join(run.out, "second.ipynb")), false);
  });

  test("--keep-going runs the other notebooks after a failure", async () => {
    const run = await keepGoingRun();
    assert.equal(run.code, 1);
    assert.equal(streamText(readNotebook(run.out, "second").cells[0]), "second notebook ran\n");
    const index = readText(run.out, "index.html");
    assert.match(index, /failed at cell 3/);
    assert.match(index, /href="second\.html"/);
  });

  test("a type error fails the cell with tslab's diagnostic", async () => {
    const run = await keepGoingRun();
    assert.match(run.stderr, /\[type-error\] FAILED cell 1/);
    assert.match(run.stderr, /1:7 - Type 'string' is not assignable to type 'number'\./);
    const error = readNotebook(run.out, "type-error").cells[0]?.outputs?.find((o) => o.output_type === "error");
    assert.equal(error?.evalue, "1:7 - Type 'string' is not assignable to type 'number'.");
  });

  test("a notebook that leaves a timer running finishes, and the index keeps earlier runs", async () => {
    const earlier = await keepGoingRun();
    const run = await runCli([fixture("interval")], { out: earlier.out });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(streamText(readNotebook(run.out, "interval").cells[0]), "interval started\n");
    const index = readText(run.out, "index.html");
    for (const name of ["failing", "second", "type-error", "interval"]) assert.match(index, new RegExp(`href="${name}\\.html"`));
  });

  test("errors raised outside the cell's own flow fail that cell instead of hanging", async () => {
    const run = await runCli(["--keep-going", fixture("async-error"), fixture("rejection")]);
    assert.equal(run.code, 1);
    const fromTimer = readNotebook(run.out, "async-error").cells[0]?.outputs?.at(-1);
    assert.equal(fromTimer?.evalue, "late boom");
    assert.equal(fromTimer?.traceback?.[0], "Uncaught exception:");
    const rejection = readNotebook(run.out, "rejection");
    assert.equal(rejection.cells[0]?.outputs?.at(-1)?.evalue, "fixture rejection");
    assert.equal(rejection.cells[1]?.execution_count, null);
  });

  test("bad usage is one line and exit code 2", async () => {
    const unknown = await runCli(["--foo"]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, "unknown option --foo; see --help\n");
    const missing = await runCli(["notebooks/nope.ipynb"]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "notebook not found: notebooks/nope.ipynb\n");
    const badParam = await runCli(["--param", "noequals", fixture("basic")]);
    assert.equal(badParam.code, 2);
    assert.match(badParam.stderr, /^bad --param "noequals": expected NAME=VALUE/);
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: /);
  });

  test("--cell-timeout stops a cell that runs too long", async () => {
    const run = await runCli(["--cell-timeout", "2", fixture("slow")]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /slow: cell 2 \(code cell 2\) ran longer than the --cell-timeout limit of 2s/);
    const nb = readNotebook(run.out, "slow");
    assert.equal(streamText(nb.cells[0]), "before the slow cell\n");
    assert.equal(nb.cells[1]?.outputs?.at(-1)?.ename, "CellTimeout");
    assert.equal(nb.cells[2]?.execution_count, null);
  });

  test("SIGINT mid-notebook writes a readable partial notebook marked interrupted", async () => {
    let sent = false;
    const run = await runCli([fixture("slow"), fixture("second")], {
      onStdout: (stdout, child) => {
        if (!sent && stdout.includes("[slow] cell 2/3")) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    });
    assert.ok(sent, run.stdout + run.stderr);
    assert.equal(run.code, 130);
    const nb = readNotebook(run.out, "slow");
    assert.equal(nb.metadata.bptt_lab?.run?.status, "interrupted");
    assert.equal(streamText(nb.cells[0]), "before the slow cell\n");
    assert.equal(nb.cells[1]?.outputs?.at(-1)?.ename, "Interrupted");
    assert.match(readText(run.out, "slow.html"), /interrupted at cell 2/);
    assert.equal(fs.existsSync(path.join(run.out, "second.ipynb")), false);
  });
});
