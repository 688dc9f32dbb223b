/**
 * TensorFlow.js's side of lab 002 in `npm run bench` (the second yardstick, issue 14): the same
 * training as bench/ours/lab002.ts and bench/reference/lab002.py, written with tfjs-layers.
 * tf.layers.simpleRNN (tanh, 100 units, input 1, T = 140, last state only) + dense(5) on ECG5000
 * (trains on the 4,500-row TEST file, tests on the 500-row TRAIN file, as the original), loss
 * Σ(y − t)²/(2N), weights U(±1/√100) as the reference. fit() cannot clip the gradient, so each
 * update is a custom step: tf.variableGrads → clip the global norm (scale clip/(‖g‖ + 1e-6) when
 * ‖g‖ > clip) → + weight decay · w → tf.train.momentum(lr, 0.9) (PyTorch's SGD semantics).
 * TensorFlow.js trains in float32 (ours and the reference: float64).
 * Sections (epochs=N to change):
 *   full-batch  one full-batch update per epoch: 4500 × 140, no biases, lr 0.01, wd 1e-4, clip 0.8
 *   minibatch   one epoch of "going further": biases, shuffled batches of 32 (141 updates),
 *               lr 0.05, wd 1e-4, clip 1, then the 500-row test set evaluated
 * Run by bench/run.ts (protocol: bench/ours/harness.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Scalar, Tensor, Variable } from "@tensorflow/tfjs-core";
import { mainWith, num, type Options } from "../ours/harness";
import { loadTfjs, mulberry32, torchUniform, type Tfjs } from "./load";

const DATA = path.join(__dirname, "..", "..", "data", "ECG5000");
const T = 140,
  K = 5,
  H = 100;

/** One ECG5000 file as tensors: x [N, T, 1] (batch-major, as tfjs's RNN layers take it), one-hot y [N, 5]. */
function loadEcg(t: Tfjs, split: "TRAIN" | "TEST"): { x: Tensor; y: Tensor; n: number } {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(DATA, `ECG5000_${split}.txt.gz`))).toString("utf8");
  const rows = text.split("\n").filter((l) => l.trim() !== "");
  const x = new Float32Array(rows.length * T),
    y = new Float32Array(rows.length * K);
  rows.forEach((line, n) => {
    const v = line.trim().split(/\s+/).map(Number);
    if (v.length !== T + 1) throw new Error(`ECG5000_${split}: row ${n} has ${v.length} values, not ${T + 1}`);
    y[n * K + v[0] - 1] = 1;
    for (let s = 0; s < T; s++) x[n * T + s] = v[s + 1];
  });
  return { x: t.tf.tensor3d(x, [rows.length, T, 1]), y: t.tf.tensor2d(y, [rows.length, K]), n: rows.length };
}

function makeNet(t: Tfjs, bias: boolean) {
  const { tf, tfl } = t;
  let seed = 0;
  const init = () => torchUniform(t, H, seed++);
  const rnn = tfl.layers.simpleRNN({
    units: H,
    activation: "tanh",
    useBias: bias,
    kernelInitializer: init(),
    recurrentInitializer: init(),
    biasInitializer: init(),
  });
  const dense = tfl.layers.dense({ units: K, useBias: bias, kernelInitializer: init(), biasInitializer: init() });
  const forward = (x: Tensor) => dense.apply(rnn.apply(x) as Tensor) as Tensor;
  tf.tidy(() => {
    forward(tf.zeros([1, T, 1])); // builds the weights (setup)
  });
  const vars = [...rnn.trainableWeights, ...dense.trainableWeights].map((w) => w.read() as Variable);
  return { forward, vars };
}

/** Σ(y − t)²/(2N) and the number of rows whose argmax matches. */
function lossOf(t: Tfjs, y: Tensor, target: Tensor): { loss: Scalar; correct: Scalar } {
  const { tf } = t;
  const n = y.shape[0];
  return {
    loss: tf.div(tf.sum(tf.squaredDifference(y, target)), 2 * n) as Scalar,
    correct: tf.sum(tf.cast(tf.equal(tf.argMax(y, 1), tf.argMax(target, 1)), "float32")) as Scalar,
  };
}

