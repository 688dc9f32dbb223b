// Behaviour tests of the headless notebook runner (scripts/run-notebooks.ts), run by `npm test`.
// Each test runs the CLI as a child process on fixture notebooks (test/fixtures/notebooks, plain
// TypeScript + tslab's display API, independent of the library) and writes into a temp folder.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join(ROOT, "scripts", "run-notebooks.ts");
const fixture = (name: string) => `test/fixtures/notebooks/${name}.ipynb`;
/** The project's labs, as notebooks/ lists them (never a fixed list). */
const labs = () =>
  fs
    .readdirSync(path.join(ROOT, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => f.replace(/\.ipynb$/, ""));

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
  /** Added to the environment. */
  env?: NodeJS.ProcessEnv;
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
    env: { ...process.env, ...options.env },
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
  (cell?.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => join(o.text))
    .join("");

/**
 * What nbformat 4's JSON schema (v4.5) requires of a notebook, checked by hand so that the test
 * needs no Python: the top-level and per-cell keys, cell ids, and each output type's fields.
 */
function nbformatProblems(nb: { [key: string]: unknown }): string[] {
  const problems: string[] = [];
  const only = (what: string, o: object, keys: string[]) => {
    const extra = Object.keys(o).filter((k) => !keys.includes(k));
    if (extra.length) problems.push(`${what} has keys ${extra.join(", ")} that nbformat 4 does not allow`);
  };
  const isText = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.every((l) => typeof l === "string"));
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  only("the notebook", nb, ["nbformat", "nbformat_minor", "metadata", "cells"]);
  if (nb.nbformat !== 4 || !Number.isInteger(nb.nbformat_minor))
    problems.push("nbformat must be 4 with an integer nbformat_minor");
  if (!isObject(nb.metadata)) problems.push("metadata must be an object");
  if (!Array.isArray(nb.cells)) return [...problems, "cells must be a list"];
  const ids = new Set<string>();
  (nb.cells as Array<{ [key: string]: unknown }>).forEach((cell, i) => {
    const what = `cell ${i + 1}`;
    if ((nb.nbformat_minor as number) >= 5) {
      const id = cell.id;
      if (typeof id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(id) || ids.has(id))
        problems.push(`${what} needs a unique id of 1-64 [a-zA-Z0-9-_]`);
      else ids.add(id);
    }
    if (!isObject(cell.metadata)) problems.push(`${what}: metadata must be an object`);
    if (!isText(cell.source)) problems.push(`${what}: source must be a string or a list of strings`);
    if (cell.cell_type === "markdown")
      return only(what, cell, ["id", "cell_type", "metadata", "source", "attachments"]);
    if (cell.cell_type === "raw") return only(what, cell, ["id", "cell_type", "metadata", "source", "attachments"]);
    if (cell.cell_type !== "code") return problems.push(`${what}: cell_type must be code, markdown or raw`);
    only(what, cell, ["id", "cell_type", "metadata", "source", "outputs", "execution_count"]);
    if (!(cell.execution_count === null || Number.isInteger(cell.execution_count)))
      problems.push(`${what}: execution_count must be null or an integer`);
    if (!Array.isArray(cell.outputs)) return problems.push(`${what}: outputs must be a list`);
    (cell.outputs as Array<{ [key: string]: unknown }>).forEach((out, k) => {
      const where = `${what} output ${k + 1}`;
      switch (out.output_type) {
        case "stream":
          only(where, out, ["output_type", "name", "text"]);
          if (!["stdout", "stderr"].includes(out.name as string) || !isText(out.text))
            problems.push(`${where}: a stream needs a name and text`);
          break;
        case "display_data":
        case "execute_result":
          only(where, out, [
            "output_type",
            "data",
            "metadata",
            ...(out.output_type === "execute_result" ? ["execution_count"] : []),
          ]);
          if (!isObject(out.data) || !isObject(out.metadata))
            problems.push(`${where}: data and metadata must be objects`);
          break;
        case "error":
          only(where, out, ["output_type", "ename", "evalue", "traceback"]);
          if (
            typeof out.ename !== "string" ||
            typeof out.evalue !== "string" ||
            !isText(out.traceback) ||
            !Array.isArray(out.traceback)
          ) {
            problems.push(`${where}: an error needs ename, evalue and a traceback list`);
          }
          break;
        default:
          problems.push(`${where}: unknown output_type ${String(out.output_type)}`);
      }
    });
  });
  return problems;
}

/** Python's nbformat.validate, when Debian's python3 has nbformat (CI may not): the reference check. */
function pythonNbformatProblems(file: string): string | undefined {
  const python = "/usr/bin/python3";
  if (!fs.existsSync(python)) return undefined;
  const probe = spawnSync(python, ["-c", "import nbformat"], { encoding: "utf8" });
  if (probe.status !== 0) return undefined;
  const check = spawnSync(
    python,
    ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", file],
    { encoding: "utf8" },
  );
  return check.stdout.trim() === "valid" ? "" : (check.stderr || check.stdout).trim().split("\n").slice(-3).join("\n");
}

