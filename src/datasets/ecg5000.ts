/**
 * ECG5000 (UCR time-series archive): 5,000 heartbeats of 140 samples, 5 classes. Lab 002 loads it
 * as its original does: inputs time-major [140, N, 1], labels one-hot [N, 5]; a data set is itself a
 * batch `{ x, y }` of the vanilla RNN (src/models/vanilla-rnn.ts).
 *
 * The files are in the UCR text format: one row per series, the class label first, then the
 * values, separated by white space. The project ships them gzip-compressed in data/ECG5000/
 * (see its README for provenance; scripts/fetch-ecg5000.ts replaces them with the archive's exact
 * files). Plain `.txt` is read as well, and wins when both are there. Any missing, truncated or
 * malformed file is an error naming the file, the line and the problem.
 * Introduced in lab 002.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { type NdArray, ndarray } from "../ndarray";
import { NumpyRandom } from "../random";
import { rejectUnknownOptions } from "../options";

/** The shipped copy: data/ECG5000/ at the package root (two levels above src/datasets or dist/datasets). */
export const ECG5000_DIR = path.resolve(__dirname, "..", "..", "data", "ECG5000");

/** What the ECG5000 files hold. */
export const ECG5000 = {
  /** Values per series. */
  length: 140,
  /** Class labels as written in the files. */
  labels: [1, 2, 3, 4, 5] as readonly number[],
  /** Class names (Chen et al.; the UCR archive's description). */
  classNames: [
    "normal",
    "R-on-T premature ventricular contraction",
    "premature ventricular contraction",
    "supraventricular premature or ectopic beat",
    "unclassified beat",
  ] as readonly string[],
  /** Rows of each file, and their class counts (labels 1..5). */
  rows: { TRAIN: 500, TEST: 4500 } as const,
  classCounts: { TRAIN: [292, 177, 10, 19, 2], TEST: [2627, 1590, 86, 175, 22] } as const,
};

export interface UcrDataset {
  /** Inputs, time-major: [time, series, 1]. */
  x: NdArray;
  /** One-hot labels: [series, classes]; column k is the k-th of `labels`. */
  y: NdArray;
  /** Class index (0-based into `labels`) of every series. */
  classes: Int32Array;
  /** Series per class, in the order of `labels`. */
  classCounts: number[];
  /** The label values, as written in the file. */
  labels: readonly number[];
  /** The file read. */
  file: string;
}

export interface ParseUcrOptions {
  /** Names the source in errors (a path, usually). */
  file: string;
  /** The allowed labels, in one-hot column order. */
  labels: readonly number[];
  /** Values per row after the label (default: whatever the first row has). */
  length?: number;
  /** Rows the file must have (default: any number ≥ 1). */
  rows?: number;
}

/** An error in a data file: says which file and line, and what is wrong. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}, line ${line}: ${problem}`);
    this.name = "DataFileError";
  }
}

/** Parses UCR text (label, then the values of one series per line). */
export function parseUcr(text: string, options: ParseUcrOptions): UcrDataset {
  rejectUnknownOptions("parseUcr", options, ["file", "labels", "length", "rows"]);
  const { file, labels } = options;
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop(); // the final newline
  if (lines.length === 0) throw new DataFileError(file, undefined, "the file is empty (no rows)");
  let length = options.length;
  const values: number[][] = [];
  const classes = new Int32Array(lines.length);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const fields = raw.trim().split(/[\s,]+/);
    if (fields.length === 1 && fields[0] === "") throw new DataFileError(file, lineNo, "empty line");
    const nums = fields.map((f, col) => {
      const v = Number(f);
      if (!Number.isFinite(v)) {
        throw new DataFileError(
          file,
          lineNo,
          `field ${col + 1} ("${f.length > 20 ? f.slice(0, 20) + "…" : f}") is not a finite number`,
        );
      }
      return v;
    });
    length ??= nums.length - 1;
    if (nums.length - 1 !== length) {
      throw new DataFileError(
        file,
        lineNo,
        `${nums.length - 1} values after the label, expected ${length}` +
          (lineNo === lines.length ? " (is the file truncated?)" : ""),
      );
    }
    const k = labels.indexOf(nums[0]);
    if (k < 0) throw new DataFileError(file, lineNo, `label ${nums[0]} is not one of ${labels.join(", ")}`);
    classes[index] = k;
    values.push(nums);
  });
  if (options.rows !== undefined && lines.length !== options.rows) {
    throw new DataFileError(
      file,
      undefined,
      `${lines.length} rows, expected ${options.rows}` +
        (lines.length < options.rows ? " (is the file truncated?)" : ""),
    );
  }
  const N = lines.length,
    T = length!;
  const X = ndarray([T, N, 1]); // (T, N, 1): the rows transposed, as np.expand_dims(data[:, 1:].T, -1)
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) X.data[t * N + n] = values[n][t + 1];
  const Y = ndarray([N, labels.length]); // (N, classes)
  const classCounts = new Array(labels.length).fill(0);
  for (let n = 0; n < N; n++) {
    Y.data[n * labels.length + classes[n]] = 1;
    classCounts[classes[n]]++;
  }
  return { x: X, y: Y, classes, classCounts, labels, file };
}

