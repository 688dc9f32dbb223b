// Fused vs op-by-op (issue 7): each model trains on a fused float64 forward + hand-derived backward
// and keeps an op-by-op TensorFlow.js version of the same loss for autodiff; the two must agree to
// float32 rounding, in value and in every gradient. The recurrent models of labs 001 (ReLU RNN,
// LSTM, GRU: test/recurrent-models.test.ts, logits and gradients) and 002 (vanilla RNN:
// test/vanilla-rnn.test.ts, loss value and gradients) have this test already; the SSNN (lab 000)
// and the linear RNN (labs 003/004) had only the gradient half, so here are both halves, at the
// labs' own sizes and data.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend";
import { bitSequences, thirdsSequences } from "../src/datasets/bit-sums";
import { threeHarmonics, windowBatches } from "../src/datasets/sine";
import * as linearRnn from "../src/models/linear-rnn";
import * as ssnn from "../src/models/ssnn";
import type { ParamSet } from "../src/ndarray";

/** The op-by-op loss and its autodiff gradients at `params` (float32), tensors disposed. */
function opByOp(
  params: ParamSet,
  tfLoss: (p: Record<string, tf.Tensor>) => tf.Scalar,
): { loss: number; grads: Record<string, Float64Array> } {
  const names = Object.keys(params);
  const tensors = names.map((n) => tf.tensor(Float32Array.from(params[n].data), params[n].shape, "float32"));
  const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
    tfLoss(Object.fromEntries(names.map((n, i) => [n, ts[i]]))),
  )(tensors);
  const out = {
    loss: value.dataSync()[0],
    grads: Object.fromEntries(names.map((n, i) => [n, Float64Array.from(grads[i].dataSync())])),
  };
  tf.dispose([value, ...grads, ...tensors]);
  return out;
}

/** ‖a − b‖ / ‖b‖. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

test("SSNN (lab 000): fused float64 loss and BPTT gradients equal the op-by-op TensorFlow.js loss and its autodiff", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const data = threeHarmonics(); // windows of 40, the lab's second experiment
  const model = ssnn.ssnn({ seed: 0 });
  const params = model.params;
  const batches = [...windowBatches(data, { batchSize: 32 })];
  for (const batch of [batches[0], batches[7], batches[batches.length - 1]]) {
    // full batches and the short last one
    const fused = model.lossAndGradients(batch);
    const ref = opByOp(params, (p) => model.tfLoss(tf, batch, p));
    // float32 over 40 steps of a 10-state recurrence; the largest disagreement seen over both tests is
    // 4e-6 relative (loss) and 2e-6 (gradients): 1e-5 is float32 rounding with margin, far below a wrong term.
    assert.ok(
      Math.abs(ref.loss - fused.loss) <= 1e-5 * fused.loss,
      `loss: op-by-op ${ref.loss} vs fused ${fused.loss}`,
    );
    for (const name of ["A", "B", "C", "D"] as const) {
      const e = relError(fused.grads[name].data, ref.grads[name]);
      assert.ok(e < 1e-5, `gradient ${name}: relative error ${e.toExponential(2)} between fused BPTT and autodiff`);
    }
  }
});

test("linear RNN (labs 003/004): fused loss and BPTT gradients equal the op-by-op TensorFlow.js loss and its autodiff", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const sets = [
    bitSequences({ samples: 20, sequenceLength: 10, seed: 1 }),
    thirdsSequences({ samples: 30, sequenceLength: 20, seed: 61185 }),
  ];
  // The gradient check's point, near the optimum, RProp's start and the surface's annotated points
  // (cliffs included). Not (1, 1) itself: the net is an exact adder there, so the float64 gradient is
  // 0 and the float32 one is pure rounding of the ~14-sized sums (~1e-4), with nothing to compare.
  const points = [
    [1.2, 1.2],
    [1.01, 0.99],
    [2, 1],
    [1, 2],
    [1, 0.5],
    [-1.5, 2],
  ];
  for (const { X, t } of sets) {
    for (const [wx, wRec] of points) {
      const model = new linearRnn.LinearRnn({ wx, wRec });
      const fused = model.lossAndGradients({ x: X, y: t });
      const ref = opByOp(model.params, (p) => model.tfLoss(tf, { x: X, y: t }, p));
      // Losses reach 1e12 at w_rec = 2 over 20 steps; float32 keeps ~7 digits: 1e-5 relative (seen ≤ 4e-6).
      assert.ok(
        Math.abs(ref.loss - fused.loss) <= 1e-5 * Math.max(fused.loss, 1e-6),
        `(${wx}, ${wRec}): loss ${ref.loss} vs ${fused.loss}`,
      );
      const e = relError([fused.grads.wx.data[0], fused.grads.wRec.data[0]], [ref.grads.wx[0], ref.grads.wRec[0]]);
      assert.ok(e < 1e-5, `(${wx}, ${wRec}): gradient relative error ${e.toExponential(2)}`);
    }
  }
});
