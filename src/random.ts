/**
 * A seeded generator that draws exactly what NumPy's legacy `np.random.seed(n)` followed by
 * `rand` / `uniform` / `randn` / `randint` / `shuffle` draws (MT19937, RandomState's algorithms).
 *
 * Used by every lab so runs are reproducible, and by labs 003/004 so that their data, and hence
 * every printed number, match the Python originals digit for digit.
 * Introduced in lab 003.
 */
import type { NdArray } from "./ndarray";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** Shape argument of the array-returning draws: a length or a list of dimensions. */
export type Size = number | readonly number[];

function sizeToShape(size: Size, what: string): number[] {
  const shape = typeof size === "number" ? [size] : [...size];
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${what}: size must be non-negative integers, got [${shape.join(", ")}]`);
    }
  }
  return shape;
}

export class NumpyRandom {
  private readonly mt = new Uint32Array(N);
  private index = N;
  // RandomState's polar Box–Muller makes two normals per accepted pair and caches the second.
  private hasGauss = false;
  private gauss = 0;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Same as `np.random.seed(seed)` for an integer seed in [0, 2^32). */
  seed(seed: number): this {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${seed}`);
    }
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32, split so the product stays exact in float64.
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
    this.hasGauss = false;
    this.gauss = 0;
    return this;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }

  /** One raw 32-bit draw (MT19937 tempered output). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One double in [0, 1) with 53 random bits, as `np.random.random_sample()`. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal, as `np.random.randn()` (legacy polar method with a cached pair). */
  nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** An integer in [0, max], as RandomState's masked rejection sampler (`random_interval`). */
  nextInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`interval bound must be an integer in [0, 2^32 - 1], got ${max}`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  private fill(size: Size, what: string, draw: () => number): NdArray {
    const shape = sizeToShape(size, what);
    const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = draw();
    return { shape, data };
  }

  /** `np.random.rand(*shape)`: uniform in [0, 1). */
  rand(size: Size): NdArray {
    return this.fill(size, "rand", () => this.nextDouble());
  }

  /** `np.random.uniform(low, high, size)`. */
  uniform(options: { low?: number; high?: number; size: Size }): NdArray {
    const { low = 0, high = 1, size } = options;
    return this.fill(size, "uniform", () => low + (high - low) * this.nextDouble());
  }

  /** `np.random.randn(*shape)`: standard normal. */
  randn(size: Size): NdArray {
    return this.fill(size, "randn", () => this.nextGauss());
  }

  /** `np.random.normal(loc, scale, size)`. */
  normal(options: { loc?: number; scale?: number; size: Size }): NdArray {
    const { loc = 0, scale = 1, size } = options;
    return this.fill(size, "normal", () => loc + scale * this.nextGauss());
  }

  /** `np.random.randint(low, high, size)`: integers in [low, high). */
  randint(options: { low: number; high: number; size: Size }): NdArray {
    const { low, high, size } = options;
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new RangeError(`randint needs integers low < high, got low=${low}, high=${high}`);
    }
    return this.fill(size, "randint", () => low + this.nextInterval(high - low - 1));
  }

  /** `np.random.shuffle(array)` for a 1-D array, in place (Fisher–Yates from the end). */
  shuffle<T>(array: T[] | Float64Array | Int32Array): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInterval(i);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
  }

  /** `np.random.permutation(n)`. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    this.shuffle(out);
    return out;
  }
}

/** A fresh generator seeded like `np.random.seed(seed)`. */
export function numpyRandom(seed: number): NumpyRandom {
  return new NumpyRandom(seed);
}
