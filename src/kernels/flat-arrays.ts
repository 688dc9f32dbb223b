/**
 * Small loops on flat, row-major Float64Arrays that lab 001's fused recurrent layers share
 * (src/models/recurrent-stack.ts and the cells relu-rnn.ts, lstm.ts, gru.ts): bias rows, bias
 * gradients, the batch-first ↔ time-major reorder, and reusable scratch buffers. The matrix
 * products are in gemm.ts beside this file. Introduced in lab 001 (moved here from
 * recurrent-stack.ts in issue 12: kernels in kernels/, model equations in models/).
 *
 * Every sum here runs in one accumulator in row order, which the reference BPTTs
 * (src/models/*-reference.ts) repeat, so that the fused paths equal them to the bit.
 */

/** Column sums of a [rows, cols] block, row by row in order: the gradient of a bias broadcast over rows. */
export function columnSums(src: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += src[r * cols + c];
  return out;
}

/** A new [rows, cols] array with bias (plus a second bias, when given) in every row. */
export function broadcastRows(rows: number, bias: Float64Array, bias2?: Float64Array): Float64Array {
  return fillRows(new Float64Array(rows * bias.length), rows, bias, bias2);
}

/** Writes bias (plus bias2) into every row of `out` ([rows, cols], cols = bias.length); returns out. */
export function fillRows(out: Float64Array, rows: number, bias: Float64Array, bias2?: Float64Array): Float64Array {
  const cols = bias.length;
  if (rows <= 0) return out;
  for (let c = 0; c < cols; c++) out[c] = bias2 ? bias[c] + bias2[c] : bias[c];
  // The other rows are copies of the first, in doubling blocks (lab 001 fills T·B = 100 rows per layer and chunk).
  const total = rows * cols;
  for (let filled = cols; filled < total; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, total - filled));
  return out;
}

const scratchPool = new Map<string, Float64Array>();

/**
 * A reusable buffer of n doubles, for a temporary that does not outlive the call that takes it
 * (its contents are whatever the last user left: write every element, or fill it). Why: a chunk's
 * forward and backward otherwise allocate their temporaries afresh thousands of times per epoch,
 * and that churn of ArrayBuffers keeps the garbage collector's threads busy (most of all in a
 * notebook kernel, whose heap holds TypeScript's compiler: lab 001's 6 × 60 net ran 1.3× slower
 * there than in a plain process).
 */
export function scratch(name: string, n: number): Float64Array {
  let buffer = scratchPool.get(name);
  if (!buffer || buffer.length < n) {
    buffer = new Float64Array(Math.max(n, 2 * (buffer?.length ?? 0)));
    scratchPool.set(name, buffer);
  }
  return buffer.subarray(0, n);
}

/** [batch, time, features] → time-major [time, batch, features] (flat). */
export function toTimeMajor(data: Float64Array, batch: number, time: number, features: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) {
      const s = (b * time + t) * features,
        d = (t * batch + b) * features;
      for (let f = 0; f < features; f++) out[d + f] = data[s + f];
    }
  }
  return out;
}

/** Time-major [time, batch, features] (flat) → [batch, time, features]. */
export function toBatchFirst(data: Float64Array, batch: number, time: number, features: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let t = 0; t < time; t++) {
    for (let b = 0; b < batch; b++) {
      const s = (t * batch + b) * features,
        d = (b * time + t) * features;
      for (let f = 0; f < features; f++) out[d + f] = data[s + f];
    }
  }
  return out;
}