/** Loads an HTML file in Chromium (when the machine has one) and returns its text and script errors. */
async function openInBrowser(file: string): Promise<{ text: string; errors: string[] } | undefined> {
  const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) =>
    fs.existsSync(p),
  );
  if (!executablePath) return undefined;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    return { text: await page.innerText("body"), errors };
  } finally {
    await browser.close();
  }
}

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

  test("writes an HTML page that needs no network, figure files and an index", async () => {
    const run = await basicRun();
    const html = readText(run.out, "basic.html");
    // The page shows the figure files (each figure stored once in the site).
    assert.match(html, /<img class="figure" src="basic\/figure-4-1\.svg"/);
    assert.match(html, /<img class="figure" src="basic\/figure-4-2\.png"/);
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
    assert.equal(param.stderr.trim(), `unknown parameter "foo" for ${fixture("basic")}; it declares: numIters, label`);
    assert.equal(fs.existsSync(path.join(param.out, "basic.ipynb")), false);
    const preset = await runCli(["--preset", "long", fixture("basic")]);
    assert.equal(preset.code, 2);
    assert.equal(preset.stderr.trim(), `${fixture("basic")} has no preset "long"; its presets: short`);
  });

  test("a failing cell stops the notebook and the run, keeping what was computed", async () => {
    const run = await runCli(["--jobs", "1", fixture("failing"), fixture("second")]);
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

  test("--jobs 2 runs two notebooks at once; after a failure the other runs to its end and no more start", async () => {
    const run = await runCli(["--jobs", "2", fixture("failing"), fixture("waiting"), fixture("basic")]);
    assert.equal(run.code, 1);
    const spans = ["failing", "waiting"].map((name) => {
      const facts = readNotebook(run.out, name).metadata.bptt_lab?.run as unknown as {
        started: string;
        duration_ms: number;
      };
      const from = Date.parse(facts.started);
      return [from, from + facts.duration_ms] as const;
    });
    const [a, b] = spans as [readonly [number, number], readonly [number, number]];
    assert.ok(a[0] < b[1] && b[0] < a[1], `the two runs did not overlap: ${JSON.stringify(spans)}`);
    assert.equal(streamText(readNotebook(run.out, "waiting").cells[0]), "waited 5 s\n");
    assert.equal(fs.existsSync(path.join(run.out, "basic.ipynb")), false);
    assert.match(run.stderr, /not run after the failure: basic/);
  });

  test("--jobs refuses anything but a whole number of 1 or more", async () => {
    const run = await runCli(["--jobs", "0", fixture("basic")]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim(), '--jobs needs a whole number of notebooks, 1 or more, got "0"');
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
    for (const name of ["failing", "second", "type-error", "interval"])
      assert.match(index, new RegExp(`href="${name}\\.html"`));
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
    assert.match(
      missing.stderr,
      /^no notebook notebooks\/nope\.ipynb: not a file, nor a lab's number or name; the labs are: /,
    );
    assert.equal(missing.stderr.split("\n").length, 2, "one line");
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
    const run = await runCli(["--jobs", "1", fixture("slow"), fixture("second")], {
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

  test("SIGTERM mid-notebook also writes the executed-so-far notebook, valid nbformat 4, and an HTML page that opens", async (t) => {
    let sent = false;
    const run = await runCli([fixture("slow")], {
      onStdout: (stdout, child) => {
        if (!sent && stdout.includes("[slow] cell 2/3")) {
          sent = true;
          child.kill("SIGTERM");
        }
      },
    });
    assert.ok(sent, run.stdout + run.stderr);
    assert.equal(run.code, 143);
    const file = path.join(run.out, "slow.ipynb");
    const nb = readNotebook(run.out, "slow");
    assert.deepEqual(nbformatProblems(nb as unknown as { [key: string]: unknown }), []);
    const python = pythonNbformatProblems(file);
    if (python === undefined)
      t.diagnostic("python3 with nbformat not found: checked against the schema's rules by hand only");
    else assert.equal(python, "", `nbformat.validate refused ${file}`);
    assert.equal(nb.metadata.bptt_lab?.run?.status, "interrupted");
    assert.equal(streamText(nb.cells[0]), "before the slow cell\n");
    const stopped = nb.cells[1]?.outputs?.at(-1);
    assert.deepEqual(
      [stopped?.ename, stopped?.evalue],
      ["Interrupted", "the run was interrupted by SIGTERM while this cell was running"],
    );
    assert.equal(nb.cells[2]?.execution_count, null);
    const html = readText(run.out, "slow.html");
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.match(html, /<\/html>\s*$/);
    const page = await openInBrowser(path.join(run.out, "slow.html"));
    if (page === undefined) {
      t.diagnostic("no Chromium found: the HTML page was checked as text only");
      assert.match(html, /interrupted at cell 2/);
    } else {
      assert.deepEqual(page.errors, []);
      assert.match(page.text, /interrupted at cell 2/);
      assert.match(page.text, /before the slow cell/);
      assert.match(page.text, /the run was interrupted by SIGTERM while this cell was running/);
    }
  });

  test("a lab is named by its number or its name as well as by a path; an unknown one lists the labs", async () => {
    // An undeclared parameter stops the run before anything runs, after the lab was found.
    const lab = labs()[0]!;
    const number = /^(\d+)-/.exec(lab)?.[1];
    assert.ok(number, `${lab} starts with its number`);
    for (const given of [number, String(Number(number)), lab, `${lab}.ipynb`, `notebooks/${lab}.ipynb`]) {
      const run = await runCli(["--param", "noSuchParameter=1", given]);
      assert.equal(run.code, 2, given);
      assert.equal(
        run.stderr,
        `unknown parameter "noSuchParameter" for notebooks/${lab}.ipynb; ${run.stderr.split("; ")[1]}`,
        given,
      );
    }
    const unknown = await runCli(["no-such-lab"]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      `no notebook no-such-lab: not a file, nor a lab's number or name; the labs are: ${labs().join(", ")}\n`,
    );
    assert.deepEqual(fs.readdirSync(unknown.out), [], "nothing written");
  });

  test("a parameter value is checked against its declaration's type before any cell runs", async () => {
    const run = await runCli(["--param", "numIters=abc", fixture("basic")]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `numIters is a number in ${fixture("basic")} (const numIters: number = 3); got "abc"\n`);
    assert.deepEqual(fs.readdirSync(run.out), [], "no cell ran, nothing written");
    // Without an annotation, the type is the one TypeScript infers from the value (const seed = 1: a number).
    const { findParameters } = await import("../scripts/runner/params");
    const declares = (name: string) =>
      findParameters(
        JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", `${name}.ipynb`), "utf8")),
      )?.declarations.get("seed")?.text;
    const lab = labs().find((name) => /^const seed = \d+$/.test(declares(name) ?? ""));
    if (lab) {
      const seed = await runCli(["--param", "seed=abc", lab]);
      assert.equal(seed.code, 2);
      assert.match(
        seed.stderr,
        new RegExp(`^seed is a number in notebooks/${lab}\\.ipynb \\(const seed = \\d+\\); got "abc"\n$`),
      );
    }
    // A string parameter takes the text as typed, even when it reads as JSON.
    const text = await runCli(["--verbose", "--param", "label=5", "--param", "numIters=2", fixture("basic")]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /numIters=2 label=5/);
    assert.match(join(readNotebook(text.out, "basic").cells[2]?.source), /^let label: string = "5";$/m);
  });

  test("a cell that runs out of memory fails in one line naming the cell and the heap limit, keeping the notebook so far", async () => {
    // A small heap, so that the fixture's hungry cell exhausts it in seconds; the worker inherits it.
    const run = await runCli([fixture("out-of-memory")], { env: { NODE_OPTIONS: "--max-old-space-size=256" } });
    assert.equal(run.code, 1);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0]!,
      /^\[out-of-memory\] FAILED cell 3 \(code cell 2\) of test\/fixtures\/notebooks\/out-of-memory\.ipynb ran out of memory \(its heap limit of \d+ MB\); .*NODE_OPTIONS=--max-old-space-size=<MB>$/,
    );
    const limit = Number(/heap limit of (\d+) MB/.exec(lines[0]!)?.[1]);
    assert.ok(
      limit >= 256 && limit < 512,
      `the limit given (256 MB plus V8's young generation), not V8's default: ${limit} MB`,
    );
    const nb = readNotebook(run.out, "out-of-memory");
    assert.equal(nb.metadata.bptt_lab?.run?.status, "failed");
    assert.equal(streamText(nb.cells[1]), "before the hungry cell\n");
    assert.equal(nb.cells[2]?.outputs?.at(-1)?.ename, "OutOfMemory");
    assert.equal(nb.cells[3]?.execution_count, null);
  });

  test("--help answers before anything is built or loaded", async () => {
    const dist = path.join(ROOT, "dist", "index.js");
    const before = fs.statSync(dist).mtimeMs;
    const help = await runCli(["--build", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: /);
    assert.doesNotMatch(help.stdout, /building/);
    assert.equal(fs.statSync(dist).mtimeMs, before, "dist/ untouched");
    // `npm run notebooks` is the runner itself, which builds after checking its command line.
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as {
      [name: string]: string;
    };
    assert.equal(scripts.notebooks, "tsx scripts/run-notebooks.ts --build");
  });
});

test('the headline figure (index thumbnail) is the first image of a cell tagged "headline", else the first image', async () => {
  const { writeFigures } = await import("../scripts/runner/figures");
  const svg = (id: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><circle id="${id}" r="1"/></svg>`;
  const imageCell = (id: string, tags?: string[]) => ({
    cell_type: "code" as const,
    source: "",
    execution_count: 1,
    metadata: tags ? { tags } : {},
    outputs: [{ output_type: "display_data" as const, data: { "image/svg+xml": svg(id) }, metadata: {} }],
  });
  const notebook = (cells: ReturnType<typeof imageCell>[]) => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-lab-headline-"));
  try {
    const tagged = writeFigures(
      notebook([imageCell("a"), imageCell("b", ["headline"]), imageCell("c", ["headline"])]),
      out,
      "nb",
    );
    assert.deepEqual(tagged, { mime: "image/svg+xml", file: "nb/figure-2-1.svg" });
    assert.match(fs.readFileSync(path.join(out, "nb/figure-2-1.svg"), "utf8"), /id="b"/);
    const untagged = writeFigures(notebook([imageCell("a", ["other"]), imageCell("b")]), out, "plain");
    assert.deepEqual(untagged, { mime: "image/svg+xml", file: "plain/figure-1-1.svg" });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("the live line keeps the loss on a narrow terminal: timings go first, then the names shrink", async () => {
  const { fitLiveLine, Progress } = await import("../scripts/runner/progress");
  const label = "[001-signal-echoing] cell 23/60";
  const live = "ReLU RNN 6 × 60 units, echo 10  3/20  15%  1.23 s/it  elapsed 0:04  ETA 0:21  loss=0.6931 acc=0.5012";
  assert.equal(fitLiveLine(label, live, 200), `${label} ... ${live}`);
  for (const width of [120, 100, 80, 60]) {
    const line = fitLiveLine(label, live, width);
    assert.ok(line.length <= width, `${width}: ${line}`);
    assert.match(line, /loss=0\.6931 acc=0\.5012$/, `${width} columns: ${line}`);
    assert.match(line, /3\/20/, `${width} columns keep the count: ${line}`);
  }
  assert.equal(
    fitLiveLine(label, live, 80),
    "[001] cell 23/60 ... ReLU RNN 6 × 60 units, echo …  3/20  loss=0.6931 acc=0.5012",
  );
  // Through the Progress class, as the runner writes to a 80-column terminal.
  const written: string[] = [];
  const out = Object.assign(
    new (await import("node:stream")).Writable({
      write: (c, _e, cb) => {
        written.push(String(c));
        cb();
      },
    }),
    {
      isTTY: true,
      columns: 80,
    },
  ) as unknown as NodeJS.WriteStream;
  const progress = new Progress({ out, err: out, verbose: false });
  progress.cellStart(label);
  progress.cellDisplayText(live, label);
  const last = written.at(-1) ?? "";
  assert.ok(last.startsWith("\r\x1b[K"));
  assert.match(last, /loss=0\.6931 acc=0\.5012$/);
  assert.ok(last.length - 4 < 80);
});

test("JSON outputs (Vega-Lite specs) are written on one line; the rest is indented as Jupyter does", async () => {
  const { toJupyterJson } = await import("../scripts/runner/notebook");
  const spec = {
    mark: "line",
    data: {
      values: [
        { x: 0, y: 1.5 },
        { x: 1, y: 2.5 },
      ],
    },
  };
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tslab" } },
    cells: [
      {
        id: "a1",
        cell_type: "code" as const,
        source: "show()\nagain()",
        metadata: {},
        execution_count: 1,
        outputs: [
          {
            output_type: "display_data" as const,
            data: { "application/vnd.vegalite.v5+json": spec, "text/plain": "[chart]" },
            metadata: {},
          },
        ],
      },
    ],
  };
  const text = toJupyterJson(nb);
  assert.ok(text.includes(`"application/vnd.vegalite.v5+json": ${JSON.stringify(spec)}`), text);
  const parsed = JSON.parse(text);
  assert.deepEqual(parsed.cells[0].outputs[0].data["application/vnd.vegalite.v5+json"], spec);
  assert.deepEqual(parsed.cells[0].source, ["show()\n", "again()"]);
  // Without JSON outputs, the same bytes as JSON.stringify with one space of indentation (Jupyter's layout).
  const plain = { ...nb, cells: [{ ...nb.cells[0]!, outputs: [] }] };
  assert.equal(
    toJupyterJson(plain),
    JSON.stringify({ ...plain, cells: [{ ...plain.cells[0], source: ["show()\n", "again()"] }] }, null, 1) + "\n",
  );
});
