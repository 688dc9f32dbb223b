// The sections `npm run bench` times (bench/run.ts): for each lab's training sections, the script
// and arguments of bptt-lab's side (bench/ours/*.ts) and of the Python reference
// (bench/reference/*.py), with the lengths each mode runs, and for labs 001-002 the same work in
// TensorFlow.js (bench/tfjs/*.ts, the second yardstick of issue 14). Sizes are the notebooks' defaults;
// where a section is shortened (1 of 20 epochs…), `scale` says by how much, so the bench can
// project the labs' full training time. Issue 7.

export type Side = "ours" | "reference" | "tfjs";
export type Mode = "default" | "quick" | "full";

export interface Script {
  /** File under bench/ours/, bench/reference/ or bench/tfjs/. */
  file: string;
  /** Section name and key=value options, per mode. */
  args: (mode: Mode) => string[];
}

export interface Unit {
  lab: string;
  section: string;
  /** What is timed, for the table (says when it is shortened). */
  label: (mode: Mode) => string;
  ours: Script;
  /**
   * The Python reference and the module it needs; absent for sections timed on our side only.
   * needs "node": the reference is a plain Node process running bench/ours/<file> (section 001/kernel-*).
   */
  reference?: Script & { needs: "numpy" | "torch" | "node" };
  /** The same work in TensorFlow.js (tfjs-layers), what a TypeScript user would pick instead; same arguments as ours. */
  tfjs?: Script;
  /** Why this row is no comparison with the reference (kept out of the counts and projected totals). */
  apart?: string;
  /** Why there is no reference. */
  oursOnly?: string;
  /** The lab's length over the timed length (1 when the whole section is timed). */
  scale: (mode: Mode) => number;
  /** Modes that include this section (default: all). */
  modes?: Mode[];
  /** Another mode of a section above (not what the notebooks run): left out of the projected totals. */
  alternative?: boolean;
}

/** Both sides run the same section name with the same options. */
function pair(
  oursFile: string,
  refFile: string,
  needs: "numpy" | "torch",
  section: string,
  options: (mode: Mode) => string[] = () => [],
) {
  const args = (mode: Mode) => [section, ...options(mode)];
  return { ours: { file: oursFile, args }, reference: { file: refFile, args, needs } };
}

/** The unit with a TensorFlow.js side: bench/tfjs/<file>, run with our side's arguments. */
function withTfjs(file: string, unit: Unit): Unit {
  return { ...unit, tfjs: { file, args: unit.ours.args } };
}

const harmonicsEpochs = (mode: Mode) => (mode === "full" ? 200 : mode === "quick" ? 10 : 20);
const echo10Epochs = (mode: Mode) => (mode === "full" ? 20 : 1);
/** Quick mode runs a fifth of an echo-10 epoch: 200 of the 1 000 chunks. */
const echo10Length = (mode: Mode) => (mode === "quick" ? 4000 : 20000);

function echo10(section: string, what: string): Unit {
  return withTfjs("lab001.ts", {
    lab: "001",
    section,
    label: (mode) => `${what}, ${mode === "quick" ? "1/5 epoch" : mode === "full" ? "20 epochs" : "1 of 20 epochs"}`,
    ...pair("lab001.ts", "lab001.py", "torch", section, (mode) => [
      `epochs=${echo10Epochs(mode)}`,
      `length=${echo10Length(mode)}`,
    ]),
    scale: (mode) => (20 / echo10Epochs(mode)) * (20000 / echo10Length(mode)),
  });
}

