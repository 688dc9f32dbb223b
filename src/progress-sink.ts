/**
 * Where long loops report progress, without knowing how it is drawn. The training loop
 * (src/train.ts), the parallel runs and the loss surfaces call `createProgressSink`; what draws
 * (a notebook bar, a terminal line, a message to the main thread) is registered from above:
 * src/notebook/index.ts registers the notebook's bars when the public surface loads, a worker
 * thread passes its own sink, and a bare import of dist/train.js draws nothing. This keeps the
 * layers pointing one way: training never imports display code (vega, resvg, tslab).
 */

export type ProgressInfo = Readonly<Record<string, number | string>>;

/** One running loop's progress: ticks add up to `total`. */
export interface ProgressSink {
  /** Adds n steps (default 1); info fields (e.g. {loss: 0.0123}) are shown beside the count. */
  tick(n?: number, info?: ProgressInfo): void;
  /** Draws the final state; later ticks are ignored. */
  done(info?: ProgressInfo): void;
  /** Changes the expected total (when it is only known after the first epoch). */
  setTotal(total: number): void;
}

/** Makes the sink of one loop, named by `label`, expecting `total` steps. */
export type ProgressFactory = (options: { label: string; total: number }) => ProgressSink;

/** A sink that draws nothing. */
export const silentProgress: ProgressFactory = () => ({ tick() {}, done() {}, setTotal() {} });

let defaultFactory: ProgressFactory = silentProgress;

/** Sets what `progress: true` (the default of train and friends) draws; returns the previous factory. */
export function setDefaultProgress(factory: ProgressFactory): ProgressFactory {
  const previous = defaultFactory;
  defaultFactory = factory;
  return previous;
}

/**
 * The sink for a loop given the loop's `progress` option: false → none, a factory → its sink,
 * true or undefined → the registered default (the notebook's bars once src/notebook is loaded).
 */
export function createProgressSink(
  option: boolean | ProgressFactory | undefined,
  label: string,
  total: number,
): ProgressSink | undefined {
  if (option === false) return undefined;
  const factory = typeof option === "function" ? option : defaultFactory;
  return factory({ label, total });
}
