// One notebook's kernel for scripts/run-notebooks.ts: forked by scripts/runner/run.ts with
// cwd = the notebook's folder, it runs the code cells on tslab's own converter and executor,
// wired the way tslab's Jupyter kernel wires them (node_modules/tslab/dist/main.js, jupyter.js),
// and reports each cell's streams, displays and outcome to the parent over IPC.
import util from "node:util";
import v8 from "node:v8";
import { performance } from "node:perf_hooks";
import { DIAGNOSTIC_FORMAT, EXECUTOR_FRAME, loadTslabEngine } from "../../src/notebook/tslab-adapter";
import type { CellErrorInfo, RunRequest, WorkerMessage } from "./protocol";

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

// Frames of the machinery that runs the cell, not of the user's code.
const RUNNER_FRAME = new RegExp(String.raw`[( ]node:|scripts[\\/]runner[\\/]worker\.ts|` + EXECUTOR_FRAME.source);

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}

function describeError(value: unknown, context?: string): CellErrorInfo {
  const prefix = context ? [context] : [];
  if (value instanceof Error || (value && typeof value === "object" && "message" in value && "name" in value)) {
    const error = value as Error;
    const ename = typeof error.name === "string" && error.name ? error.name : "Error";
    const message = String(error.message ?? "");
    const stack = typeof error.stack === "string" ? error.stack : `${ename}: ${message}`;
    const traceback = stack.split("\n").filter((line) => !RUNNER_FRAME.test(line));
    return { ename, evalue: firstLine(message), traceback: [...prefix, ...traceback] };
  }
  const text = typeof value === "string" ? value : util.inspect(value);
  return { ename: "CellError", evalue: firstLine(text), traceback: [...prefix, ...text.split("\n")] };
}

// What tslab's executor reports through its console for the current cell.
let diagnostics: string[] = [];
let thrown: { value: unknown } | undefined;
const executorConsole = {
  log: (...args: unknown[]) => console.log(...args),
  error: (...args: unknown[]) => {
    if (args[0] === DIAGNOSTIC_FORMAT) diagnostics.push(util.format(...args));
    else thrown = { value: args.length === 1 ? args[0] : util.format(...args) };
  },
};

function executorFailure(): CellErrorInfo {
  if (thrown) return describeError(thrown.value);
  if (diagnostics.length > 0) {
    return { ename: "TSError", evalue: diagnostics[0] ?? "", traceback: diagnostics };
  }
  return {
    ename: "CellError",
    evalue: "the cell failed without an error message",
    traceback: ["CellError: the cell failed without an error message"],
  };
}

// The cell that receives output. Like tslab's kernel, output written by timers after a cell
// has finished still goes to that cell until the next one starts.
let current: number | undefined;
let started = false;
let failCurrent: ((error: CellErrorInfo) => void) | undefined;
let strayError: CellErrorInfo | undefined;

const realStderrWrite = process.stderr.write.bind(process.stderr);

function capture(name: "stdout" | "stderr", real: typeof process.stdout.write): typeof process.stdout.write {
  return function write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (current === undefined) return (real as (...a: unknown[]) => boolean)(chunk, encoding, callback);
    const done = typeof encoding === "function" ? encoding : callback;
    const text =
      typeof chunk === "string"
        ? chunk
        : Buffer.from(chunk as Uint8Array).toString(
            typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
          );
    if (text) send({ type: "stream", index: current, name, text });
    if (typeof done === "function") process.nextTick(done as () => void);
    return true;
  } as typeof process.stdout.write;
}

function onAsyncError(kind: string) {
  return (value: unknown) => {
    if (!started) {
      realStderrWrite(`${kind} in the notebook worker before any cell ran: ${util.inspect(value)}\n`);
      process.exit(1);
    }
    const info = describeError(value, `${kind}:`);
    if (failCurrent) failCurrent(info);
    else if (current !== undefined) {
      // Raised by a timer after its cell finished: fail the next cell rather than lose it.
      strayError ??= { ...info, evalue: `${info.evalue} (raised after cell ${current + 1} had finished)` };
    }
  };
}
process.on("uncaughtException", onAsyncError("Uncaught exception"));
process.on("unhandledRejection", onAsyncError("Unhandled promise rejection"));
// The parent owns our lifetime; without it there is nobody to report to.
process.on("disconnect", () => process.exit(0));

async function run(request: RunRequest): Promise<void> {
  started = true;
  const engine = loadTslabEngine();
  const { executor } = engine.createExecutor(process.cwd(), executorConsole);
  process.stdout.write = capture("stdout", process.stdout.write.bind(process.stdout));
  process.stderr.write = capture("stderr", realStderrWrite);
  engine.setDisplayWriter((display, update) => {
    if (current === undefined) return;
    send({
      type: "display",
      index: current,
      data: display.data,
      metadata: display.metadata ?? {},
      displayId: display.transient?.display_id,
      update: update === true,
    });
  });

  for (const cell of request.cells) {
    current = cell.index;
    diagnostics = [];
    thrown = undefined;
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    send({ type: "cell-start", index: cell.index, startedAt });
    let error: CellErrorInfo | undefined = strayError;
    if (!error) {
      const asyncFailure = new Promise<CellErrorInfo>((resolve) => (failCurrent = resolve));
      const outcome = await Promise.race([
        executor.execute(cell.source).then(
          (ok) => (ok ? null : executorFailure()),
          (e: unknown) => describeError(e),
        ),
        asyncFailure,
      ]);
      // Node reports an unhandled rejection only once the microtasks have drained, after the
      // cell has returned: give it that turn so that it fails the cell that caused it.
      const late =
        outcome ?? (await Promise.race([new Promise<null>((resolve) => setImmediate(resolve, null)), asyncFailure]));
      failCurrent = undefined;
      error = late ?? undefined;
      // A `//%module` cell reports its diagnostics but still succeeds: show them as stderr.
      if (!error && diagnostics.length > 0) {
        send({ type: "stream", index: cell.index, name: "stderr", text: diagnostics.join("\n") + "\n" });
      }
    }
    const durationMs = performance.now() - t0;
    send({ type: "cell-end", index: cell.index, ok: !error, durationMs, endedAt: new Date().toISOString(), error });
    if (error) break;
  }
  send({ type: "done" });
  // Stay alive: the parent ends this process, whatever timers the notebook left running.
}

process.once("message", (message: RunRequest) => {
  run(message).catch((e: unknown) => {
    realStderrWrite(`notebook worker failed: ${util.inspect(e)}\n`);
    process.exit(1);
  });
});
// The heap limit, so that the parent can name it when a cell exhausts it (V8 then aborts the process).
send({ type: "ready", heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20) });
