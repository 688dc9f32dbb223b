/**
 * The one module that touches tslab's internals (its files under tslab/dist/, which are not its
 * public API). Used by src/notebook/display.ts (to send whole MIME bundles from a notebook cell)
 * and by the headless runner's worker, scripts/runner/worker.ts (to run cells on tslab's own
 * converter and executor, wired as tslab's Jupyter kernel wires them in tslab/dist/main.js).
 *
 * Why internals at all: tslab's public `display` sends one MIME type per output, so a chart with
 * its static fallbacks would be three outputs, and tslab has no API to execute cells without a
 * Jupyter connection. Both rely on details that may change in any tslab release, so package.json
 * pins tslab to exactly TSLAB_VERSION and test/tslab-adapter.test.ts checks that pin, the names
 * used here, and that no other file reaches into tslab/dist. Upgrading tslab means: change the
 * pin, run that test, and fix this file alone.
 */
import type { Converter } from "tslab/dist/converter";
import type { ConsoleInterface, ConverterSet, Executor } from "tslab/dist/executor";

/** The tslab release whose internals this file was written against (package.json pins it). */
export const TSLAB_VERSION = "1.0.22";

/** A Jupyter display message as tslab's kernel sends it (display_data or update_display_data). */
export interface KernelDisplayMessage {
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** tslab's writer: update=false sends display_data, update=true sends update_display_data. */
export type KernelDisplayWriter = (message: KernelDisplayMessage, update: boolean) => void;

/**
 * tslab prints a type error with exactly this format string (tslab/dist/executor.js,
 * printDiagnostics: file prefix, 1-based line, 1-based column, message).
 */
export const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

/** Stack frames of tslab's executor, which runs the cell: not the notebook author's code. */
export const EXECUTOR_FRAME = /tslab[\\/]dist[\\/]executor\.js/;

// tslab/dist/jupyter.js holds the kernel's current writer in its mutable export
// `lastWriteDisplayData`, set before each cell runs; tslab's own display API reads it there.
const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/**
 * The writer of the tslab kernel this process runs in, or null when there is none (plain node,
 * tests, scripts). Looks in the module cache rather than requiring tslab: inside a kernel tslab's
 * jupyter module is already loaded, possibly from another install than ours (a global tslab),
 * and outside one, loading it would pull in TypeScript for nothing.
 */
export function kernelDisplayWriter(): KernelDisplayWriter | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!JUPYTER_MODULE.test(file)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof write === "function") return write as KernelDisplayWriter;
  }
  return null;
}

/** tslab's cell engine, loaded from the project's own pinned tslab (the runner's worker). */
export interface TslabEngine {
  /** Transpiles and runs cells as tslab's kernel does, `rootDir` being the notebook's folder. */
  createExecutor(rootDir: string, console: ConsoleInterface): { executor: Executor; close(): void };
  /** Makes `writer` the kernel writer that display.ts (and tslab's own display API) send to. */
  setDisplayWriter(writer: KernelDisplayWriter | null): void;
}

/**
 * Loads tslab's converter, executor and jupyter modules. Refuses a tslab other than
 * TSLAB_VERSION: its internals may differ, and a half-working runner is worse than a clear error.
 */
export function loadTslabEngine(): TslabEngine {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand: display.ts imports this file in every notebook */
  const installed = (require("tslab/package.json") as { version?: string }).version;
  if (installed !== TSLAB_VERSION) {
    throw new Error(
      `tslab ${installed} is installed but the runner was written against tslab ${TSLAB_VERSION} ` +
        `(src/notebook/tslab-adapter.ts); run \`npm ci\` to install the pinned version`,
    );
  }
  const { createConverter } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
  const { createExecutor } = require("tslab/dist/executor") as typeof import("tslab/dist/executor");
  // A plain require: the writer is this module's mutable export, which an `import * as`
  // namespace would only expose through a read-only getter.
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: KernelDisplayWriter | null };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    createExecutor(rootDir, console) {
      // Lazily created converters, as tslab's kernel does: the browser one is rarely needed and slow to start.
      let node: Converter | undefined;
      let browser: Converter | undefined;
      const converters: ConverterSet = {
        get node() {
          return (node ??= createConverter({ isJS: false, isBrowser: false }));
        },
        get browser() {
          return (browser ??= createConverter({ isJS: false, isBrowser: true }));
        },
        close() {
          node?.close();
          browser?.close();
        },
      };
      void converters.node; // warm up before the first cell, so that its duration is the cell's own
      return { executor: createExecutor(rootDir, converters, console), close: () => converters.close() };
    },
    setDisplayWriter(writer) {
      jupyter.lastWriteDisplayData = writer;
    },
  };
}
