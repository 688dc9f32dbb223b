/**
 * The child-process side of `npm run bench` (bench/run.ts) for bptt-lab's own measurements: one
 * process per measurement, run as `node --import tsx bench/ours/<lab>.ts <section> [key=value …]`.
 * The TensorFlow.js side (bench/tfjs/*.ts) uses the same protocol through `mainWith`, with its own loader.
 *
 * It loads the library (src/ through tsx by default; `BENCH_LIB=dist` loads the compiled dist/ the
 * notebooks import; `BENCH_LIB=<folder>` another copy of src/, to measure a change side by side), builds the section's data and model (setup, not timed), times the section's
 * work alone, and prints ONE line of JSON last on stdout, the same fields as the Python side
 * (bench/reference/common.py): seconds, cpuSeconds, importSeconds, setupSeconds, maxRssKb
 * (process.resourceUsage().maxRSS: this process's peak, worker threads and imports included),
 * maxRssBeforeKb (the same before the timed work: imports, data and model), info. A section may
 * time its work itself and return info.timed = { seconds, cpuSeconds }, which then replace the
 * harness's timing (kept as outerSeconds, outerCpuSeconds).
 */
import * as path from "node:path";

/** Time from the process's start to this module's first line: Node's start-up and tsx's hooks. */
const startupSeconds = performance.now() / 1000;

export type Lab = typeof import("../../src/index");
export type Options = Record<string, string | number>;
/** Builds a section's inputs (untimed) and returns the work to time; the work returns what to report. */
export type Section<C = Lab> = (lab: C, options: Options) => Promise<Work> | Work;
export type Work = () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

function parseArgs(argv: string[]): { section: string; options: Options } {
  const [section, ...rest] = argv;
  if (!section) throw new Error("usage: node --import tsx bench/ours/<lab>.ts <section> [key=value …]");
  const options: Options = {};
  for (const arg of rest) {
    const eq = arg.indexOf("=");
    if (eq < 1) throw new Error(`bench: argument "${arg}" is not key=value`);
    const value = arg.slice(eq + 1);
    options[arg.slice(0, eq)] = value !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return { section, options };
}

/** Number option with a default. */
export function num(options: Options, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number") throw new Error(`bench: option ${key} must be a number, got "${v}"`);
  return v;
}

/** A section's inputs: the library, or whatever else a script loads (bench/tfjs/ loads TensorFlow.js). */
export interface Loaded<C> {
  context: C;
  /** What was loaded, for the JSON line's `lib` field. */
  lib: string;
}

/**
 * The timing protocol, whatever the script loads: parses `<section> [key=value …]`, times `load`
 * (importSeconds), the section's setup (setupSeconds) and its work (seconds, cpuSeconds), and prints
 * the JSON line. bench/tfjs/*.ts call it with their own loader, so the library is not loaded there.
 */
export async function timeSections<C>(
  file: string,
  sections: Record<string, Section<C>>,
  load: () => Promise<Loaded<C>>,
): Promise<void> {
  const { section, options } = parseArgs(process.argv.slice(2));
  const make = sections[section];
  if (!make)
    throw new Error(`${path.basename(file)}: unknown section "${section}"; known: ${Object.keys(sections).join(", ")}`);
  const t0 = performance.now();
  const { context, lib } = await load();
  const importSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const work = await make(context, options);
  const setupSeconds = (performance.now() - t1) / 1000;
  const maxRssBeforeKb = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  const t2 = performance.now();
  const info = (await work()) ?? {};
  const seconds = (performance.now() - t2) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // A section that times its work itself (bench/ours/kernel.ts: inside a notebook cell, without
  // tslab's compiling of the cell) reports info.timed; the harness's own timing is kept beside it.
  const timed = info.timed as { seconds: number; cpuSeconds: number } | undefined;
  const result = {
    section,
    seconds: timed?.seconds ?? seconds,
    cpuSeconds: timed?.cpuSeconds ?? (cpu.user + cpu.system) / 1e6,
    ...(timed ? { outerSeconds: seconds, outerCpuSeconds: (cpu.user + cpu.system) / 1e6 } : {}),
    startupSeconds,
    importSeconds,
    setupSeconds,
    maxRssKb: process.resourceUsage().maxRSS,
    maxRssBeforeKb,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    lib,
    info,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

/** Loads bptt-lab as BENCH_LIB says: "src" (default), "dist", or a folder holding another copy of its index (A/B runs). */
async function loadLibrary(): Promise<Loaded<Lab>> {
  const which = process.env.BENCH_LIB ?? "src";
  const lib = which === "dist" || which === "src" ? `../../${which}/index` : path.resolve(which, "index");
  return { context: (await import(lib)) as Lab, lib: which };
}

export function runSections(file: string, sections: Record<string, Section>): Promise<void> {
  return timeSections(file, sections, loadLibrary);
}

/** Runs a script's sections with `load` (default: the library) and exits non-zero with the error's message if it throws. */
export function mainWith<C>(file: string, sections: Record<string, Section<C>>, load: () => Promise<Loaded<C>>): void {
  timeSections(file, sections, load).then(
    () => process.exit(0), // worker threads (lab 002) are unref'd, but do not wait for anything else either
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

/** Runs a script's sections on the library (bench/ours/ scripts end with it). */
export function main(file: string, sections: Record<string, Section>): void {
  mainWith(file, sections, loadLibrary);
}