/** One update: gradients, global-norm clip, + wd·w, momentum SGD. Returns the loss and correct count (kept). */
function makeStep(t: Tfjs, net: ReturnType<typeof makeNet>, lr: number, clip: number, wd = 1e-4) {
  const { tf } = t;
  const optimizer = tf.train.momentum(lr, 0.9);
  return (x: Tensor, target: Tensor): { loss: Scalar; correct: Scalar } =>
    tf.tidy(() => {
      let correct: Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = lossOf(t, net.forward(x), target);
        correct = tf.keep(r.correct);
        return r.loss;
      }, net.vars);
      const names = net.vars.map((v) => v.name);
      const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k])))));
      const scale = tf.where(tf.greater(norm, clip), tf.div(clip, tf.add(norm, 1e-6)), tf.onesLike(norm));
      const update = net.vars.map((v) => ({
        name: v.name,
        tensor: tf.add(tf.mul(grads[v.name], scale), tf.mul(v, wd)),
      }));
      optimizer.applyGradients(update);
      return { loss: value, correct: correct! };
    });
}

const DIFFERENCES =
  "float32 (ours and the reference: float64); gradients by tfjs's autodiff through the unrolled SimpleRNN; " +
  "wasm backend single-threaded (XNNPACK SIMD; Node gives it no threads), ours uses 2 threads";

main();

function main(): void {
  mainWith(
    __filename,
    {
      "full-batch": (t: Tfjs, options: Options) => {
        const { tf } = t;
        const epochs = num(options, "epochs", 1);
        const train = loadEcg(t, "TEST"); // the 4,500-row file, as the original
        const net = makeNet(t, false);
        const step = makeStep(t, net, 0.01, 0.8);
        return () => {
          const losses: number[] = [];
          let accuracy = 0;
          for (let e = 0; e < epochs; e++) {
            const r = step(train.x, train.y);
            losses.push(r.loss.dataSync()[0]);
            accuracy = r.correct.dataSync()[0] / train.n;
            tf.dispose([r.loss, r.correct]);
          }
          return {
            epochs,
            N: train.n,
            T,
            loss: losses.at(-1),
            losses,
            accuracy,
            numTensors: tf.memory().numTensors,
            backend: t.backend,
            float: "float32",
            differences: DIFFERENCES,
          };
        };
      },
      minibatch: (t: Tfjs, options: Options) => {
        const { tf } = t;
        const epochs = num(options, "epochs", 1);
        const train = loadEcg(t, "TEST");
        const test = loadEcg(t, "TRAIN");
        const net = makeNet(t, true);
        const step = makeStep(t, net, 0.05, 1);
        const rand = mulberry32(0);
        return () => {
          let steps = 0,
            testLoss = NaN,
            testAccuracy = NaN;
          const batchLosses: number[] = [];
          for (let e = 0; e < epochs; e++) {
            const order = Array.from({ length: train.n }, (_, i) => i);
            for (let i = order.length - 1; i > 0; i--) {
              const j = Math.floor(rand() * (i + 1));
              [order[i], order[j]] = [order[j], order[i]];
            }
            steps = 0;
            for (let b = 0; b < train.n; b += 32) {
              const rows = tf.tensor1d(order.slice(b, b + 32), "int32");
              const x = tf.gather(train.x, rows),
                y = tf.gather(train.y, rows);
              const r = step(x, y);
              if (b === 0 || b + 32 >= train.n) batchLosses.push(r.loss.dataSync()[0]);
              tf.dispose([rows, x, y, r.loss, r.correct]);
              steps++;
            }
            const ev = tf.tidy(() => lossOf(t, net.forward(test.x), test.y));
            testLoss = ev.loss.dataSync()[0];
            testAccuracy = ev.correct.dataSync()[0] / test.n;
            tf.dispose([ev.loss, ev.correct]);
          }
          return {
            epochs,
            steps,
            firstAndLastBatchLoss: batchLosses,
            testLoss,
            testAccuracy,
            numTensors: tf.memory().numTensors,
            backend: t.backend,
            float: "float32",
            differences: DIFFERENCES,
          };
        };
      },
    },
    loadTfjs,
  );
}
