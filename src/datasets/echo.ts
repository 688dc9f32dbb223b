/**
 * The echo task of lab 001 (the course's `EchoData`): `batchSize` independent streams of
 * `seriesLength` random bits; the target is the input shifted right by `echoStep` steps along time,
 * the first `echoStep` targets 0. Both are cut into consecutive chunks [batch, truncatedLength, 1]
 * for truncated BPTT; asking for chunk 0 draws a fresh series (so every epoch sees new data).
 * The echo crosses chunk borders, which is why the hidden state must be carried between chunks.
 *
 * Bits are drawn as `np.random.choice(2, p=[0.5, 0.5])` draws them (one uniform per bit, 1 when
 * it is ≥ ½), with the NumPy-compatible generator, so a seeded NumPy run draws the same streams.
 * Used by notebook 001, src/bptt/truncated.ts (an EchoData is its ChunkedSequences) and
 * src/bptt/parallel.ts. Introduced in lab 001.
 */
import { type NdArray, ndarray } from "../ndarray";
import { NumpyRandom } from "../random";
import { rejectUnknownOptions } from "../options";

export interface EchoDataOptions {
  /** How many steps later the target repeats the input (lab 001: 3, then 10). */
  echoStep: number;
  /** Independent streams, one per batch row (lab 001: 5). */
  batchSize: number;
  /** Bits per stream (lab 001: 20 000). Must be a multiple of truncatedLength. */
  seriesLength: number;
  /** Steps per chunk, T of truncated BPTT (lab 001: 20). */
  truncatedLength: number;
  /** Seed of the generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** Draw from this generator instead (shared with other draws). */
  rng?: NumpyRandom;
  /**
   * Allow echoStep ≥ truncatedLength (default false). Truncated BPTT cuts the gradient at chunk
   * borders, so such an echo never has an input and its target in the same chunk: no gradient
   * can link them and the task cannot be learned. Allow it only to show exactly that.
   */
  allowEchoBeyondChunk?: boolean;
}

const OPTION_KEYS = ["echoStep", "batchSize", "seriesLength", "truncatedLength", "seed", "rng", "allowEchoBeyondChunk"];

