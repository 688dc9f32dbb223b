/**
 * Lab 002's vanilla RNN written a second time in TensorFlow.js ops, so that autodiff can check the
 * hand-derived BPTT (gradCheck in src/bptt/grad-check.ts calls it through `VanillaRnn#tfLoss`).
 * The module `tf` is handed in, and this file imports only its types: the model and its worker
 * threads never load TensorFlow.js. float32, as TensorFlow.js runs. Introduced in lab 002.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import type { NdArray } from "../ndarray";
import type { Tf } from "./model";

/** What the twin reads of a batch: x [T, N, I], one-hot y [N, O], optionally the rows to use. */
export interface VanillaRnnTfBatch {
  x: NdArray;
  y: NdArray;
  rows?: ArrayLike<number>;
}

/**
 * Equations (1)–(4) of src/models/vanilla-rnn.ts in TensorFlow.js ops: L = 1/(2N) Σ ‖h_T·W_out (+ b_out) − t‖²
 * with h_t = tanh(x_t·W_in + h_{t−1}·W_hh (+ b_h)), h_0 = 0. params keyed as paramShapes says.
 */
export function vanillaRnnTfLoss(
  tf: Tf,
  batch: VanillaRnnTfBatch,
  params: Record<string, tfCore.Tensor>,
): tfCore.Scalar {
  const [T, Nall, I] = batch.x.shape;
  return tf.tidy(() => {
    let x = tf.tensor3d(Float32Array.from(batch.x.data), [T, Nall, I]); // (T, Nall, I)
    let t = tf.tensor2d(Float32Array.from(batch.y.data), batch.y.shape as [number, number]); // (Nall, O)
    if (batch.rows !== undefined) {
      const rows = tf.tensor1d(Int32Array.from(batch.rows), "int32");
      x = tf.gather(x, rows, 1); // (T, N, I): the batch's sequences
      t = tf.gather(t, rows, 0); // (N, O)
    }
    const N = x.shape[1];
    const wIn = params.wIn as tfCore.Tensor2D,
      wHh = params.wHh as tfCore.Tensor2D,
      wOut = params.wOut as tfCore.Tensor2D;
    let h: tfCore.Tensor2D = tf.zeros([N, wHh.shape[0]]); // (N, H): h_0 = 0
    for (let step = 0; step < T; step++) {
      const xt = tf.reshape(tf.slice(x, [step, 0, 0], [1, N, I]), [N, I]) as tfCore.Tensor2D; // (N, I)
      let z = tf.add(tf.matMul(xt, wIn), tf.matMul(h, wHh)) as tfCore.Tensor2D; // (N, H)
      if (params.bH) z = tf.add(z, params.bH) as tfCore.Tensor2D;
      h = tf.tanh(z);
    }
    let y = tf.matMul(h, wOut) as tfCore.Tensor2D; // (N, O)
    if (params.bOut) y = tf.add(y, params.bOut) as tfCore.Tensor2D;
    return tf.div(tf.sum(tf.square(tf.sub(y, t))), 2 * N) as tfCore.Scalar;
  });
}
