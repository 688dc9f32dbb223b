// Runs one notebook for scripts/run-notebooks.ts: forks scripts/runner/worker.ts in the
// notebook's folder, builds the executed notebook from the worker's messages, enforces the cell
// time limit, and writes results/<name>.ipynb (after every cell), .html, figures and the index.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import {
  DEFAULT_KERNELSPEC,
  clone,
  isCodeCell,
  joinSource,
  toJupyterJson,
  writeFileAtomic,
  type CodeCell,
  type DisplayDataOutput,
  type ErrorOutput,
  type JsonObject,
  type Notebook,
} from "./notebook";
import type { CellErrorInfo, CellToRun, RunRequest, WorkerMessage } from "./protocol";
import { applyCarriageReturns, formatDuration, type Progress } from "./progress";
import { clearFigures, writeFigures } from "./figures";
import { renderNotebookPage, statusText, type RunStatus, type RunSummary } from "./html";
import { updateIndex } from "./index-page";
import { firstHeading } from "./markdown";

const WORKER = path.join(__dirname, "worker.ts");
// An absolute URL, because the worker's cwd is the notebook's folder, where `tsx` may not resolve.
const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;
const WORKER_LOG_LIMIT = 16_000;
/** What V8 prints when a process exhausts its heap, just before it aborts. */
const OUT_OF_MEMORY = /Reached heap limit|JavaScript heap out of memory/;

export interface NotebookJob {
  /** Base name of the results: <out>/<name>.ipynb, .html, <name>/figure-*. */
  name: string;
  sourcePath: string;
  /** The path as shown to the user. */
  displayPath: string;
  /** The notebook to execute, parameters already injected. */
  notebook: Notebook;
  parameters: JsonObject;
  preset?: string;
}

export interface RunNotebookOptions {
  outDir: string;
  cellTimeoutMs?: number;
  progress: Progress;
  /** Aborted with the signal's name (e.g. "SIGINT") to stop the run and keep what was computed. */
  interrupt: AbortSignal;
}

export interface NotebookResult {
  status: RunStatus;
  cell?: number;
  durationMs: number;
}

interface RunningCell {
  index: number;
  t0: number;
}

/** Jupyter shows an error by its traceback alone, so it always holds at least "ename: evalue". */
function errorInfo(ename: string, evalue: string, details: string[] = []): CellErrorInfo {
  return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...details] };
}

const EXCERPT_LINES = 40;

/** The failed cell's source for the terminal: whole if short, else around tslab's diagnostic line. */
function sourceExcerpt(source: string, error: CellErrorInfo): string[] {
  const lines = source.split("\n");
  // tslab's diagnostics start with the cell's own "line:column"; stack traces only know compiled lines.
  const focus = error.ename === "TSError" ? Number(/^(\d+):\d+ - /.exec(error.evalue)?.[1] ?? NaN) : NaN;
  let from = 0;
  let to = lines.length;
  if (lines.length > EXCERPT_LINES) {
    if (Number.isInteger(focus) && focus >= 1) {
      from = Math.max(0, focus - 9);
      to = Math.min(lines.length, focus + 8);
    } else {
      to = EXCERPT_LINES / 2;
    }
  }
  const shown = lines.slice(from, to).map((line, i) => {
    const n = from + i + 1;
    return `${n === focus ? ">" : " "}${String(n).padStart(4)} | ${line}`;
  });
  if (from > 0) shown.unshift(`       … ${from} lines above`);
  if (to < lines.length) shown.push(`       … ${lines.length - to} more lines`);
  return shown;
}

const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

