// `npm run notebooks`: executes the project's notebooks headlessly on tslab's own engine (no
// Jupyter, no Python), one worker process per notebook, and writes executed notebooks, HTML
// pages, figures and an index to results/. Used by developers, CI and the docs; see USAGE.
//
// The command line is checked before anything slow happens: --help and usage errors answer at
// once, then the library is built (with --build, as `npm run notebooks` passes it), then the
// notebooks run. The modules that take time to load (TypeScript's parser, the page renderer)
// are imported only once the command line is known to be good.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { UsageError, type JsonObject } from "./runner/notebook";
import type { NotebookJob, NotebookResult } from "./runner/run";
import type { ResultsStore as ResultsStoreType } from "./site/results-store";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run notebooks -- [options] [lab ...]
       npx tsx scripts/run-notebooks.ts [options] [lab ...]

A lab is a notebook's number (003), its name (003-linear-rnn-sum-of-bits), a path to a
.ipynb file, or a folder of them.

Runs each notebook on the tslab engine in a worker process whose working folder is the
notebook's folder (as in JupyterLab), and writes to the output folder:
  <name>.ipynb   the executed notebook (saved after every cell)
  <name>.html    a page of it (its figures and assets/ beside it)
  <name>/figure-<cell>-<k>.{svg,png,gif,jpg}   every image output
  index.html     all notebooks run into this folder, with status and headline figure
Without labs, runs notebooks/*.ipynb in name order.
  index.json     the manifest: what each notebook ran (preset, parameters, source hash)
  assets/        vega, vega-lite, KaTeX and the pages' script, so the pages work offline
The results of a full run (no --preset, no --param) that ran through are replaced only by
another full run that runs through: a --preset or --param run over them is refused, and a
full run over them writes into <out>/.partial/ until its notebook has run through.

Options:
  --out DIR               output folder (default: results/ of the project)
  --param NAME=VALUE      set a parameter declared in the cell tagged "parameters";
                          VALUE is read as JSON, else as a string (repeatable)
  --preset NAME           use the values in metadata.bptt_lab.presets.NAME (--param wins)
  --cell-timeout SECONDS  stop and fail a cell that runs longer (default: no limit)
  --keep-going            run the other notebooks after one fails
  --jobs N                run up to N notebooks at once (default: 2, or 1 on a 1-core
                          machine); --jobs 1 runs them one after another, so that the
                          times a notebook prints are not shared with another's
  --build                 build the library (dist/, which notebooks import) first;
                          \`npm run notebooks\` passes it
  -v, --verbose           print every line the cells write
  -h, --help              print this help

A cell that runs out of memory fails with the heap limit named; raise it with
NODE_OPTIONS=--max-old-space-size=<MB>.

Exit status: 0 all ran, 1 a notebook failed, 2 bad usage, 128+signal when interrupted.`;

interface CliOptions {
  outDir: string;
  /** The --param arguments, NAME=VALUE each. */
  paramArgs: string[];
  preset?: string;
  build: boolean;
  cellTimeoutMs?: number;
  keepGoing: boolean;
  /** How many notebooks run at once. */
  jobs: number;
  verbose: boolean;
  paths: string[];
}

/**
 * Two notebooks at once by default: the labs' long runs already use both cores (worker threads),
 * but 000, 003 and 004 mostly use one, and tslab's start-up and the figures none, so a second
 * notebook fills the idle core. More would only queue on a 2-core machine.
 */
const DEFAULT_JOBS = Math.min(2, os.availableParallelism());

