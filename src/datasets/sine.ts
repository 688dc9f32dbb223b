/**
 * The signals of lab 000: a pure sine and a sum of three harmonics, sampled every `step` on
 * [0, length), cut into overlapping windows (every window of `window` samples predicts the sample
 * right after it), plus the true samples that seed and continue the autoregressive roll-out.
 * Batches are consecutive runs of windows, in order, as in the original (no shuffling), named as the
 * model contract names a batch (src/models/model.ts): x the inputs, y the targets.
 * Used by notebook 000 and test/sine.test.ts. Introduced in lab 000.
 */
import { type NdArray, ndarray } from "../ndarray";
import { rejectUnknownOptions } from "../options";

/** One term a·sin(t / divisor) of the signal. */
export interface Harmonic {
  amplitude: number;
  divisor: number;
}

export interface WindowedSignalOptions {
  /** The training signal covers t in [0, length). */
  length: number;
  /** Sampling step in t (the lab: 0.5, so a sine period is ~12.6 samples). */
  step: number;
  /** Samples per input window; the target is the sample after it. */
  window: number;
  /** The terms summed into the signal. */
  harmonics: readonly Harmonic[];
  /** True samples right after the training signal that seed the roll-out (default 10, as the lab). */
  seedLength?: number;
  /** Points in a roll-out, seed included; `continuation` holds the true signal over them (default 100). */
  rollOutLength?: number;
}

export interface WindowedSignal {
  /** The inputs, [windows, window, 1]: window i holds samples i … i + window − 1. */
  x: NdArray;
  /** The targets, [windows, 1]: sample i + window, the next one after window i. */
  y: NdArray;
  /** The sampled training signal, [samples] (samples = ceil(length / step)). */
  signal: Float64Array;
  /** The first `seedLength` true samples after the training signal, [seedLength]. */
  rollOutSeed: Float64Array;
  /** The true signal over the roll-out's `rollOutLength` points (seed included), for reference. */
  continuation: Float64Array;
  /** Σ|a|: the largest |signal| can get, for chart limits. */
  peak: number;
  /** The options it was built from, defaults filled in. */
  options: Required<WindowedSignalOptions>;
}

const OPTIONS = ["length", "step", "window", "harmonics", "seedLength", "rollOutLength"];

/** Σ a·sin(t / d) at one time. */
export function harmonicSignal(harmonics: readonly Harmonic[], t: number): number {
  let s = 0;
  for (const { amplitude, divisor } of harmonics) s += amplitude * Math.sin(t / divisor);
  return s;
}

/** Samples the signal and cuts it into windows, as the lab's `generate_data` (torch `unfold`). */
export function windowedSignal(options: WindowedSignalOptions): WindowedSignal {
  rejectUnknownOptions("windowedSignal", options, OPTIONS);
  const { length, step, window, harmonics, seedLength = 10, rollOutLength = 100 } = options;
  if (!(step > 0)) throw new RangeError(`windowedSignal: step must be > 0, got ${step}`);
  if (!Array.isArray(harmonics) || harmonics.length === 0) {
    throw new TypeError("windowedSignal: harmonics must be a non-empty list of {amplitude, divisor}");
  }
  // torch.arange(0, length, step): ceil(length / step) samples at i·step.
  const samples = Math.ceil(length / step);
  if (!Number.isInteger(window) || window < 1 || window >= samples) {
    throw new RangeError(
      `windowedSignal: window must be an integer in [1, ${samples - 1}] for ${samples} samples, got ${window}`,
    );
  }
  if (
    !Number.isInteger(seedLength) ||
    seedLength < 1 ||
    !Number.isInteger(rollOutLength) ||
    rollOutLength < seedLength
  ) {
    throw new RangeError(
      `windowedSignal: need integers 1 ≤ seedLength ≤ rollOutLength, got ${seedLength} and ${rollOutLength}`,
    );
  }
  const at = (i: number) => harmonicSignal(harmonics, i * step);
  const signal = Float64Array.from({ length: samples }, (_, i) => at(i));
  const count = samples - window; // windows of window + 1 samples (inputs + target)
  const x = ndarray([count, window, 1]); // (N, W, 1)
  const y = ndarray([count, 1]); // (N, 1)
  for (let i = 0; i < count; i++) {
    x.data.set(signal.subarray(i, i + window), i * window);
    y.data[i] = signal[i + window];
  }
  // The roll-out starts where the training signal stops: t = length, length + step, …
  const start = samples;
  const continuation = Float64Array.from({ length: rollOutLength }, (_, i) => at(start + i));
  return {
    x,
    y,
    signal,
    rollOutSeed: continuation.slice(0, seedLength),
    continuation,
    peak: harmonics.reduce((s, h) => s + Math.abs(h.amplitude), 0),
    options: { length, step, window, harmonics, seedLength, rollOutLength },
  };
}

/** Lab 000's first experiment: 5·sin t on [0, 200) every 0.5, windows of 20. */
export function pureSine(overrides: Partial<WindowedSignalOptions> = {}): WindowedSignal {
  return windowedSignal({
    length: 200,
    step: 0.5,
    window: 20,
    harmonics: [{ amplitude: 5, divisor: 1 }],
    ...overrides,
  });
}

/** Lab 000's second experiment: 5·sin t + 2·sin(t/3) + sin(t/5) on [0, 400) every 0.5, windows of 40. */
export function threeHarmonics(overrides: Partial<WindowedSignalOptions> = {}): WindowedSignal {
  const harmonics = [
    { amplitude: 5, divisor: 1 },
    { amplitude: 2, divisor: 3 },
    { amplitude: 1, divisor: 5 },
  ];
  return windowedSignal({ length: 400, step: 0.5, window: 40, harmonics, ...overrides });
}

export interface WindowBatch {
  /** The input windows, [batch, window, 1]. */
  x: NdArray;
  /** The sample after each window, [batch, 1]. */
  y: NdArray;
  /** Index of the batch's first window. */
  start: number;
}

/**
 * Consecutive batches of `batchSize` windows, in order; the last one holds whatever is left, so
 * every window is used once per epoch (the original's last batch was `[k·32 : −1]`, which drops
 * the final window, and would be empty if 32 divided the count).
 */
export function* windowBatches(
  data: Pick<WindowedSignal, "x" | "y">,
  options: { batchSize: number },
): Generator<WindowBatch> {
  rejectUnknownOptions("windowBatches", options, ["batchSize"]);
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`windowBatches: batchSize must be a positive integer, got ${batchSize}`);
  const [count, window, features] = data.x.shape;
  const targetWidth = data.y.shape[1];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    yield {
      x: ndarray(
        [n, window, features],
        data.x.data.subarray(start * window * features, (start + n) * window * features),
      ), // (n, W, 1)
      y: ndarray([n, targetWidth], data.y.data.subarray(start * targetWidth, (start + n) * targetWidth)), // (n, 1)
      start,
    };
  }
}

/** The batch sizes the original's loop produced: ⌊N/32⌋ full batches, then `[k·32 : −1]` (one short, or empty). */
export function originalBatchSizes(count: number, batchSize: number): number[] {
  const full = Math.floor(count / batchSize);
  return [...Array(full).fill(batchSize), Math.max(count - full * batchSize - 1, 0)];
}