export function runNotebook(job: NotebookJob, options: RunNotebookOptions): Promise<NotebookResult> {
  const { outDir, progress } = options;
  const nb = clone(job.notebook);
  nb.metadata.kernelspec ??= { ...DEFAULT_KERNELSPEC };
  const codeIndexes: number[] = [];
  nb.cells.forEach((cell, i) => {
    if (!isCodeCell(cell)) return;
    codeIndexes.push(i);
    // Outputs of an earlier execution would pass for this run's.
    cell.outputs = [];
    cell.execution_count = null;
    delete cell.metadata.execution;
    const ours = cell.metadata.bptt_lab as JsonObject | undefined;
    if (ours) delete ours.duration_ms;
  });
  const total = nb.cells.length;
  const label = (index: number) => `[${job.name}] cell ${index + 1}/${total}`;
  const codeCell = (index: number) => nb.cells[index] as CodeCell;
  const displays = new Map<string, DisplayDataOutput[]>();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const ipynbFile = path.join(outDir, `${job.name}.ipynb`);
  let executionCount = 0;
  let running: RunningCell | undefined;

  function withRunMetadata(run: RunSummary | undefined): Notebook {
    const ours = { ...((nb.metadata.bptt_lab as JsonObject | undefined) ?? {}) };
    ours.run = run
      ? {
          status: run.status,
          cell: run.cell,
          note: run.note,
          started: run.startedAt,
          duration_ms: run.durationMs,
          parameters: run.parameters,
          preset: run.preset,
        }
      : { status: "running", started: startedAt, parameters: job.parameters, preset: job.preset };
    return { ...nb, metadata: { ...nb.metadata, bptt_lab: ours } };
  }

  const writePartial = () => writeFileAtomic(ipynbFile, toJupyterJson(withRunMetadata(undefined)));

  function writeResults(run: RunSummary): void {
    const executed = withRunMetadata(run);
    writeFileAtomic(ipynbFile, toJupyterJson(executed));
    const headline = writeFigures(executed, outDir, job.name);
    const markdown = executed.cells.filter((c) => c.cell_type === "markdown").map((c) => joinSource(c.source));
    const title = firstHeading(markdown) ?? job.name;
    const page = renderNotebookPage({
      nb: executed,
      name: job.name,
      title,
      notebookDir: path.dirname(job.sourcePath),
      run,
    });
    writeFileAtomic(path.join(outDir, `${job.name}.html`), page);
    updateIndex(outDir, {
      name: job.name,
      title,
      status: run.status,
      cell: run.cell,
      durationMs: run.durationMs,
      startedAt: run.startedAt,
      thumbnail: headline?.file,
    });
  }

  function addStream(cell: CodeCell, name: "stdout" | "stderr", text: string): void {
    const last = cell.outputs[cell.outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name) {
      last.text = applyCarriageReturns(joinSource(last.text) + text);
    } else {
      cell.outputs.push({ output_type: "stream", name, text: applyCarriageReturns(text) });
    }
  }

  function addDisplay(message: Extract<WorkerMessage, { type: "display" }>): void {
    const { data, metadata, displayId } = message;
    if (message.update && displayId) {
      // An update replaces the display wherever it was shown, possibly in an earlier cell,
      // and is dropped if that display was never shown (as Jupyter does).
      for (const output of displays.get(displayId) ?? []) {
        output.data = data;
        output.metadata = metadata;
      }
    } else {
      const output: DisplayDataOutput = { output_type: "display_data", data, metadata };
      codeCell(message.index).outputs.push(output);
      if (displayId) displays.set(displayId, [...(displays.get(displayId) ?? []), output]);
    }
    const text = data["text/plain"];
    if (typeof text === "string") progress.cellDisplayText(text, label(message.index));
  }

  return new Promise<NotebookResult>((resolve) => {
    clearFigures(outDir, job.name);
    writePartial();
    const cells: CellToRun[] = codeIndexes.map((index) => ({ index, source: joinSource(nb.cells[index]?.source) }));
    let workerLog = "";
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let lastFailedCell: number | undefined;
    let lastError: CellErrorInfo | undefined;
    let heapLimitMb: number | undefined;

    const child: ChildProcess = fork(WORKER, [], {
      cwd: path.dirname(job.sourcePath),
      execArgv: ["--import", TSX_LOADER],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group: a terminal's Ctrl-C reaches only us, and we decide what the
      // worker's end means (interrupted, not failed).
      detached: true,
    });
    const keepLog = (chunk: Buffer) => {
      workerLog = (workerLog + chunk.toString("utf8")).slice(-WORKER_LOG_LIMIT);
    };
    child.stdout?.on("data", keepLog);
    child.stderr?.on("data", keepLog);
    const killWorker = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    process.on("exit", killWorker);

    function describeCell(index: number): string {
      const codeNumber = codeIndexes.indexOf(index) + 1;
      return `cell ${index + 1} (code cell ${codeNumber})`;
    }

    function finish(status: RunStatus, stop?: { error: CellErrorInfo; note?: string }): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.interrupt.removeEventListener("abort", onInterrupt);
      process.off("exit", killWorker);
      killWorker();
      let failedCell: number | undefined;
      const stopped = running;
      if (stopped && stop) {
        // The cell that was running when the run stopped: it keeps its outputs so far.
        const cell = codeCell(stopped.index);
        const durationMs = performance.now() - stopped.t0;
        cell.outputs.push({ output_type: "error", ...stop.error });
        const execution = (cell.metadata.execution as JsonObject | undefined) ?? {};
        execution["shell.execute_reply"] = new Date().toISOString();
        cell.metadata.execution = execution;
        cell.metadata.bptt_lab = {
          ...((cell.metadata.bptt_lab as JsonObject | undefined) ?? {}),
          duration_ms: roundMs(durationMs),
        };
        progress.cellEnd(
          label(stopped.index),
          `${status === "interrupted" ? "INTERRUPTED" : "FAILED"} ${formatDuration(durationMs)}`,
        );
        failedCell = stopped.index + 1;
      } else if (stop) {
        const errorOutput: ErrorOutput = { output_type: "error", ...stop.error };
        // No cell was running (the worker died before or between cells): record it on the notebook.
        nb.metadata.bptt_lab = {
          ...((nb.metadata.bptt_lab as JsonObject | undefined) ?? {}),
          runner_error: errorOutput,
        };
      }
      running = undefined;
      const durationMs = performance.now() - t0;
      const run: RunSummary = {
        status,
        cell: failedCell ?? lastFailedCell,
        note: stop?.note,
        durationMs: roundMs(durationMs),
        startedAt,
        parameters: job.parameters,
        preset: job.preset,
        source: job.displayPath,
      };
      try {
        writeResults(run);
      } catch (e) {
        progress.error(`[${job.name}] could not write the results to ${outDir}: ${(e as Error).message}`);
      }
      const error = stop?.error ?? lastError;
      if (status === "failed" && error) reportFailure(run.cell, error);
      const verdict = `${statusText(run)}${run.note ? ` (${run.note})` : ""}`;
      progress.line(
        `[${job.name}] ${verdict} in ${formatDuration(durationMs)} → ${path.join(outDir, `${job.name}.html`)}`,
      );
      resolve({ status, cell: run.cell, durationMs });
    }

    function reportFailure(cellNumber: number | undefined, error: CellErrorInfo): void {
      const lines = [
        `[${job.name}] FAILED ${cellNumber === undefined ? "before running its cells" : describeCell(cellNumber - 1)} of ${job.displayPath}`,
      ];
      if (error.ename === "OutOfMemory") {
        // One line: the cell's source says nothing about where the memory went.
        progress.error(`${lines[0]} ${error.evalue.slice(error.evalue.indexOf("ran out of memory"))}`);
        return;
      }
      if (cellNumber !== undefined) {
        lines.push("--- cell source ---", ...sourceExcerpt(joinSource(nb.cells[cellNumber - 1]?.source), error));
      }
      lines.push("--- error ---");
      lines.push(...(error.traceback.length ? error.traceback : [`${error.ename}: ${error.evalue}`]));
      progress.error(lines.join("\n"));
    }

    function onInterrupt(): void {
      const signal = String(options.interrupt.reason ?? "a signal");
      finish("interrupted", {
        note: `interrupted by ${signal}`,
        error: errorInfo("Interrupted", `the run was interrupted by ${signal} while this cell was running`),
      });
    }
    if (options.interrupt.aborted) {
      onInterrupt();
      return;
    }
    options.interrupt.addEventListener("abort", onInterrupt);

    child.on("message", (message: WorkerMessage) => {
      if (finished) return;
      switch (message.type) {
        case "ready": {
          heapLimitMb = message.heapLimitMb;
          const request: RunRequest = { type: "run", cells };
          child.send(request);
          break;
        }
        case "cell-start": {
          const cell = codeCell(message.index);
          running = { index: message.index, t0: performance.now() };
          cell.execution_count = ++executionCount;
          cell.outputs = [];
          cell.metadata.execution = {
            "iopub.status.busy": message.startedAt,
            "iopub.execute_input": message.startedAt,
          };
          progress.cellStart(label(message.index));
          if (options.cellTimeoutMs !== undefined) {
            const seconds = options.cellTimeoutMs / 1000;
            const where = describeCell(message.index);
            timer = setTimeout(() => {
              finish("failed", {
                note: `cell time limit of ${seconds}s`,
                error: errorInfo(
                  "CellTimeout",
                  `${job.name}: ${where} ran longer than the --cell-timeout limit of ${seconds}s and was stopped`,
                ),
              });
            }, options.cellTimeoutMs);
          }
          break;
        }
        case "stream":
          addStream(codeCell(message.index), message.name, message.text);
          if (running?.index === message.index) progress.cellText(message.name, message.text, label(message.index));
          break;
        case "display":
          addDisplay(message);
          break;
        case "cell-end": {
          clearTimeout(timer);
          const cell = codeCell(message.index);
          const execution = (cell.metadata.execution as JsonObject | undefined) ?? {};
          execution["shell.execute_reply"] = message.endedAt;
          execution["iopub.status.idle"] = message.endedAt;
          cell.metadata.execution = execution;
          cell.metadata.bptt_lab = {
            ...((cell.metadata.bptt_lab as JsonObject | undefined) ?? {}),
            duration_ms: roundMs(message.durationMs),
          };
          if (message.error) cell.outputs.push({ output_type: "error", ...message.error });
          running = undefined;
          progress.cellEnd(label(message.index), `${message.ok ? "" : "FAILED "}${formatDuration(message.durationMs)}`);
          writePartial();
          if (!message.ok) {
            lastFailedCell = message.index + 1;
            lastError = message.error;
            finish("failed");
          }
          break;
        }
        case "done":
          finish("ok");
          break;
      }
    });

    const onWorkerEnd = (what: string) => {
      if (finished) return;
      const where = running ? `during ${describeCell(running.index)}` : "outside any cell";
      const log = workerLog.trim();
      if (OUT_OF_MEMORY.test(log)) {
        // V8 aborts the process and prints its native stack, which says nothing to a notebook's
        // author: one line instead, with the limit and how to raise it.
        const limit = heapLimitMb === undefined ? "its heap limit" : `its heap limit of ${heapLimitMb} MB`;
        finish("failed", {
          note: "out of memory",
          error: errorInfo(
            "OutOfMemory",
            `${job.name}: ${running ? describeCell(running.index) : "the notebook"} ran out of memory (${limit}); ` +
              `lower the notebook's parameters, or raise the limit with NODE_OPTIONS=--max-old-space-size=<MB>`,
          ),
        });
        return;
      }
      finish("failed", {
        error: errorInfo("WorkerExit", `the worker running ${job.name} ${what} ${where}`, log ? log.split("\n") : []),
      });
    };
    child.on("exit", (code, signal) => onWorkerEnd(`exited (${signal ?? `code ${code}`})`));
    child.on("error", (e) => onWorkerEnd(`could not run: ${e.message}`));
  });
}
