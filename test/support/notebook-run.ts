// Runs notebooks through the headless runner for the lab tests (test/lab-*.test.ts) and reads what
// they printed: one place for the spawn, the output folder and the nbformat shapes the tests read.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");

export interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  name?: string;
}
export interface Cell {
  cell_type: string;
  outputs?: Output[];
  source: string | string[];
}
export interface ExecutedNotebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

export interface NotebookRun {
  /** The runner's process result (status, stdout, stderr). */
  run: SpawnSyncReturns<string>;
  /** The temporary output folder. */
  out: string;
  /** The executed notebook `name` (without .ipynb) as the runner wrote it. */
  read(name: string): ExecutedNotebook;
}

/**
 * `run-notebooks.ts --preset short --out <tmp> [args] notebooks/<name>.ipynb…`, synchronously, from
 * the project root. `args` go before the notebooks (e.g. `--param x=1`); `out` may be given when
 * they need the folder first.
 */
export function runNotebooks(
  names: readonly string[],
  options: { prefix: string; args?: readonly string[]; out?: string },
): NotebookRun {
  const out = options.out ?? fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/run-notebooks.ts",
      "--preset",
      "short",
      ...(options.args ?? []),
      "--out",
      out,
      ...names.map((n) => `notebooks/${n}.ipynb`),
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  return {
    run,
    out,
    read: (name) => JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), "utf8")) as ExecutedNotebook,
  };
}

export function joined(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join("") : (v ?? "");
}

/** Everything the notebook's cells wrote to one stream, in order. */
export function streamText(nb: { cells: Cell[] }, name: "stdout" | "stderr" = "stdout"): string {
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => joined(o.text))
    .join("");
}
