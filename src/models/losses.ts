/**
 * Losses on logits, in float64 for the fused (typed-array) training paths and in TensorFlow.js ops
 * for the autodiff references. Lab 001 trains every echo model with BCE-with-logits on every time
 * step (PyTorch's `nn.BCEWithLogitsLoss()`, mean over all elements) and reports a true accuracy.
 * Used by the recurrent stack (src/models/recurrent-stack.ts: its lossAndGradients and tfLoss), its
 * reference BPTTs (src/models/*-reference.ts) and src/bptt/gradient-reach.ts. Introduced in lab 001.
 *
 * The TensorFlow.js version takes the tf module as an argument (only its types are imported here),
 * so that loading this file, as every training path does, loads no TensorFlow.js.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { Tf } from "./model";
import { type NdArray, ndarray } from "../ndarray";

function checkSameShape(logits: NdArray, targets: NdArray, owner: string): void {
  const same = logits.shape.length === targets.shape.length && logits.shape.every((d, i) => d === targets.shape[i]);
  if (!same) {
    throw new RangeError(
      `${owner}: logits have shape [${logits.shape.join(", ")}] but targets have [${targets.shape.join(", ")}]; they must match`,
    );
  }
}

/** σ(z) without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * ℓ(z, y) = max(z, 0) − z·y + log(1 + e^(−|z|)): the binary cross-entropy of σ(z) against y,
 * written so that neither e^z nor log σ(z) overflows (PyTorch's formulation).
 */
export function bceWithLogitsElement(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

export interface BceResult {
  /** mean over every element of ℓ(z, y). */
  loss: number;
  /** ∂loss/∂z = (σ(z) − y) / N, same shape as the logits. */
  dLogits: NdArray;
}

/** BCE-with-logits, mean over all elements, with its gradient (∂ℓ/∂z = σ(z) − y). */
export function bceWithLogits(logits: NdArray, targets: NdArray): BceResult {
  checkSameShape(logits, targets, "bceWithLogits");
  const z = logits.data,
    y = targets.data,
    n = z.length;
  const dLogits = ndarray(logits.shape);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += bceWithLogitsElement(z[i], y[i]);
    dLogits.data[i] = (sigmoid(z[i]) - y[i]) / n;
  }
  return { loss: sum / n, dLogits };
}

/** The same loss in TensorFlow.js ops (for autodiff references): mean of max(z,0) − z·y + log1p(e^−|z|). */
export function tfBceWithLogits(tf: Tf, logits: tfCore.Tensor, targets: tfCore.Tensor): tfCore.Scalar {
  return tf.tidy(
    () =>
      tf.mean(
        tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
      ) as tfCore.Scalar,
  );
}

/** How many logits fall on the target's side of 0 (σ(z) > ½ ⇔ z > 0 predicts 1), out of how many. */
export function binaryCorrect(logits: NdArray, targets: NdArray): { correct: number; total: number } {
  checkSameShape(logits, targets, "binaryCorrect");
  let correct = 0;
  for (let i = 0; i < logits.data.length; i++) if ((logits.data[i] > 0 ? 1 : 0) === targets.data[i]) correct++;
  return { correct, total: logits.data.length };
}
