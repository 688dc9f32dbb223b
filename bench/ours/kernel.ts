/**
 * The "no notebook tax" section of `npm run bench` (issue 14 item 1): lab 001's longest run,
 * echo 10 on a ReLU RNN of 6 layers × 60 units (seed 1, batch 5, series 20 000, T = 20, RMSprop
 * lr 0.001, as bench/ours/lab001.ts's echo10-6x60, with notebook 001's test streams, seed 2),
 * trained and tested three ways, each in its own process:
 *   plain          a plain Node process calls lab.trainAndTest;
 *   kernel-heap    the same call as a notebook cell run by tslab's own converter and executor, as
 *                  the headless runner's worker (scripts/runner/worker.ts) runs notebook cells:
 *                  TypeScript compiled by tslab in this process, the library imported from dist/
 *                  (`import * as lab from "../dist"` in notebooks/), training on the kernel's heap,
 *                  whose GC also carries TypeScript's compiler;
 *   kernel-worker  the same run from the same kind of kernel, through
 *                  lab.startInParallel({ run: spec }), which always trains on a worker thread, off
 *                  the kernel's heap.
 * Before the timed cells the kernel runs notebook 001's code cells up to its 6 × 60 training cell,
 * with the notebook's short preset (see warmCells), so that tslab's compiler and the heap hold
 * what a real session holds there (warm=notebook: only the cells before its first training;
 * warm=import: only the import cell).
 *
 * Timed: the trainAndTest call (or the startInParallel call and the await of its result, which
 * includes starting the worker thread) alone, measured inside the cell around its await (tslab's
 * compiling of the cell is reported apart as outerSeconds); the test pass is included in all three
 * alike, and info gives the training's own time (trainSeconds, measured by trainTruncated in the
 * thread that trained). info.result fingerprints the trained run (final losses, accuracies, a
 * hash of the weights): bench/run.ts checks that the three agree to the bit. info.mainThreadBusy
 * is the main thread's event-loop utilisation during the timed call (about 1 when it trained,
 * about 0 when a worker did).
 *
 * All three load dist/ (as the notebooks do), whatever --lib says: `npm run build` first.
 * Options: epochs=N (1), length=L (20000), testLength=L (length), warm=session|notebook|import.
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import util from "node:util";
import type { ParallelRunSpec, ParamSet, TrainAndTestResult } from "../../src/index";
import { DIAGNOSTIC_FORMAT, loadTslabEngine } from "../../src/notebook/tslab-adapter";
import { type JsonObject, isCodeCell, joinSource, readNotebook } from "../../scripts/runner/notebook";
import { injectParameters } from "../../scripts/runner/params";
import { type Lab, type Options, type Section, main, num } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const NOTEBOOK = path.join(NOTEBOOKS, "001-signal-echoing.ipynb");

// The kernel imports dist/ as the notebooks do, so every side does (read by the harness).
process.env.BENCH_LIB = "dist";
if (!fs.existsSync(path.join(ROOT, "dist", "index.js")))
  throw new Error("bench/ours/kernel.ts loads dist/ as the notebooks do: run `npm run build` first");

/** The run, as plain options (the form startInParallel takes; the other sides build the same objects). */
function specOf(options: Options): ParallelRunSpec {
  const seriesLength = num(options, "length", 20000);
  const echo = (length: number, seed: number) => ({
    echoStep: 10,
    batchSize: 5,
    seriesLength: length,
    truncatedLength: 20,
    seed,
  });
  return {
    model: { cell: "relu", hiddenSize: 60, layers: 6, seed: 1 },
    data: echo(seriesLength, 1),
    test: echo(num(options, "testLength", seriesLength), 2),
    optimizer: { rmsprop: { lr: 0.001 } },
    epochs: num(options, "epochs", 1),
  };
}

/** What must come out the same on every side: final losses and accuracies, and a hash of the trained weights. */
function fingerprint(result: TrainAndTestResult, params: ParamSet) {
  let h = 0x811c9dc5; // FNV-1a over the weights' float64 bytes, in name order
  for (const name of Object.keys(params).sort()) {
    const d = params[name].data;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  }
  return {
    trainLastLoss: result.train.lastLoss,
    trainAccuracy: result.train.accuracy,
    testLoss: result.test.loss,
    testAccuracy: result.test.accuracy,
    weightsFnv1a: h.toString(16).padStart(8, "0"),
  };
}