/** The text of `file`, gunzipped when it ends in .gz. Errors name the file. */
export function readDataText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(
      file,
      undefined,
      code === "ENOENT" ? "no such file" : `cannot be read (${code ?? (error as Error).message})`,
    );
  }
  if (!file.endsWith(".gz")) return bytes.toString("utf8");
  try {
    return zlib.gunzipSync(bytes).toString("utf8");
  } catch (error) {
    throw new DataFileError(
      file,
      undefined,
      `is not a complete gzip file (${(error as Error).message}); is it truncated?`,
    );
  }
}

export interface LoadEcg5000Options {
  /** Folder holding ECG5000_TRAIN.txt(.gz) and ECG5000_TEST.txt(.gz) (default: the shipped copy). */
  dir?: string;
  /**
   * Keep only this many series, drawn at random (default 0: every series). The files are sorted by
   * class, so a short run takes a random subset rather than the first rows.
   */
  subset?: number;
  /** Seed of the NumpyRandom permutation that draws the subset (default 0). */
  seed?: number;
}

/** The file that `loadEcg5000` reads for a split: .txt if present, else .txt.gz. */
export function ecg5000File(split: "TRAIN" | "TEST", dir = ECG5000_DIR): string {
  const plain = path.join(dir, `ECG5000_${split}.txt`);
  if (fs.existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (fs.existsSync(gz)) return gz;
  throw new DataFileError(
    plain,
    undefined,
    `no such file (nor ${path.basename(gz)}); the project ships data/ECG5000/, or run: npx tsx scripts/fetch-ecg5000.ts`,
  );
}

/**
 * One file of ECG5000: "TRAIN" (500 series) or "TEST" (4,500), as the UCR archive names them.
 * x: [140, N, 1], y: one-hot [N, 5] (labels 1..5 → columns 0..4). With `subset: n`, the first n
 * series of a seeded random permutation (NumpyRandom(seed).permutation(N)), in that order.
 */
export function loadEcg5000(split: "TRAIN" | "TEST", options: LoadEcg5000Options = {}): UcrDataset {
  rejectUnknownOptions("loadEcg5000", options, ["dir", "subset", "seed"]);
  if (split !== "TRAIN" && split !== "TEST")
    throw new RangeError(`loadEcg5000: split must be "TRAIN" or "TEST", got "${split}"`);
  const { subset = 0, seed = 0 } = options;
  if (!Number.isInteger(subset) || subset < 0 || subset > ECG5000.rows[split]) {
    throw new RangeError(
      `loadEcg5000: subset must be an integer from 0 (every series) to ${ECG5000.rows[split]}, got ${subset}`,
    );
  }
  const file = ecg5000File(split, options.dir);
  const data = parseUcr(readDataText(file), {
    file,
    labels: ECG5000.labels,
    length: ECG5000.length,
    rows: ECG5000.rows[split],
  });
  if (subset === 0) return data;
  return selectSeries(data, new NumpyRandom(seed).permutation(data.y.shape[0]).slice(0, subset));
}

/** The series `rows` of a dataset (a subset, or a shuffled order), as a new dataset. */
export function selectSeries(data: UcrDataset, rows: ArrayLike<number>): UcrDataset {
  const [T, N, F] = data.x.shape;
  const K = data.labels.length;
  const M = rows.length;
  const X = ndarray([T, M, F]); // (T, M, F)
  const Y = ndarray([M, K]); // (M, K)
  const classes = new Int32Array(M);
  const classCounts = new Array(K).fill(0);
  for (let m = 0; m < M; m++) {
    const n = rows[m];
    if (!Number.isInteger(n) || n < 0 || n >= N) throw new RangeError(`selectSeries: row ${n} is not in [0, ${N})`);
    for (let t = 0; t < T; t++)
      for (let f = 0; f < F; f++) X.data[(t * M + m) * F + f] = data.x.data[(t * N + n) * F + f];
    for (let k = 0; k < K; k++) Y.data[m * K + k] = data.y.data[n * K + k];
    classes[m] = data.classes[n];
    classCounts[classes[m]]++;
  }
  return { x: X, y: Y, classes, classCounts, labels: data.labels, file: data.file };
}

/**
 * The first `perClass` series of each class, in the order of the file (all of a class that has
 * fewer), classes in label order: a few beats of every kind, for the heartbeat explorer of lab 002.
 */
export function rowsPerClass(data: UcrDataset, perClass: number): number[] {
  if (!Number.isInteger(perClass) || perClass < 1)
    throw new RangeError(`rowsPerClass: perClass must be a positive integer, got ${perClass}`);
  return data.labels.flatMap((_, k) => {
    const rows: number[] = [];
    for (let n = 0; n < data.classes.length && rows.length < perClass; n++) if (data.classes[n] === k) rows.push(n);
    return rows;
  });
}
