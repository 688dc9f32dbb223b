/**
 * Mini-batches of a data set in a new random order every epoch, for `train({ batches })`
 * (src/train.ts): each batch is the data set plus the `rows` it covers, which a model such as the
 * vanilla RNN (src/models/vanilla-rnn.ts) gathers itself, so nothing is copied here.
 * Used by lab 002's "Going further" runs, its benchmark and its tests. Introduced in lab 002.
 */
import type { NdArray } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import { NumpyRandom } from "../random";

export interface ShuffledBatchesOptions {
  /** Sequences per batch; the last batch of an epoch holds what is left. */
  batchSize: number;
  /** Seed of the NumpyRandom generator that draws one permutation per epoch (default 0). */
  seed?: number;
}

/** A data set as a batch: inputs x, targets y whose first axis counts the sequences ([N, …]). */
export interface RowBatch {
  x: NdArray;
  y: NdArray;
  rows: number[];
}

/**
 * `(epoch) => batches`: on every call, rows 0 … N−1 of `data` in the order of a fresh
 * `permutation(N)` of one seeded generator (as `np.random.permutation`), cut into batches of
 * `batchSize`. The same seed gives the same batches, epoch after epoch.
 */
export function shuffledBatches(
  data: { x: NdArray; y: NdArray },
  options: ShuffledBatchesOptions,
): (epoch: number) => RowBatch[] {
  rejectUnknownOptions("shuffledBatches", options, ["batchSize", "seed"]);
  const { batchSize, seed = 0 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`shuffledBatches: batchSize must be a positive integer, got ${batchSize}`);
  const n = data?.y?.shape?.[0];
  if (!Number.isInteger(n) || n < 1)
    throw new TypeError(
      "shuffledBatches: pass a data set { x, y } whose y is [sequences, …] with at least one sequence",
    );
  const rng = new NumpyRandom(seed);
  return () => {
    const order = rng.permutation(n);
    return Array.from({ length: Math.ceil(n / batchSize) }, (_, b) => ({
      x: data.x,
      y: data.y,
      rows: order.slice(b * batchSize, (b + 1) * batchSize),
    }));
  };
}
