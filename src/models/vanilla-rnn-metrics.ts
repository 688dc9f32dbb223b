/**
 * Loss and accuracy of lab 002's classifier, as the original lab's `mse` and `accuracy` functions
 * (with the fix: the MSE divides by the number of sequences N, where the original multiplied).
 * Used by src/models/vanilla-rnn.ts (evaluation, the accuracy metric of a training step), by the
 * reference BPTT's callers and by the heartbeat explorer (the predicted class). Introduced in lab 002.
 */
import { type NdArray, assertShape } from "../ndarray";

/** Equation (4): 1/(2N) Σ_n ‖y_n − t_n‖². outputs, Y: [N, O]. */
export function mseLoss(outputs: NdArray, Y: NdArray): number {
  assertShape(Y, outputs.shape, "mseLoss: targets");
  const N = outputs.shape[0];
  let s = 0;
  for (let i = 0; i < outputs.data.length; i++) s += (outputs.data[i] - Y.data[i]) ** 2;
  return s / (2 * N);
}

function argmaxRow(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (data[offset + k] > data[offset + best]) best = k;
  return best; // the first of equal maxima, as np.argmax
}

/** Sequences whose largest output is at the target's class. outputs: [N, O]; Y: the flat [N, O] one-hot targets. */
export function countCorrect(outputs: NdArray, Y: ArrayLike<number>): number {
  const [N, O] = outputs.shape;
  let correct = 0;
  for (let n = 0; n < N; n++) if (argmaxRow(outputs.data, n * O, O) === argmaxRow(Y, n * O, O)) correct++;
  return correct;
}

/** Fraction of sequences whose largest output is the target class. outputs, Y: [N, O]. */
export function accuracy(outputs: NdArray, Y: NdArray): number {
  assertShape(Y, outputs.shape, "accuracy: targets");
  return countCorrect(outputs, Y.data) / outputs.shape[0];
}

/** Predicted class (0-based) of every sequence: argmax of its outputs. outputs: [N, O]. */
export function predictedClasses(outputs: NdArray): Int32Array {
  const [N, O] = outputs.shape;
  return Int32Array.from({ length: N }, (_, n) => argmaxRow(outputs.data, n * O, O));
}