function usageErrorFromParseArgs(e: unknown): UsageError {
  const error = e as NodeJS.ErrnoException;
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? "";
  const option = quoted.split(" ")[0] ?? quoted;
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option}; see --help`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(
        /does not take an argument/.test(error.message)
          ? `option ${option} takes no value; see --help`
          : `option ${option} needs a value; see --help`,
      );
    default:
      return new UsageError(`${error.message.split("\n")[0]}; see --help`);
  }
}

function parseCli(argv: string[]): CliOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        param: { type: "string", multiple: true },
        preset: { type: "string" },
        "cell-timeout": { type: "string" },
        "keep-going": { type: "boolean" },
        jobs: { type: "string", short: "j" },
        build: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw usageErrorFromParseArgs(e);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  let cellTimeoutMs: number | undefined;
  if (values["cell-timeout"] !== undefined) {
    const seconds = Number(values["cell-timeout"]);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError(`--cell-timeout needs a positive number of seconds, got "${values["cell-timeout"]}"`);
    }
    cellTimeoutMs = seconds * 1000;
  }
  let jobs = DEFAULT_JOBS;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      throw new UsageError(`--jobs needs a whole number of notebooks, 1 or more, got "${values.jobs}"`);
    }
  }
  return {
    jobs,
    outDir: values.out !== undefined ? path.resolve(values.out) : path.join(ROOT, "results"),
    paramArgs: values.param ?? [],
    preset: values.preset,
    build: Boolean(values.build),
    cellTimeoutMs,
    keepGoing: Boolean(values["keep-going"]),
    verbose: Boolean(values.verbose),
    paths: positionals,
  };
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative)
    ? relative.split(path.sep).join("/")
    : file;
}

function notebooksIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

const NOTEBOOKS_DIR = path.join(ROOT, "notebooks");

/**
 * A lab given by number (`003`, or `3`) or name (`003-linear-rnn-sum-of-bits`, or a unique start of it),
 * looked up in notebooks/; undefined when `given` names none.
 */
function findLab(given: string): string | undefined {
  const labs = fs.existsSync(NOTEBOOKS_DIR) ? notebooksIn(NOTEBOOKS_DIR) : [];
  const name = given.replace(/\.ipynb$/, "");
  const exact = labs.find((file) => path.basename(file, ".ipynb") === name);
  if (exact) return exact;
  // A number matches the lab's leading number (3, 03 and 003 all name 003-…); else a start of the name.
  const number = /^\d+$/.test(name) ? Number(name) : undefined;
  const started = labs.filter((file) => {
    const base = path.basename(file);
    return number !== undefined ? Number(/^(\d+)-/.exec(base)?.[1] ?? NaN) === number : base.startsWith(name);
  });
  if (started.length > 1) {
    const names = started.map((file) => path.basename(file, ".ipynb")).join(", ");
    throw new UsageError(`"${given}" matches several labs: ${names}; give more of the name`);
  }
  return started[0];
}

function labList(): string {
  const labs = fs.existsSync(NOTEBOOKS_DIR) ? notebooksIn(NOTEBOOKS_DIR) : [];
  return labs.length
    ? `the labs are: ${labs.map((file) => path.basename(file, ".ipynb")).join(", ")}`
    : `${displayPath(NOTEBOOKS_DIR)}/ has no notebooks`;
}

function selectNotebooks(paths: string[]): string[] {
  if (paths.length === 0) {
    const found = fs.existsSync(NOTEBOOKS_DIR) ? notebooksIn(NOTEBOOKS_DIR) : [];
    if (found.length === 0)
      throw new UsageError(`no notebooks to run: ${displayPath(NOTEBOOKS_DIR)}/*.ipynb matches nothing`);
    return found;
  }
  return paths.flatMap((given) => {
    const file = path.resolve(given);
    if (fs.existsSync(file)) return fs.statSync(file).isDirectory() ? notebooksIn(file) : [file];
    // Not a path: a lab's number or name. Something that looks like a path is reported as one.
    const lab = /[\\/]/.test(given) ? undefined : findLab(given);
    if (lab) return [lab];
    throw new UsageError(`no notebook ${given}: not a file, nor a lab's number or name; ${labList()}`);
  });
}

/** Everything is checked before the first notebook runs, so a typo costs no computation. */
async function prepareJobs(cli: CliOptions): Promise<NotebookJob[]> {
  const { readNotebook } = await import("./runner/notebook");
  const { injectParameters, parseParamArg, resolveParameters } = await import("./runner/params");
  const params: JsonObject = {};
  const paramText: { [name: string]: string } = {};
  for (const arg of cli.paramArgs) {
    const [name, value, text] = parseParamArg(arg);
    params[name] = value;
    paramText[name] = text;
  }
  const byName = new Map<string, string>();
  return selectNotebooks(cli.paths).map((file) => {
    const shown = displayPath(file);
    const name = path.basename(file, ".ipynb");
    const other = byName.get(name);
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${shown} would both write ${name}.* in the output folder; run them separately`,
      );
    }
    byName.set(name, shown);
    const source = readNotebook(file, shown);
    const parameters = resolveParameters({
      nb: source,
      displayPath: shown,
      explicit: params,
      explicitText: paramText,
      preset: cli.preset,
    });
    return {
      name,
      sourcePath: file,
      displayPath: shown,
      notebook: injectParameters(source, parameters),
      parameters,
      preset: cli.preset,
    };
  });
}

/** `npm run build`, in this process's terminal: the notebooks import the compiled library. */
function buildLibrary(): void {
  process.stdout.write("building the library into dist/ (tsc -p tsconfig.build.json) ...\n");
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    throw new BuildError(
      `the library did not build (tsc exited with ${result.signal ?? `code ${result.status}`}); fix the errors above and run again`,
    );
  }
}

class BuildError extends Error {}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  if (cli === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const jobs = await prepareJobs(cli);
  const { ResultsStore } = await import("./site/results-store");
  const store: ResultsStoreType = new ResultsStore(cli.outDir);
  store.refuseOverwrites(jobs);
  if (cli.build) buildLibrary();
  const { Progress } = await import("./runner/progress");
  const { runNotebook } = await import("./runner/run");
  const { statusText } = await import("./runner/html");
  fs.mkdirSync(cli.outDir, { recursive: true });
  const lanes = Math.min(cli.jobs, jobs.length);
  const progress = new Progress({
    out: process.stdout,
    err: process.stderr,
    verbose: cli.verbose,
    concurrent: lanes > 1,
  });

  const interrupt = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      // A second signal means "stop now", even while results are being written.
      if (stoppedBy) process.exit(128 + os.constants.signals[signal]);
      stoppedBy = signal;
      interrupt.abort(signal);
    });
  }

  // A pool of --jobs lanes, each taking the next notebook in order. After a failure (without
  // --keep-going) no notebook starts; one already running alongside runs to its end.
  const finished = new Map<NotebookJob, NotebookResult>();
  let next = 0;
  let stopped = false;
  const lane = async (): Promise<void> => {
    while (!stopped && !interrupt.signal.aborted && next < jobs.length) {
      const job = jobs[next++] as NotebookJob;
      const result = await runNotebook(job, {
        outDir: store.outDirFor(job),
        cellTimeoutMs: cli.cellTimeoutMs,
        progress,
        interrupt: interrupt.signal,
      });
      const stored = store.finish(job, result.status);
      if (stored) (stored.error ? progress.error : progress.line).call(progress, stored.text);
      finished.set(job, result);
      if (result.status === "failed" && !cli.keepGoing) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const results = jobs.flatMap((job): Array<[NotebookJob, NotebookResult]> => {
    const result = finished.get(job);
    return result ? [[job, result]] : [];
  });

  const failed = results.filter(([, r]) => r.status === "failed");
  const notRun = jobs.filter((job) => !finished.has(job)).map((j) => j.name);
  if (jobs.length > 1) {
    const summary = results.map(([job, r]) => `${job.name} ${statusText(r)}`).join(", ");
    progress.line(`ran ${results.length} of ${jobs.length} notebooks: ${summary}`);
  }
  if (notRun.length > 0 && !stoppedBy) {
    progress.error(`not run after the failure: ${notRun.join(", ")} (--keep-going runs them anyway)`);
  }
  progress.line(`results: ${path.join(cli.outDir, "index.html")}`);
  if (stoppedBy) return 128 + os.constants.signals[stoppedBy];
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(e.message + "\n");
      process.exit(2);
    }
    if (e instanceof BuildError) {
      process.stderr.write(e.message + "\n");
      process.exit(1);
    }
    process.stderr.write(`run-notebooks failed unexpectedly: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