/** What the timed code leaves behind, in a plain process or in a cell (globalThis.__bench). */
interface Timed {
  seconds: number;
  cpuSeconds: number;
  busy: number;
  result: TrainAndTestResult;
  params: ParamSet;
}

function report(t: Timed, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    timed: { seconds: t.seconds, cpuSeconds: t.cpuSeconds },
    mainThreadBusy: +t.busy.toFixed(3),
    trainSeconds: t.result.train.seconds,
    testSeconds: t.result.test.seconds,
    result: fingerprint(t.result, t.params),
    ...extra,
  };
}

const plain: Section = (lab: Lab, options) => {
  const spec = specOf(options);
  const { cell: _cell, ...modelOptions } = spec.model;
  const model = lab.reluRnn(modelOptions);
  const data = new lab.EchoData(spec.data);
  const test = new lab.EchoData(spec.test);
  const optimizer = new lab.RmsProp((spec.optimizer as { rmsprop: { lr: number } }).rmsprop);
  return async () => {
    const t0 = performance.now(),
      c0 = process.cpuUsage(),
      e0 = performance.eventLoopUtilization();
    const result = await lab.trainAndTest({
      model,
      data,
      test,
      optimizer,
      epochs: spec.epochs,
      log: false,
      progress: false,
    });
    const c = process.cpuUsage(c0);
    const timed = {
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (c.user + c.system) / 1e6,
      busy: performance.eventLoopUtilization(e0).utilization,
    };
    return report({ ...timed, result, params: model.params }, { epochs: spec.epochs, chunks: data.numChunks });
  };
};

/** The timed cell's opening and closing: the same measurements as `plain`, written in the cell. */
const TIME_START = `const benchT0 = benchPerf.performance.now(), benchC0 = process.cpuUsage(), benchE0 = benchPerf.performance.eventLoopUtilization();`;
const timeEnd = (result: string, params: string) => `{
  const c = process.cpuUsage(benchC0);
  (globalThis as any).__bench = {
    seconds: (benchPerf.performance.now() - benchT0) / 1000, cpuSeconds: (c.user + c.system) / 1e6,
    busy: benchPerf.performance.eventLoopUtilization(benchE0).utilization, result: ${result}, params: ${params},
  };
}`;

type Warm = "session" | "notebook" | "import";
const WARM_WHAT: Record<Warm, string> = {
  session: "notebook 001's code cells before its 6 × 60 run, with its short preset",
  notebook: "notebook 001's code cells before its first training",
  import: "the import cell alone",
};

/**
 * The cells the kernel runs before the timed ones. session: notebook 001's code cells before its
 * 6 × 60 training cell, with the notebook's "short" preset injected as the headless runner injects
 * it (shorter echo-10 runs, fewer seeds), so that the kernel holds what a session holds when it
 * reaches that cell: earlier models and results, charts rendered, TF.js loaded, tslab's compiler
 * warm. notebook: the cells before its first training (parameters, imports, initBackend, data,
 * the TF.js gradient check, the fused vs reference BPTT check, showSource). import: the import alone.
 */
