/**
 * The data of labs 003 and 004: short sequences whose target is the sum of their values, drawn
 * with the NumPy-compatible generator so they equal the originals' arrays value for value.
 * Introduced in lab 003 (bits) and lab 004 (thirds).
 */
import { type NdArray, ndarray, rowSums } from "../ndarray";
import { NumpyRandom } from "../random";

export interface SumDataset {
  /** Inputs, [samples, sequenceLength]. */
  X: NdArray;
  /** Targets t = Σ_k x_k, [samples]. */
  t: Float64Array;
}

function checkSizes(samples: number, sequenceLength: number, what: string): void {
  for (const [name, v] of [
    ["samples", samples],
    ["sequenceLength", sequenceLength],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * Lab 003: `np.random.seed(seed)`, then per row `np.around(np.random.rand(sequenceLength))`:
 * random bits, one row at a time (the draw order matters for matching NumPy).
 */
export function bitSequences(options: { samples?: number; sequenceLength?: number; seed?: number } = {}): SumDataset {
  const { samples = 20, sequenceLength = 10, seed = 1 } = options;
  checkSizes(samples, sequenceLength, "bitSequences");
  const rng = new NumpyRandom(seed);
  const X = ndarray([samples, sequenceLength]);
  for (let r = 0; r < samples; r++) {
    const row = rng.rand(sequenceLength).data;
    // np.around rounds half to even; a draw of exactly 0.5 is possible in principle.
    for (let k = 0; k < sequenceLength; k++) X.data[r * sequenceLength + k] = roundHalfEven(row[k]);
  }
  return { X, t: rowSums(X) };
}

/**
 * Lab 004: `np.random.uniform(size=(samples, sequenceLength))`, then ceil(3u)/3 rounded to two
 * decimals, with 0.67 replaced by 0.66: values in {0.33, 0.66, 1}.
 */
export function thirdsSequences(
  options: { samples?: number; sequenceLength?: number; seed?: number } = {},
): SumDataset {
  const { samples = 30, sequenceLength = 20, seed = 61185 } = options;
  checkSizes(samples, sequenceLength, "thirdsSequences");
  const u = new NumpyRandom(seed).uniform({ size: [samples, sequenceLength] });
  const X = ndarray(u.shape);
  for (let i = 0; i < u.data.length; i++) {
    const v = Math.round((Math.ceil(u.data[i] * 3) / 3) * 100) / 100;
    X.data[i] = v === 0.67 ? 0.66 : v;
  }
  return { X, t: rowSums(X) };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