/** One chunk: inputs and targets, both [batch, truncatedLength, 1]. */
export interface EchoChunk {
  x: NdArray;
  y: NdArray;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`EchoData: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Random bits as `np.random.choice(2, size, p=[0.5, 0.5])`: 1 where a uniform draw is ≥ ½. */
export function randomBits(rng: NumpyRandom, shape: readonly number[]): NdArray {
  const u = rng.rand(shape);
  for (let i = 0; i < u.data.length; i++) u.data[i] = u.data[i] >= 0.5 ? 1 : 0;
  return u;
}

/** x shifted right by `echoStep` along the last axis, zeros first: `np.roll` then `y[:, :echoStep] = 0`. */
export function echoTargets(x: NdArray, echoStep: number): NdArray {
  const cols = x.shape[x.shape.length - 1];
  const rows = x.data.length / cols;
  const y = ndarray(x.shape);
  for (let r = 0; r < rows; r++) {
    for (let k = echoStep; k < cols; k++) y.data[r * cols + k] = x.data[r * cols + k - echoStep];
  }
  return y;
}

export class EchoData {
  readonly echoStep: number;
  readonly batchSize: number;
  readonly seriesLength: number;
  readonly truncatedLength: number;
  /** [batch, seriesLength]: the current streams (the original's `x_batch`). */
  xBatch: NdArray;
  /** [batch, seriesLength]: their echoes (`y_batch`). */
  yBatch: NdArray;
  private readonly rng: NumpyRandom;

  constructor(options: EchoDataOptions) {
    rejectUnknownOptions("EchoData", options ?? {}, OPTION_KEYS);
    this.echoStep = positiveInteger("echoStep", options.echoStep);
    this.batchSize = positiveInteger("batchSize", options.batchSize);
    this.seriesLength = positiveInteger("seriesLength", options.seriesLength);
    this.truncatedLength = positiveInteger("truncatedLength", options.truncatedLength);
    if (this.seriesLength % this.truncatedLength !== 0) {
      throw new RangeError(
        `EchoData: seriesLength ${this.seriesLength} is not a multiple of truncatedLength ${this.truncatedLength}; ` +
          `use e.g. seriesLength ${Math.max(1, Math.round(this.seriesLength / this.truncatedLength)) * this.truncatedLength}`,
      );
    }
    if (this.echoStep >= this.seriesLength) {
      throw new RangeError(
        `EchoData: echoStep ${this.echoStep} must be below seriesLength ${this.seriesLength} (every target would be 0)`,
      );
    }
    if (this.echoStep >= this.truncatedLength && !options.allowEchoBeyondChunk) {
      throw new RangeError(
        `EchoData: echoStep ${this.echoStep} is not below truncatedLength ${this.truncatedLength}: truncated BPTT cuts the ` +
          `gradient at chunk borders, so no chunk would hold an input and its echo; use truncatedLength > echoStep ` +
          `(or pass allowEchoBeyondChunk: true to build it anyway)`,
      );
    }
    this.rng = options.rng ?? new NumpyRandom(options.seed ?? 0);
    this.xBatch = ndarray([this.batchSize, this.seriesLength]);
    this.yBatch = this.xBatch;
    this.generateNewSeries();
  }

  /** Chunks per series: seriesLength / truncatedLength (the original's `len(data)`). */
  get numChunks(): number {
    return this.seriesLength / this.truncatedLength;
  }

  /** Draws fresh streams and their echoes. */
  generateNewSeries(): void {
    this.xBatch = randomBits(this.rng, [this.batchSize, this.seriesLength]); // (B, L)
    this.yBatch = echoTargets(this.xBatch, this.echoStep); // (B, L)
  }

  /** Chunk `index` of the current series, without drawing (the original's `x_chunks[i]`, `y_chunks[i]`). */
  peekChunk(index: number): EchoChunk {
    if (!Number.isInteger(index) || index < 0 || index >= this.numChunks) {
      throw new RangeError(`EchoData: chunk index must be an integer in [0, ${this.numChunks - 1}], got ${index}`);
    }
    const T = this.truncatedLength,
      B = this.batchSize,
      L = this.seriesLength;
    const x = ndarray([B, T, 1]); // (B, T, 1)
    const y = ndarray([B, T, 1]); // (B, T, 1)
    for (let b = 0; b < B; b++) {
      x.data.set(this.xBatch.data.subarray(b * L + index * T, b * L + (index + 1) * T), b * T);
      y.data.set(this.yBatch.data.subarray(b * L + index * T, b * L + (index + 1) * T), b * T);
    }
    return { x, y };
  }

  /** Chunk `index` for training: chunk 0 first draws a fresh series, as the original's `data[0]` does. */
  chunk(index: number): EchoChunk {
    if (index === 0) this.generateNewSeries();
    return this.peekChunk(index);
  }
}

/**
 * Rows of 0/1 values printed as NumPy prints an integer array's rows (`[1 0 0 1 …]`), the first
 * `columns` values of each; what the lab prints to show the data.
 */
export function formatBits(
  a: NdArray,
  options: { columns?: number; brackets?: boolean; ellipsis?: boolean } = {},
): string {
  rejectUnknownOptions("formatBits", options, ["columns", "brackets", "ellipsis"]);
  const cols = a.shape[a.shape.length - 1];
  const rows = a.data.length / cols;
  const { columns = cols, brackets = true, ellipsis = false } = options;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(a.data.subarray(r * cols, r * cols + Math.min(columns, cols)), (v) => String(v)).join(" ");
    lines.push((brackets ? `[${row}]` : row) + (ellipsis ? " ..." : ""));
  }
  return lines.join("\n");
}
