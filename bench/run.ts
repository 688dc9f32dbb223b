// `npm run bench` (tsx bench/run.ts): times each lab's training sections in bptt-lab and in a
// Python reference doing the same work as the original lab (bench/reference/*.py on Debian's
// python3-torch / python3-numpy), alternating ours and theirs over several rounds in one run, one
// child process per measurement; prints a table (medians, ratio, peak memory) and writes
// results/bench.json. Issue 7. See USAGE below and bench/units.ts for what each section does.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Side, type Unit, units } from "./units";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run bench -- [options]
       npx tsx bench/run.ts [options]

Times every lab's training sections in bptt-lab (bench/ours/*.ts, one Node process per
measurement) and in a Python reference of the original lab (bench/reference/*.py, run with
Debian's /usr/bin/python3 + python3-torch + python3-numpy), alternating the two (ours first in
odd rounds, theirs first in even ones) so that load on the machine hits both alike. Each child
reports the wall time of the section's work only; start-up, imports and setup are reported
apart. Prints a table of medians and writes results/bench.json. Labs 001-002 also run a third
side, the same work in TensorFlow.js (bench/tfjs/*.ts: tfjs-layers, float32, on its wasm backend),
what a TypeScript user would pick instead of bptt-lab: "vs TF.js" = ours / TF.js.

Sections 001/kernel-heap and 001/kernel-worker (bench/ours/kernel.ts; --only kernel) time lab
001's 6 × 60 echo-10 run inside tslab's engine, as a notebook cell after notebook 001's first
cells, against the same run in a plain Node process, their "reference": on the kernel's heap,
and through lab.startInParallel on a worker thread. They load dist/ (npm run build), are
kept out of the counts and projected totals, and the bench checks that all their runs trained
the same weights to the bit.

Options:
  --rounds N      rounds of (ours, reference[, TF.js]) per section (default 3)
  --quick         2 rounds, and the long sections shortened (a few minutes)
  --full          the labs' full lengths: 200 harmonics epochs and 200 GIF frames (lab 000),
                  20 epochs per echo-10 run (lab 001); expect an hour with the references
  --only REGEX    only the sections whose "lab/section" matches, e.g. --only 001 or --only rprop
  --no-python     no Python reference
  --no-tfjs       no TensorFlow.js side (its echo-10 and lab 002 runs take minutes)
  --python PATH   the Python interpreter (default /usr/bin/python3)
  --lib src|dist|DIR  load the library from src/ through tsx (default), from the built dist/,
                  or from DIR, a patched copy of src/ placed in the project folder (so that its
                  imports and data/ resolve), to measure a change side by side
  --out FILE      where to write the JSON (default results/bench.json)
  -h, --help      print this help`;

interface Cli {
  rounds: number;
  mode: "default" | "quick" | "full";
  only?: RegExp;
  python?: string;
  /** Run the TensorFlow.js side (bench/tfjs/) where a section has one. */
  tfjs: boolean;
  /** "src", "dist", or the absolute path of another copy of src/ (A/B runs). */
  lib: string;
  out: string;
}

function parseCli(argv: string[]): Cli | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: "string" },
      quick: { type: "boolean" },
      full: { type: "boolean" },
      only: { type: "string" },
      "no-python": { type: "boolean" },
      "no-tfjs": { type: "boolean" },
      python: { type: "string" },
      lib: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  if (values.quick && values.full) throw new Error("--quick and --full exclude each other");
  const mode = values.quick ? "quick" : values.full ? "full" : "default";
  const rounds = values.rounds === undefined ? (mode === "quick" ? 2 : 3) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  let lib = values.lib ?? "src";
  if (lib !== "src" && lib !== "dist") {
    lib = path.resolve(lib);
    if (!["index.ts", "index.js"].some((f) => fs.existsSync(path.join(lib, f))))
      throw new Error(`--lib ${values.lib}: no index.ts or index.js there`);
  }
  return {
    rounds,
    mode,
    only: values.only ? new RegExp(values.only) : undefined,
    python: values["no-python"] ? undefined : (values.python ?? "/usr/bin/python3"),
    tfjs: !values["no-tfjs"],
    lib,
    out: path.resolve(values.out ?? path.join(ROOT, "results", "bench.json")),
  };
}

