// The tracked results (results/ in the repository holds the last full run): what makes a run "full",
// the hash of a notebook's source recorded in the manifest (results/index.json) so that a test can
// tell when a notebook changed and its results did not (test/results-site.test.ts), and the rule
// that keeps a full run's results from being replaced by anything less. Used by
// scripts/run-notebooks.ts around each notebook it runs.
//
// The rule, for any output folder: the results of a notebook's full run (no --preset, no --param)
// that ran through are replaced only by another full run of it that runs through. A --preset or
// --param run that would replace them is refused before any cell runs; a full run over them writes
// into <out>/.partial/ and moves its results into place only once the notebook ran through, so a
// failed or interrupted run leaves the earlier results as they were.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { UsageError, joinSource, writeFileAtomic, type JsonObject, type Notebook } from "../runner/notebook";
import { clearFigures } from "../runner/figures";
import { updateIndex, type IndexEntry } from "../runner/index-page";
import type { RunStatus } from "../runner/html";

/** Where a full run over full results writes until its notebook has run through. */
export const PARTIAL_DIR = ".partial";

/**
 * SHA-256 of what in a notebook's source decides its results: each cell's type, source, tags and
 * attachments, and the notebook's bptt_lab metadata (its presets). Not the cell ids, the kernel or
 * language metadata, nor the outputs, which JupyterLab rewrites on every save.
 */
export function notebookSourceHash(nb: Notebook): string {
  const cells = nb.cells.map((cell) => ({
    type: cell.cell_type,
    source: joinSource(cell.source),
    tags: Array.isArray(cell.metadata?.tags) ? cell.metadata.tags : [],
    attachments: cell.cell_type === "markdown" ? (cell.attachments ?? null) : null,
  }));
  const canonical = JSON.stringify({ bptt_lab: stableValue(nb.metadata?.bptt_lab ?? null), cells });
  return `sha256:${crypto.createHash("sha256").update(canonical).digest("hex")}`;
}

/** Objects with their keys sorted, so that the hash does not depend on the order JSON was written in. */
function stableValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stableValue);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value as JsonObject)
      .sort()
      .map((k) => [k, stableValue((value as JsonObject)[k])]),
  );
}

export interface RunFacts {
  status?: string;
  preset?: string;
  parameters?: JsonObject;
}

/** The run metadata the runner stores in an executed notebook (metadata.bptt_lab.run). */
export function runFactsOf(executed: Notebook): RunFacts {
  const run = (executed.metadata?.bptt_lab as JsonObject | undefined)?.run as JsonObject | undefined;
  return {
    status: typeof run?.status === "string" ? run.status : undefined,
    preset: typeof run?.preset === "string" ? run.preset : undefined,
    parameters: run?.parameters && typeof run.parameters === "object" ? (run.parameters as JsonObject) : {},
  };
}

/** A full run: the notebook's own parameters, no preset and no --param. */
export function isFullRun(run: { preset?: string; parameters?: JsonObject }): boolean {
  return run.preset === undefined && Object.keys(run.parameters ?? {}).length === 0;
}

export interface StoreJob {
  name: string;
  sourcePath: string;
  preset?: string;
  parameters: JsonObject;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function shownDir(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : dir;
}

export class ResultsStore {
  private readonly staged = new Set<string>();

  constructor(readonly outDir: string) {}

  /** True when outDir holds the results of a full run of `name` that ran through. */
  holdsFullResults(name: string): boolean {
    const executed = readJson<Notebook>(path.join(this.outDir, `${name}.ipynb`));
    if (!executed) return false;
    const run = runFactsOf(executed);
    return run.status === "ok" && isFullRun(run);
  }