function warmCells(warm: Warm): string[] {
  if (warm === "import") return [`import * as lab from "../dist";`];
  let nb = readNotebook(NOTEBOOK, path.relative(ROOT, NOTEBOOK));
  if (warm === "session") {
    const preset = (nb.metadata as { bptt_lab?: { presets?: Record<string, JsonObject> } }).bptt_lab?.presets?.short;
    if (!preset) throw new Error(`${NOTEBOOK}: no "short" preset in its metadata`);
    nb = injectParameters(nb, preset);
  }
  const code = nb.cells.filter(isCodeCell).map((c) => joinSource(c.source));
  const stop =
    warm === "session"
      ? code.findIndex((s) => /layers:\s*deepLayers/.test(s))
      : code.findIndex((s) => /\blab\.(trainAndTest|trainTruncated|train)\w*\(/.test(s));
  if (stop < 1) throw new Error(`${NOTEBOOK}: the cell to stop before (warm=${warm}) is not there any more`);
  return code.slice(0, stop);
}

/** A tslab engine in this process, wired as scripts/runner/worker.ts wires it; cells' output is discarded. */
function startKernel() {
  process.chdir(NOTEBOOKS); // the runner's worker runs in the notebook's folder
  const engine = loadTslabEngine();
  let diagnostics: string[] = [];
  let thrown: unknown;
  const { executor } = engine.createExecutor(NOTEBOOKS, {
    log: () => {},
    error: (...args: unknown[]) => {
      if (args[0] === DIAGNOSTIC_FORMAT) diagnostics.push(util.format(...args));
      else thrown = args.length === 1 ? args[0] : util.format(...args);
    },
  });
  engine.setDisplayWriter(() => {});
  let outputBytes = 0;
  const realWrite = process.stdout.write.bind(process.stdout);
  return {
    cells: 0,
    async run(source: string): Promise<void> {
      diagnostics = [];
      thrown = undefined;
      process.stdout.write = ((chunk: string | Uint8Array) => {
        outputBytes += chunk.length;
        return true;
      }) as typeof process.stdout.write;
      let ok: boolean;
      try {
        ok = await executor.execute(source);
      } finally {
        process.stdout.write = realWrite;
      }
      this.cells++;
      if (!ok) {
        const why =
          thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown ?? diagnostics.join("\n"));
        throw new Error(`kernel cell ${this.cells} failed: ${why}\n--- cell:\n${source.slice(0, 600)}`);
      }
    },
    get outputBytes() {
      return outputBytes;
    },
  };
}

function kernel(offHeap: boolean): Section {
  return async (lab: Lab, options) => {
    const spec = specOf(options);
    const warm = String(options.warm ?? "session") as Warm;
    if (!(warm in WARM_WHAT))
      throw new Error(`bench: warm must be one of ${Object.keys(WARM_WHAT).join(", ")}, got ${warm}`);
    const cells = warmCells(warm);
    const k = startKernel();
    const t0 = performance.now();
    for (const cell of cells) await k.run(cell);
    const warmSeconds = (performance.now() - t0) / 1000;
    const { cell: _cell, ...modelOptions } = spec.model;
    const setupCell = offHeap
      ? `import * as benchPerf from "perf_hooks";
const benchSpec: lab.ParallelRunSpec = ${JSON.stringify(spec)};`
      : `import * as benchPerf from "perf_hooks";
const benchSpec = ${JSON.stringify(spec)};
const benchModel = lab.reluRnn(${JSON.stringify(modelOptions)});
const benchData = new lab.EchoData(benchSpec.data);
const benchTest = new lab.EchoData(benchSpec.test);
const benchOptimizer = new lab.RmsProp(benchSpec.optimizer.rmsprop);`;
    const timedCell = offHeap
      ? `${TIME_START}
const benchRun = await lab.startInParallel({ run: benchSpec }).run.result;
${timeEnd("benchRun", "benchRun.model.params")}`
      : `${TIME_START}
const benchRun = await lab.trainAndTest({ model: benchModel, data: benchData, test: benchTest, optimizer: benchOptimizer, epochs: benchSpec.epochs, log: false, progress: false });
${timeEnd("benchRun", "benchModel.params")}`;
    await k.run(setupCell);
    const heapBefore = process.memoryUsage().heapUsed;
    return async () => {
      await k.run(timedCell);
      const t = (globalThis as { __bench?: Timed }).__bench!;
      return report(t, {
        epochs: spec.epochs,
        chunks: new lab.EchoData(spec.data).numChunks,
        warm: `${WARM_WHAT[warm]} (${cells.length} cells)`,
        heapUsedBeforeMb: +(heapBefore / 2 ** 20).toFixed(1),
        warmSeconds,
        warmOutputBytes: k.outputBytes,
        ...(offHeap ? { offHeap: "one run, on a worker thread (startInParallel)" } : {}),
      });
    };
  };
}

main(__filename, {
  plain,
  "kernel-heap": kernel(false),
  "kernel-worker": kernel(true),
});