/** What one child reports (bench/ours/harness.ts, bench/reference/common.py), plus what the parent saw. */
interface Measurement {
  round: number;
  side: Side;
  ok: boolean;
  error?: string;
  /** Section work, wall clock (the child's own timer). */
  seconds?: number;
  cpuSeconds?: number;
  importSeconds?: number;
  setupSeconds?: number;
  maxRssKb?: number;
  /** The peak before the timed work (imports, data, model). */
  maxRssBeforeKb?: number;
  /** The whole child process, as the parent saw it. */
  processSeconds: number;
  loadAverage: number;
  /** What the child loaded (ours: src/dist/…; TF.js: "tfjs-layers 4.22.0 (wasm)"). */
  lib?: string;
  info?: unknown;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
    child.on("error", (e) =>
      resolve({ code: -1, stdout, stderr: stderr + String(e), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function measure(unit: Unit, side: Side, round: number, cli: Cli): Promise<Measurement> {
  const spec = unit[side]!;
  const args = [...spec.args(cli.mode)];
  const [command, argv] =
    side === "reference" && unit.reference?.needs !== "node"
      ? [cli.python!, [path.join("bench", "reference", spec.file), ...args]]
      : // ours, TF.js, or a reference that is a plain Node process (001/kernel-*: bench/ours/)
        [
          process.execPath,
          ["--import", "tsx", path.join("bench", side === "reference" ? "ours" : side, spec.file), ...args],
        ];
  const env = { ...process.env, BENCH_LIB: cli.lib, PYTHONDONTWRITEBYTECODE: "1" };
  const loadAverage = os.loadavg()[0];
  const r = await run(command, argv, env);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    if (r.code !== 0) throw new Error(r.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${r.code}`);
    const j = JSON.parse(last);
    return { round, side, ok: true, ...j, processSeconds: r.seconds, loadAverage };
  } catch (e) {
    return { round, side, ok: false, error: (e as Error).message, processSeconds: r.seconds, loadAverage };
  }
}

/** Which Python modules the references need, and whether the interpreter has them. */
function probePython(python: string | undefined): {
  available: Record<string, string>;
  missing: Record<string, string>;
  blas?: string;
  threads?: number;
  version?: string;
} {
  const missing: Record<string, string> = {};
  const available: Record<string, string> = {};
  if (!python) return { available, missing: { numpy: "--no-python", torch: "--no-python" } };
  if (!fs.existsSync(python))
    return { available, missing: { numpy: `${python} not found`, torch: `${python} not found` } };
  const probe = `
import json, sys
out = {"version": sys.version.split()[0]}
try:
    import numpy as np
    out["numpy"] = np.__version__
    a = np.ones((64, 64)); a @ a
    libs = [l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower()]
    out["blas"] = sorted(set(p.split("/")[-1] for p in libs)) or ["(unknown)"]
except Exception as e:
    out["numpy_error"] = str(e)
try:
    import torch
    out["torch"] = torch.__version__
    out["threads"] = torch.get_num_threads()
except Exception as e:
    out["torch_error"] = str(e)
print(json.dumps(out))`;
  const r = spawnSync(python, ["-c", probe], { encoding: "utf8" });
  if (r.status !== 0)
    return {
      available,
      missing: { numpy: r.stderr.trim().split("\n").pop() ?? "python failed", torch: "python failed" },
    };
  const j = JSON.parse(r.stdout.trim().split("\n").pop()!);
  for (const m of ["numpy", "torch"]) {
    if (j[m]) available[m] = j[m];
    else
      missing[m] =
        `python3-${m} missing (${String(j[`${m}_error`] ?? "").split("\n")[0]}); install it: apt-get install python3-${m}`;
  }
  return { available, missing, blas: j.blas?.join(", "), threads: j.threads, version: j.version };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "-";
  if (s < 0.01) return `${(s * 1000).toFixed(2)} ms`;
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  return `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

function fmtMb(kb: number | undefined): string {
  return kb === undefined ? "-" : `${(kb / 1024).toFixed(0)} MB`;
}

interface Row {
  lab: string;
  section: string;
  label: string;
  ours?: number;
  reference?: number;
  ratio?: number;
  /** Each round's ours ÷ reference (the two sides of one round run back to back), in round order. */
  roundRatios?: number[];
  cpuRatio?: number;
  oursPeakMb?: number;
  referencePeakMb?: number;
  /** Peak before the timed work (imports, data, model), max over rounds. */
  oursBaseMb?: number;
  referenceBaseMb?: number;
  oursStartup?: number;
  referenceStartup?: number;
  /** The TensorFlow.js side (bench/tfjs/): median seconds, ours ÷ it, each round's ours ÷ it, peaks. */
  tfjs?: number;
  tfjsRatio?: number;
  tfjsRoundRatios?: number[];
  tfjsPeakMb?: number;
  tfjsBaseMb?: number;
  note?: string;
  /** Lab length / benched length (e.g. 20 when 1 of 20 epochs is timed), for the full-lab projection. */
  scale: number;
  /** Another mode of a section (Unit.alternative): not in the projected totals. */
  alternative?: boolean;
}

function summarize(unit: Unit, ms: Measurement[], note: string | undefined, mode: Cli["mode"]): Row {
  const side = (s: Side) => ms.filter((m) => m.side === s && m.ok);
  const o = side("ours"),
    r = side("reference");
  const med = (a: Measurement[], f: (m: Measurement) => number | undefined) => {
    const v = a.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return v.length ? median(v) : undefined;
  };
  const ours = med(o, (m) => m.seconds),
    reference = med(r, (m) => m.seconds);
  const oursCpu = med(o, (m) => m.cpuSeconds),
    refCpu = med(r, (m) => m.cpuSeconds);
  const peak = (a: Measurement[]) => (a.length ? Math.max(...a.map((m) => m.maxRssKb ?? 0)) / 1024 : undefined);
  const failures = ms.filter((m) => !m.ok).map((m) => `${m.side} round ${m.round}: ${m.error}`);
  // A round's two sides ran back to back, so their ratio shares that minute's machine speed: the
  // spread of these ratios says how far the median ratio can be trusted on a drifting machine.
  const ratiosTo = (other: Measurement[]) =>
    o
      .map((a) => ({ a, b: other.find((m) => m.round === a.round) }))
      .filter(({ a, b }) => a.seconds !== undefined && b?.seconds !== undefined && b.seconds > 0)
      .map(({ a, b }) => a.seconds! / b!.seconds!);
  const roundRatios = ratiosTo(r);
  const tf = side("tfjs");
  const tfjs = med(tf, (m) => m.seconds);
  const tfjsRoundRatios = ratiosTo(tf);
  return {
    lab: unit.lab,
    section: unit.section,
    label: unit.label(mode),
    ours,
    reference,
    ratio: ours !== undefined && reference !== undefined ? ours / reference : undefined,
    roundRatios: roundRatios.length ? roundRatios : undefined,
    cpuRatio: oursCpu !== undefined && refCpu !== undefined ? oursCpu / refCpu : undefined,
    oursPeakMb: peak(o),
    referencePeakMb: peak(r),
    oursBaseMb: o.length ? Math.max(...o.map((m) => m.maxRssBeforeKb ?? 0)) / 1024 : undefined,
    referenceBaseMb: r.length ? Math.max(...r.map((m) => m.maxRssBeforeKb ?? 0)) / 1024 : undefined,
    oursStartup: med(o, (m) => (m.seconds === undefined ? undefined : m.processSeconds - m.seconds)),
    referenceStartup: med(r, (m) => (m.seconds === undefined ? undefined : m.processSeconds - m.seconds)),
    tfjs,
    tfjsRatio: ours !== undefined && tfjs !== undefined ? ours / tfjs : undefined,
    tfjsRoundRatios: tfjsRoundRatios.length ? tfjsRoundRatios : undefined,
    tfjsPeakMb: peak(tf),
    tfjsBaseMb: tf.length ? Math.max(...tf.map((m) => m.maxRssBeforeKb ?? 0)) / 1024 : undefined,
    note: [note, ...failures].filter(Boolean).join("; ") || undefined,
    scale: unit.scale(mode),
    alternative: unit.alternative || unit.apart !== undefined,
  };
}

/** The median GFLOP/s each side reports in its info (gflopPerSecond), if it does. */
function gflopRates(ms: Measurement[]): { ours?: number; reference?: number } {
  const rate = (side: Side) => {
    const values = ms
      .filter((m) => m.side === side && m.ok)
      .map((m) => (m.info as { gflopPerSecond?: number } | undefined)?.gflopPerSecond)
      .filter((x): x is number => typeof x === "number");
    return values.length ? median(values) : undefined;
  };
  return { ours: rate("ours"), reference: rate("reference") };
}

/** "158 MB (+33)": the peak, and how much of it the timed work added over the peak before it. */
function peakCell(peak: number | undefined, base: number | undefined): string {
  if (peak === undefined) return "-";
  return `${peak.toFixed(0)} MB` + (base === undefined ? "" : ` (+${Math.max(0, peak - base).toFixed(0)})`);
}

/** "0.47–0.58": the lowest and highest of the rounds' ratios ("-" with fewer than two rounds). */
function spreadCell(ratios: number[] | undefined): string {
  if (ratios === undefined || ratios.length < 2) return "-";
  const digits = Math.min(...ratios) < 0.1 ? 3 : 2;
  return `${Math.min(...ratios).toFixed(digits)}–${Math.max(...ratios).toFixed(digits)}`;
}

function table(rows: Row[]): string {
  const head = [
    "lab",
    "section",
    "ours (median)",
    "reference (median)",
    "ratio",
    "rounds' ratios",
    "cpu ratio",
    "peak RSS ours",
    "peak RSS ref",
    "TF.js (median)",
    "vs TF.js",
    "peak RSS TF.js",
  ];
  const body = rows.map((r) => [
    r.lab,
    r.label,
    fmtSeconds(r.ours),
    r.reference === undefined ? (r.note?.startsWith("ours only") ? "(ours only)" : "n/a") : fmtSeconds(r.reference),
    r.ratio === undefined ? "-" : r.ratio.toFixed(r.ratio < 0.1 ? 3 : 2),
    spreadCell(r.roundRatios),
    r.cpuRatio === undefined ? "-" : r.cpuRatio.toFixed(r.cpuRatio < 0.1 ? 3 : 2),
    peakCell(r.oursPeakMb, r.oursBaseMb),
    peakCell(r.referencePeakMb, r.referenceBaseMb),
    fmtSeconds(r.tfjs),
    r.tfjsRatio === undefined ? "-" : r.tfjsRatio.toFixed(r.tfjsRatio < 0.1 ? 3 : 2),
    peakCell(r.tfjsPeakMb, r.tfjsBaseMb),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    "| " + cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ") + " |";
  return [
    line(head),
    "|" + widths.map((w, i) => (i >= 2 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|",
    ...body.map(line),
  ].join("\n");
}

function tfBackend(cli: Cli): string {
  const lib = cli.lib === "dist" || cli.lib === "src" ? `./${cli.lib}/index` : path.join(cli.lib, "index");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `require(${JSON.stringify(lib)}).initBackend({ log: false }).then((b) => console.log(b.name))`,
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env },
    },
  );
  return r.status === 0 ? r.stdout.trim().split("\n").pop()! : `(unknown: ${r.stderr.trim().split("\n").pop()})`;
}

async function main(): Promise<void> {
  let cli: Cli | "help";
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}; see --help`);
    process.exit(2);
  }
  if (cli === "help") {
    console.log(USAGE);
    return;
  }
  const selected = units.filter(
    (u) => (!u.modes || u.modes.includes(cli.mode)) && (!cli.only || cli.only.test(`${u.lab}/${u.section}`)),
  );
  if (selected.length === 0) {
    console.error(
      `bench: --only ${cli.only} matches no section; sections: ${units.map((u) => `${u.lab}/${u.section}`).join(", ")}`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const python = probePython(cli.python);
  const machine = {
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    python: python.version,
    numpy: python.available.numpy,
    torch: python.available.torch,
    blas: python.blas,
    torchThreads: python.threads,
    tfjsBackend: tfBackend(cli),
    loadAverageStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
  console.log(
    `bench: ${selected.length} sections × ${cli.rounds} rounds (${cli.mode}), library from ${cli.lib === "src" || cli.lib === "dist" ? `${cli.lib}/` : cli.lib}`,
  );
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB; Node ${machine.node}; ` +
      (python.version
        ? `Python ${python.version}, NumPy ${machine.numpy ?? "missing"} (BLAS: ${machine.blas}), PyTorch ${machine.torch ?? "missing"} (${machine.torchThreads} thread(s))`
        : "no Python") +
      `; load average ${machine.loadAverageStart.join(", ")}`,
  );
  for (const [m, why] of Object.entries(python.missing))
    console.log(`  reference ${m}: ${why}; sections that need it time ours alone`);
  // Debian's NumPy and PyTorch link the BLAS its alternatives select: without OpenBLAS they run on
  // the reference BLAS, which halved PyTorch's 60-unit net and quartered NumPy's lab 002 here.
  if (python.version && machine.blas !== undefined && !/openblas/i.test(machine.blas))
    console.log(
      `  warning: the references run on ${machine.blas}, not OpenBLAS, so they are slower than the originals' usual setup; install Debian's libopenblas0-pthread for ratios comparable with the README's`,
    );

  const results = new Map<Unit, Measurement[]>(selected.map((u) => [u, []]));
  const notes = new Map<Unit, string | undefined>();
  for (const unit of selected) {
    if (unit.apart) notes.set(unit, unit.apart);
    else if (!unit.reference) notes.set(unit, `ours only: ${unit.oursOnly}`);
    else if (python.missing[unit.reference.needs])
      notes.set(unit, `reference not run: ${python.missing[unit.reference.needs]}`);
  }
  for (let round = 1; round <= cli.rounds; round++) {
    for (const unit of selected) {
      const inOrder: Side[] = [
        "ours",
        ...(unit.reference && !python.missing[unit.reference.needs] ? ["reference" as const] : []),
        ...(unit.tfjs && cli.tfjs ? ["tfjs" as const] : []),
      ];
      const sides = round % 2 ? inOrder : inOrder.reverse(); // ours first in odd rounds, last in even ones
      for (const side of sides) {
        const m = await measure(unit, side, round, cli);
        results.get(unit)!.push(m);
        const what = m.ok
          ? `${fmtSeconds(m.seconds)} (cpu ${fmtSeconds(m.cpuSeconds)}, peak ${fmtMb(m.maxRssKb)})`
          : `FAILED: ${m.error}`;
        process.stderr.write(
          `  round ${round}/${cli.rounds}  ${`${unit.lab}/${unit.section}`.padEnd(18)} ${side.padEnd(9)} ${what}  [load ${m.loadAverage.toFixed(1)}]\n`,
        );
      }
    }
  }
  const rows = selected.map((u) => summarize(u, results.get(u)!, notes.get(u), cli.mode));
  const loadAverageEnd = os.loadavg().map((x) => +x.toFixed(2));
  const totalSeconds = (performance.now() - started) / 1000;

  console.log();
  console.log(table(rows));
  console.log();
  const rates = selected.map((u) => [u, gflopRates(results.get(u)!)] as const).filter(([, r]) => r.ours || r.reference);
  if (rates.length) {
    console.log(
      "GFLOP/s of the matrix products (medians; lab 002: its products' flops over the time in the model's calls):",
    );
    for (const [u, r] of rates)
      console.log(
        `  ${u.lab}/${u.section}: ours ${r.ours?.toFixed(1) ?? "-"}` +
          (r.reference
            ? `, ${u.lab === "gemm" ? "OpenBLAS (NumPy, 1 thread)" : "reference"} ${r.reference.toFixed(1)}`
            : ""),
      );
    console.log();
  }
  const both = rows.filter((r) => r.ours !== undefined && r.reference !== undefined);
  const labRows = both.filter((r) => !r.alternative); // the labs' sections as the notebooks run them
  const slower = labRows.filter((r) => r.ratio! >= 1);
  // The labs' training as the notebooks run it: a section's other mode (e.g. fused multiply-adds) is not counted twice.
  const projected = (pick: (r: Row) => number | undefined) =>
    both.filter((r) => !r.alternative).reduce((s, r) => s + (pick(r) ?? 0) * r.scale, 0);
  const compared = rows.filter((_, i) => !selected[i].apart);
  const oursStart = median(compared.map((r) => r.oursStartup).filter((x): x is number => x !== undefined));
  const refStart = median(compared.map((r) => r.referenceStartup).filter((x): x is number => x !== undefined));
  console.log(
    `ratio = ours / reference, wall clock of the section's work (medians of ${cli.rounds} rounds); rounds' ratios = the lowest and highest ratio of one round's back-to-back pair; cpu ratio = the same with each process's CPU time.`,
  );
  console.log(
    `peak RSS: the process's high-water mark (Node: process.resourceUsage().maxRSS; Python: ru_maxrss), max over rounds, imports included; ` +
      `(+N): what the timed work added to the peak reached before it (imports, data, model).`,
  );
  const tfjsLib = [...results.values()].flat().find((m) => m.side === "tfjs" && m.ok)?.lib;
  if (tfjsLib)
    console.log(
      `vs TF.js = ours / TensorFlow.js (bench/tfjs/: ${tfjsLib}, the same work written with tfjs-layers, custom training loops), medians; ` +
        `TF.js trains in float32, ours in float64; its RMSprop is set to PyTorch's (decay 0.99, epsilon in the root), its GRU resets before the recurrent product (PyTorch and ours: after). ` +
        `${rows.filter((r) => r.tfjsRatio !== undefined && r.tfjsRatio < 1).length} of ${rows.filter((r) => r.tfjsRatio !== undefined).length} sections faster than TF.js.`,
    );
  if (both.length) {
    console.log(
      `${labRows.length - slower.length} of ${labRows.length} lab sections faster than the reference` +
        (slower.length
          ? `; slower: ${slower.map((r) => `${r.lab} ${r.label} (${r.ratio!.toFixed(2)})`).join(", ")}`
          : "") +
        ".",
    );
    console.log(
      `labs' full training, projected from the medians (sections × lab length / timed length): ours ${fmtSeconds(projected((r) => r.ours))}, reference ${fmtSeconds(projected((r) => r.reference))}.`,
    );
  }
  const whole = wholeHeadlessRun();
  if (whole && both.length) {
    console.log(
      `whole headless run (npm run notebooks, full parameters, ${whole.started}): ${fmtSeconds(whole.seconds)} for ${whole.notebooks} notebooks, ` +
        `everything included (tslab start-up, charts, GIFs, checks, the notebooks' extra runs), against the references' projected full training ` +
        `of the sections above, ${fmtSeconds(projected((r) => r.reference))}: ratio ${(whole.seconds / projected((r) => r.reference)).toFixed(2)}.`,
    );
  }
  if (Number.isFinite(oursStart) || Number.isFinite(refStart)) {
    console.log(
      `process start-up + imports + setup, outside the timings (median): ours ${fmtSeconds(oursStart)}, reference ${fmtSeconds(refStart)}.`,
    );
  }
  for (const line of kernelTaxLines(selected, rows, results)) console.log(line);
  for (const r of rows) if (r.note) console.log(`note ${r.lab}/${r.section}: ${r.note}`);
  console.log(
    `load average at start ${machine.loadAverageStart.join(", ")}, at end ${loadAverageEnd.join(", ")}; TensorFlow.js backend: ${machine.tfjsBackend} ` +
      `(not on the timed paths: training is fused float64 JS/WebAssembly); bench took ${fmtSeconds(totalSeconds)}.`,
  );

  fs.mkdirSync(path.dirname(cli.out), { recursive: true });
  fs.writeFileSync(
    cli.out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        mode: cli.mode,
        rounds: cli.rounds,
        lib: cli.lib,
        machine: { ...machine, loadAverageEnd },
        tfjsSide: cli.tfjs ? (tfjsLib ?? null) : "--no-tfjs",
        totalSeconds,
        wholeHeadlessRun: whole,
        rows,
        measurements: selected.map((u) => ({
          lab: u.lab,
          section: u.section,
          label: u.label(cli.mode),
          runs: results.get(u),
        })),
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${path.relative(process.cwd(), cli.out) || cli.out}`);
  if (rows.some((r) => r.ours === undefined)) process.exitCode = 1;
}

/**
 * Section 001/kernel-* (issue 14 item 1, "no notebook tax", bench/ours/kernel.ts): the in-kernel ÷
 * plain Node ratios, and whether every run of the kernel sections trained the same weights to the bit.
 */
function kernelTaxLines(selected: Unit[], rows: Row[], results: Map<Unit, Measurement[]>): string[] {
  const apart = selected.map((u, i) => ({ u, r: rows[i] })).filter(({ u }) => u.apart && u.ours.file === "kernel.ts");
  if (apart.length === 0) return [];
  const ratios = apart.map(
    ({ r }) =>
      `${r.section} ${r.ratio === undefined ? "-" : r.ratio.toFixed(2)}` +
      (r.roundRatios && r.roundRatios.length > 1 ? ` (rounds ${spreadCell(r.roundRatios)})` : ""),
  );
  const fingerprints = apart.flatMap(({ u }) =>
    results
      .get(u)!
      .filter((m) => m.ok)
      .map((m) => JSON.stringify((m.info as { result?: unknown } | undefined)?.result)),
  );
  const same = fingerprints.length > 0 && fingerprints.every((f) => f === fingerprints[0]);
  return [
    `in-kernel ÷ plain Node (the "reference" of the 001/kernel-* rows; issue 14 asks ≤ 1.1): ${ratios.join(", ")}; ` +
      `trained results (losses, accuracies, weights hash) of all ${fingerprints.length} runs ` +
      (same ? "identical to the bit." : `DIFFER: ${[...new Set(fingerprints)].join(" / ")}`),
  ];
}

/**
 * The last `npm run notebooks` in results/, when it ran every notebook with full parameters (no
 * preset, no --param) and all were ok: its wall time, from the first notebook's start to the last
 * one's end (the runner runs two at once, so their durations overlap), from each executed
 * notebook's metadata.
 */
function wholeHeadlessRun(): { seconds: number; notebooks: number; started: string } | undefined {
  const dir = path.join(ROOT, "results");
  const names = fs.existsSync(path.join(ROOT, "notebooks"))
    ? fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))
    : [];
  let first = Infinity;
  let last = -Infinity;
  for (const name of names) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return undefined;
    const run = (JSON.parse(fs.readFileSync(file, "utf8")).metadata?.bptt_lab?.run ?? {}) as {
      status?: string;
      duration_ms?: number;
      preset?: string;
      parameters?: object;
      started?: string;
    };
    const started = Date.parse(run.started ?? "");
    if (
      run.status !== "ok" ||
      run.preset ||
      Object.keys(run.parameters ?? {}).length ||
      typeof run.duration_ms !== "number" ||
      !Number.isFinite(started)
    )
      return undefined;
    first = Math.min(first, started);
    last = Math.max(last, started + run.duration_ms);
  }
  return names.length
    ? {
        seconds: (last - first) / 1000,
        notebooks: names.length,
        started: new Date(first).toISOString().slice(0, 16).replace("T", " "),
      }
    : undefined;
}

void main();