  /** Refuses, before any cell runs, a --preset or --param run that would replace full results. */
  refuseOverwrites(jobs: readonly StoreJob[]): void {
    const blocked = jobs.filter((job) => !isFullRun(job) && this.holdsFullResults(job.name)).map((job) => job.name);
    if (blocked.length === 0) return;
    const what = jobs[0]?.preset !== undefined ? `a --preset ${jobs[0].preset} run` : "a --param run";
    throw new UsageError(
      `${shownDir(this.outDir)} holds the full run of ${blocked.join(", ")}, which ${what} would replace; ` +
        `pass --out DIR to write it elsewhere (e.g. --out /tmp/bptt-${jobs[0]?.preset ?? "params"})`,
    );
  }

  /** The folder the runner writes `job` into: outDir, or its .partial/ while full results wait to be replaced. */
  outDirFor(job: StoreJob): string {
    if (isFullRun(job) && this.holdsFullResults(job.name)) {
      this.staged.add(job.name);
      return path.join(this.outDir, PARTIAL_DIR);
    }
    return this.outDir;
  }

  /**
   * After `job` ran: a staged run that ran through replaces the earlier results; every run's
   * manifest entry records the hash of the source it ran. Returns a line for the terminal, if any
   * (`error`: the run's results were kept aside).
   */
  finish(job: StoreJob, status: RunStatus): { text: string; error: boolean } | undefined {
    const hash = notebookSourceHash(JSON.parse(fs.readFileSync(job.sourcePath, "utf8")) as Notebook);
    if (!this.staged.has(job.name)) {
      recordSourceHash(this.outDir, job.name, hash);
      return undefined;
    }
    this.staged.delete(job.name);
    const partial = path.join(this.outDir, PARTIAL_DIR);
    if (status !== "ok") {
      recordSourceHash(partial, job.name, hash);
      return {
        text: `[${job.name}] kept the earlier full results in ${shownDir(this.outDir)}; this run's are in ${shownDir(partial)}`,
        error: true,
      };
    }
    this.publish(job.name, hash);
    return { text: `[${job.name}] replaced the earlier full results in ${shownDir(this.outDir)}`, error: false };
  }

  /** Moves a staged notebook's files over the earlier ones and lists it in outDir's index. */
  private publish(name: string, hash: string): void {
    const partial = path.join(this.outDir, PARTIAL_DIR);
    const manifest = readJson<{ notebooks?: IndexEntry[] }>(path.join(partial, "index.json"));
    const entry = manifest?.notebooks?.find((e) => e.name === name);
    if (!entry)
      throw new Error(`${shownDir(partial)}/index.json lists no ${name}: the run wrote no results to publish`);
    clearFigures(this.outDir, name);
    const stagedFigures = path.join(partial, name);
    if (fs.existsSync(stagedFigures)) {
      fs.mkdirSync(path.join(this.outDir, name), { recursive: true });
      for (const file of fs.readdirSync(stagedFigures))
        fs.renameSync(path.join(stagedFigures, file), path.join(this.outDir, name, file));
      fs.rmSync(stagedFigures, { recursive: true, force: true });
    }
    // The page before the notebook: an index that lists the notebook always finds its page.
    for (const file of [`${name}.html`, `${name}.ipynb`])
      fs.renameSync(path.join(partial, file), path.join(this.outDir, file));
    updateIndex(this.outDir, { ...entry, sourceHash: hash });
    // Nothing staged is left: the folder goes (its index and assets were for the staged notebooks only).
    if (!fs.readdirSync(partial).some((f) => f.endsWith(".ipynb")))
      fs.rmSync(partial, { recursive: true, force: true });
  }
}

/** Sets the sourceHash of `name`'s entry in dir/index.json (the manifest that updateIndex writes). */
export function recordSourceHash(dir: string, name: string, hash: string): void {
  const file = path.join(dir, "index.json");
  const manifest = readJson<{ notebooks?: IndexEntry[] }>(file);
  const entry = manifest?.notebooks?.find((e) => e.name === name);
  if (!manifest || !entry) return;
  entry.sourceHash = hash;
  writeFileAtomic(file, JSON.stringify(manifest, null, 2) + "\n");
}
