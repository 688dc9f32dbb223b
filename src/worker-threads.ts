/**
 * Starting the library's worker threads (lab 002's matrix workers, lab 001's parallel runs) the same
 * way from dist/ (compiled .js, as the notebooks load it) and from src/ (run by tsx in tests and
 * benchmarks): loader hooks of the main thread do not reach workers, so a worker whose module is
 * the .ts source registers tsx's CommonJS hook first. Introduced in lab 002; shared in issue 7.
 */
import * as path from "node:path";
import { Worker, type TransferListItem } from "node:worker_threads";

/**
 * The worker's first lines: load the worker module (through tsx when it is the .ts source) and
 * report a failure on `workerData.errors` when the caller passed a port (the main thread may read
 * it synchronously while it waits), else let it surface as the worker's "error" event.
 */
const WORKER_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
try {
  if (workerData.tsx) require(workerData.tsx).register();
  require(workerData.file);
} catch (error) {
  if (!workerData.errors) throw error;
  workerData.errors.postMessage({ message: String((error && error.stack) || error) });
}
`;

/**
 * Starts the worker module `name` that sits beside `callerFile` (pass __filename): name.js in
 * dist/, name.ts in src/. `data` reaches the worker as workerData (plus `file` and `tsx`).
 */
export function startLibraryWorker(
  callerFile: string,
  name: string,
  data: Record<string, unknown>,
  transferList: TransferListItem[] = [],
): Worker {
  const ext = path.extname(callerFile);
  const file = path.join(path.dirname(callerFile), `${name}${ext}`);
  const tsx = ext === ".ts" ? require.resolve("tsx/cjs/api") : undefined;
  return new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { ...data, file, tsx }, transferList });
}