export const units: Unit[] = [
  {
    lab: "000",
    section: "sine",
    label: () => "SSNN pure sine, 10 epochs",
    ...pair("lab000.ts", "lab000.py", "torch", "sine"),
    scale: () => 1,
  },
  {
    lab: "000",
    section: "harmonics",
    label: (mode) =>
      `SSNN 3 harmonics, ${harmonicsEpochs(mode) === 200 ? "200 epochs" : `${harmonicsEpochs(mode)} of 200 epochs`}`,
    ...pair("lab000.ts", "lab000.py", "torch", "harmonics", (mode) => [`epochs=${harmonicsEpochs(mode)}`]),
    scale: (mode) => 200 / harmonicsEpochs(mode),
  },
  {
    lab: "000",
    section: "gif-sine",
    label: () => "GIF of the sine run, 10 frames",
    ours: { file: "lab000.ts", args: () => ["gif-sine"] },
    oursOnly: "the original draws its GIF with matplotlib's FuncAnimation + Pillow, which the reference does not time",
    scale: () => 1,
  },
  {
    lab: "000",
    section: "gif-harmonics",
    label: () => "GIF of the harmonics run, 200 frames",
    ours: { file: "lab000.ts", args: () => ["gif-harmonics"] },
    oursOnly: "as gif-sine",
    scale: () => 1,
    modes: ["full"],
  },
  withTfjs("lab001.ts", {
    lab: "001",
    section: "echo3-4",
    label: (mode) =>
      mode === "quick" ? "echo 3, ReLU RNN 4 units, 1 of 5 epochs" : "echo 3, ReLU RNN 4 units, 5 epochs",
    ...pair("lab001.ts", "lab001.py", "torch", "echo3-4", (mode) => [`epochs=${mode === "quick" ? 1 : 5}`]),
    scale: (mode) => (mode === "quick" ? 5 : 1),
  }),
  echo10("echo10-4", "echo 10, ReLU RNN 4 units"),
  echo10("echo10-60", "echo 10, ReLU RNN 60 units"),
  echo10("echo10-6x60", "echo 10, ReLU RNN 6 × 60 units"),
  echo10("lstm16", "echo 10, LSTM 16 units"),
  echo10("gru16", "echo 10, GRU 16 units"),
  withTfjs("lab002.ts", {
    lab: "002",
    section: "full-batch",
    label: () => "full-batch epoch, 4500 × 140, hidden 100 (1 of 20)",
    ...pair("lab002.ts", "lab002.py", "numpy", "full-batch"),
    scale: () => 20,
  }),
  withTfjs("lab002.ts", {
    lab: "002",
    section: "minibatch",
    label: () => "going further: 141 batches of 32 + test (1 of 14)",
    ...pair("lab002.ts", "lab002.py", "numpy", "minibatch"),
    scale: () => 14,
  }),
  ...(["gemm-512", "gemm-16x100"] as const).flatMap((section): Unit[] =>
    (["wasm", "wasm-fma"] as const).map((kernel) => ({
      lab: "gemm",
      section: `${section}${kernel === "wasm" ? "" : "-fma"}`,
      label: () =>
        `${section === "gemm-512" ? "product 512 × 512 · 512 × 512" : "lab 002's step product 16 × 100 · 100 × 100"}, 1 thread, ${kernel === "wasm" ? "exact" : "fused"} vs OpenBLAS`,
      ours: { file: "gemm.ts", args: () => [section, `kernel=${kernel}`] },
      reference: { file: "gemm.py", args: () => [section], needs: "numpy" as const },
      scale: () => 1,
      alternative: true,
    })),
  ),
  {
    lab: "003",
    section: "surface",
    label: () => "loss surface, 2 × 100² grid",
    ...pair("lab003-004.ts", "lab003_004.py", "numpy", "003-surface"),
    scale: () => 1,
  },
  {
    lab: "003",
    section: "rprop",
    label: () => "RProp, 300 iterations",
    ...pair("lab003-004.ts", "lab003_004.py", "numpy", "003-rprop"),
    scale: () => 1,
  },
  {
    lab: "004",
    section: "surface",
    label: () => "loss surface, 2 × 50² grid",
    ...pair("lab003-004.ts", "lab003_004.py", "numpy", "004-surface"),
    scale: () => 1,
  },
  {
    lab: "004",
    section: "rprop",
    label: () => "RProp, 500 iterations",
    ...pair("lab003-004.ts", "lab003_004.py", "numpy", "004-rprop"),
    scale: () => 1,
  },
];

/**
 * Issue 14 item 1, "no notebook tax": the 6 × 60 echo-10 run in a tslab kernel (bench/ours/kernel.ts)
 * against the same run in a plain Node process, its "reference" here.
 */
function kernelTax(section: "kernel-heap" | "kernel-worker", what: string): Unit {
  const args = (name: string) => (mode: Mode) => [name, `epochs=${echo10Epochs(mode)}`, `length=${echo10Length(mode)}`];
  return {
    lab: "001",
    section,
    label: (mode) =>
      `${what} ÷ plain Node: echo 10, 6 × 60 units, ${mode === "quick" ? "1/5 epoch" : mode === "full" ? "20 epochs" : "1 epoch"} + test`,
    ours: { file: "kernel.ts", args: args(section) },
    reference: { file: "kernel.ts", args: args("plain"), needs: "node" },
    apart: "in a tslab kernel against a plain Node process, not against the Python reference",
    scale: () => 1,
  };
}

/** A lab 002 section again on the fused multiply-add kernel: another mode, out of the projected totals. */
function onFusedKernel(unit: Unit, what: string): Unit {
  return {
    lab: unit.lab,
    section: `${unit.section}-fma`,
    label: () => `the same ${what} epoch, fused multiply-adds (kernel wasm-fma)`,
    ours: { file: unit.ours.file, args: (mode) => [...unit.ours.args(mode), "kernel=wasm-fma"] },
    reference: unit.reference,
    scale: unit.scale,
    alternative: true,
  };
}

const lab002 = (section: string) => units.find((u) => u.lab === "002" && u.section === section)!;
// After lab 002's own sections.
units.splice(
  units.findIndex((u) => u.lab === "002" && u.section === "minibatch") + 1,
  0,
  onFusedKernel(lab002("full-batch"), "full-batch"),
  onFusedKernel(lab002("minibatch"), "mini-batch"),
);

// After lab 001's own sections.
units.splice(
  units.findIndex((u) => u.section === "gru16") + 1,
  0,
  kernelTax("kernel-heap", "tslab kernel, on its heap"),
  kernelTax("kernel-worker", "tslab kernel, on a worker thread"),
);
