/**
 * Option checking and number compaction shared by the whole library, so that every public
 * function refuses unknown or malformed options with one line that names the function, the option
 * and the fix. The base layer: depends on nothing else in src/.
 */

/** Throws if `given` has a key outside `known`; the message lists the known keys. */
export function rejectUnknownOptions(where: string, given: object | undefined, known: readonly string[]): void {
  if (given === undefined) return;
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new TypeError(
      `${where}: options must be an object like {${known.slice(0, 3).join(", ")}, ...}, got ${describe(given)}`,
    );
  }
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length)
    throw new Error(`${where}: unknown option ${unknown.join(", ")}; options are ${known.join(", ")}`);
}

/** Short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "object") return "an object";
  return String(value);
}

/** Array-like of numbers (plain arrays or typed arrays) as the builders accept them. */
export type NumberList = readonly number[] | Float64Array | Float32Array;

export function isNumberList(value: unknown): value is NumberList {
  return (
    (Array.isArray(value) && value.every((v) => typeof v === "number")) ||
    value instanceof Float64Array ||
    value instanceof Float32Array
  );
}

export function expectNumberList(where: string, name: string, value: unknown, minLength = 1): NumberList {
  if (!isNumberList(value)) {
    throw new TypeError(`${where}: ${name} must be an array of numbers, got ${describe(value)}`);
  }
  if (value.length < minLength) {
    throw new RangeError(`${where}: ${name} needs at least ${minLength} value(s), got ${value.length}`);
  }
  return value;
}

export function expectFinite(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${where}: ${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function expectPositive(where: string, name: string, value: unknown): number {
  expectFinite(where, name, value);
  if ((value as number) <= 0) throw new RangeError(`${where}: ${name} must be > 0, got ${String(value)}`);
  return value as number;
}

export function expectPair(where: string, name: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new TypeError(`${where}: ${name} must be [min, max] with two finite numbers, got ${describe(value)}`);
  }
  return [value[0], value[1]];
}

export function expectOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(
      `${where}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${describe(value)}`,
    );
  }
  return value as T;
}

/**
 * Rounds to `digits` significant digits, so a spec stays compact as JSON (a 100×100 surface
 * would otherwise carry 17-digit floats). Non-finite values become null, which is what
 * JSON.stringify would make of them anyway and what Vega-Lite treats as missing.
 */
export function roundSignificant(value: number, digits = 6): number | null {
  if (!Number.isFinite(value)) return null;
  if (value === 0) return 0;
  return Number(value.toPrecision(digits));
}

/** Rounds to a fixed number of decimals (for pixel coordinates). */
export function roundDecimals(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r; // no -0 in JSON output
}
