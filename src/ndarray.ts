/**
 * The library's plain array type: a flat Float64Array with a row-major shape, plus shape checks
 * and NumPy-style printing. Hand-derived BPTT runs on these (float64, like the NumPy originals);
 * TensorFlow.js tensors appear only where autodiff or large matrix products are wanted.
 * Introduced in lab 003; every model and dataset uses it.
 */

export interface NdArray {
  readonly shape: number[];
  readonly data: Float64Array;
}

/** Parameters (or their gradients) keyed by name; optimisers update them in place. */
export type ParamSet = Record<string, NdArray>;

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A zero-filled array of the given shape, or one that wraps `data` (checked against the shape). */
export function ndarray(shape: readonly number[], data?: ArrayLike<number>): NdArray {
  const n = size(shape);
  if (data !== undefined && data.length !== n) {
    throw new RangeError(`ndarray: shape [${shape.join(", ")}] holds ${n} values, got ${data.length}`);
  }
  return { shape: [...shape], data: data === undefined ? new Float64Array(n) : Float64Array.from(data) };
}

/**
 * Wraps `data` (no copy: the array shares it) as an array of the given shape, checked against it.
 * For arrays a function has just filled and hands over, as the models' gradients; ndarray() copies.
 */
export function wrapArray(shape: readonly number[], data: Float64Array): NdArray {
  const n = size(shape);
  if (data.length !== n)
    throw new RangeError(`wrapArray: shape [${shape.join(", ")}] holds ${n} values, got ${data.length}`);
  return { shape: [...shape], data };
}

/** From nested rows (`number[][]`), checking that no row is ragged. */
export function fromRows(rows: readonly (readonly number[])[], name = "rows"): NdArray {
  const cols = rows.length ? rows[0].length : 0;
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`${name}: row ${i} has ${r.length} values, row 0 has ${cols}`);
  });
  return ndarray([rows.length, cols], rows.flat());
}

/** To nested rows, for a 2-D array. */
export function toRows(a: NdArray): number[][] {
  assertRank(a, 2, "toRows");
  const [r, c] = a.shape;
  return Array.from({ length: r }, (_, i) => Array.from(a.data.subarray(i * c, (i + 1) * c)));
}

export function assertRank(a: NdArray, rank: number, name: string): void {
  if (a.shape.length !== rank) {
    throw new RangeError(`${name} must have rank ${rank}, got shape [${a.shape.join(", ")}]`);
  }
}

/**
 * Checks a shape against a pattern where `null` matches any size, e.g. `[null, 140, 1]`.
 * The message names the array, both shapes and what each dimension means.
 */
export function assertShape(
  a: NdArray,
  expected: readonly (number | null)[],
  name: string,
  dims?: readonly string[],
): void {
  const ok = a.shape.length === expected.length && expected.every((e, i) => e === null || e === a.shape[i]);
  if (!ok) {
    const want = expected.map((e, i) => (e === null ? (dims?.[i] ?? "any") : dims ? `${dims[i]}=${e}` : `${e}`));
    throw new RangeError(`${name} has shape [${a.shape.join(", ")}], expected [${want.join(", ")}]`);
  }
}

/**
 * Sum of `n` values from `offset`, added in the order NumPy's pairwise summation adds them
 * (eight running partial sums, then a tree), so sums match NumPy's to the last bit.
 */
export function pairwiseSum(values: ArrayLike<number>, offset = 0, n = values.length - offset): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[offset + i];
    return s;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => values[offset + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[offset + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += values[offset + i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, offset, half) + pairwiseSum(values, offset + half, n - half);
}

/** Sum over the last axis of a 2-D array, [rows, cols] → [rows], as `np.sum(a, axis=1)`. */
export function rowSums(a: NdArray): Float64Array {
  assertRank(a, 2, "rowSums");
  const [r, c] = a.shape;
  return Float64Array.from({ length: r }, (_, i) => pairwiseSum(a.data, i * c, c));
}

/** `np.linspace(start, stop, num)`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  // NumPy computes start + i*step and pins the last value to stop.
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/** `np.logspace(start, stop, num)`. */
export function logspace(start: number, stop: number, num: number): number[] {
  return linspace(start, stop, num).map((e) => 10 ** e);
}

// ---------------------------------------------------------------------------------------------
// NumPy-style printing, so a notebook prints what the original printed (np.set_printoptions defaults:
// precision 8, unique shortest digits, trailing zeros trimmed to ".", line width 75).

function shortestDigits(x: number, precision: number): string {
  // NumPy prints the shortest decimal that round-trips, capped at `precision` fraction digits.
  let s = String(x);
  if (s.includes("e")) s = x.toFixed(precision);
  const [, frac = ""] = s.split(".");
  if (frac.length > precision) s = x.toFixed(precision).replace(/0+$/, "");
  return s;
}

function formatScalars(values: ArrayLike<number>, precision: number): string[] {
  const parts = Array.from(values, (v) => {
    const s = shortestDigits(v, precision);
    const [int, frac = ""] = s.split(".");
    return { int, frac };
  });
  const intWidth = Math.max(...parts.map((p) => p.int.length));
  const fracWidth = Math.max(...parts.map((p) => p.frac.length));
  return parts.map((p) => p.int.padStart(intWidth) + "." + p.frac.padEnd(fracWidth));
}

export interface FormatOptions {
  /** Fraction digits at most (NumPy's default 8). */
  precision?: number;
  /** Characters per line before wrapping (NumPy's default 75). */
  lineWidth?: number;
}

/** Formats a 1-D or 2-D float array the way `print(np_array)` does. */
export function formatArray(a: NdArray, options: FormatOptions = {}): string {
  const { precision = 8, lineWidth = 75 } = options;
  if (a.shape.length > 2) throw new RangeError(`formatArray handles rank 1 or 2, got shape [${a.shape.join(", ")}]`);
  const cells = formatScalars(a.data, precision);
  const rows =
    a.shape.length === 1
      ? [cells]
      : Array.from({ length: a.shape[0] }, (_, i) => cells.slice(i * a.shape[1], (i + 1) * a.shape[1]));
  const rank2 = a.shape.length === 2;
  const lines: string[] = [];
  rows.forEach((row, r) => {
    const lead = rank2 ? (r === 0 ? "[[" : " [") : "[";
    const close = rank2 ? (r === rows.length - 1 ? "]]" : "]") : "]";
    let line = lead;
    row.forEach((cell, i) => {
      const piece = (i === 0 ? "" : " ") + cell;
      // NumPy wraps when the element (plus the closing bracket on the last one) would pass the width.
      const tail = i === row.length - 1 ? close.length : 0;
      if (i > 0 && line.length + piece.length + tail > lineWidth) {
        lines.push(line);
        line = " ".repeat(lead.length) + cell;
      } else {
        line += piece;
      }
    });
    lines.push(line + close);
  });
  return lines.join("\n");
}
