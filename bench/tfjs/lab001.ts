/**
 * TensorFlow.js's side of lab 001 in `npm run bench` (the second yardstick, issue 14): the same
 * training as bench/ours/lab001.ts and bench/reference/lab001.py, written with tfjs-layers the way
 * a TypeScript user would without bptt-lab. Echo data (batch 5 independent bit streams, series
 * 20 000, T = 20, so 1 000 chunks per epoch; a fresh series each epoch), tf.layers.simpleRNN (relu)
 * / 6 stacked simpleRNN / lstm / gru (recurrentActivation sigmoid, as PyTorch) with
 * returnSequences + returnState, a dense(1) on every step's output, sigmoid cross-entropy on the
 * logits (mean, as BCEWithLogits), RMSprop lr 0.001. The state is carried by hand between chunks
 * (each layer's `initialState` is the last chunk's final state, a constant: BPTT stops at the
 * chunk border as the reference's detach); each update is optimizer.minimize over that forward.
 * Training only, as the other sides.
 * Sections (epochs=N, length=L to change): echo3-4 (5 epochs), echo10-4, echo10-60, echo10-6x60,
 * lstm16, gru16 (1 epoch each). Run by bench/run.ts (protocol: bench/ours/harness.ts).
 */
import type { Tensor, Scalar } from "@tensorflow/tfjs-core";
import { mainWith, num, type Options } from "../ours/harness";
import { loadTfjs, mulberry32, torchUniform, type Tfjs } from "./load";

type Cell = "rnn" | "lstm" | "gru";

const B = 5,
  T = 20;

function section(echoStep: number, units: number, layers: number, cell: Cell, defaultEpochs: number) {
  return (t: Tfjs, options: Options) => {
    const { tf, tfl } = t;
    const epochs = num(options, "epochs", defaultEpochs);
    const seriesLength = num(options, "length", 20000);
    const chunks = seriesLength / T;
    if (!Number.isInteger(chunks)) throw new Error(`length ${seriesLength} is not a multiple of ${T}`);
    const rand = mulberry32(1);
    // (B, L) bits and their echoes, as the reference's EchoData: y = roll(x, echoStep), first echoStep zeros.
    const xs = new Float32Array(B * seriesLength),
      ys = new Float32Array(B * seriesLength);
    const newSeries = () => {
      for (let i = 0; i < xs.length; i++) xs[i] = rand() < 0.5 ? 0 : 1;
      for (let b = 0; b < B; b++)
        for (let s = 0; s < seriesLength; s++)
          ys[b * seriesLength + s] = s < echoStep ? 0 : xs[b * seriesLength + s - echoStep];
    };
    const chunkOf = (src: Float32Array, index: number) => {
      const out = new Float32Array(B * T);
      for (let b = 0; b < B; b++)
        out.set(src.subarray(b * seriesLength + index * T, b * seriesLength + (index + 1) * T), b * T);
      return tf.tensor3d(out, [B, T, 1]);
    };

    let seed = 10;
    const init = (fan: number) => torchUniform(t, fan, seed++);
    const rnns = Array.from({ length: layers }, (_, l) => {
      const common = {
        units,
        returnSequences: true,
        returnState: true,
        kernelInitializer: init(units),
        recurrentInitializer: init(units),
        biasInitializer: init(units),
        ...(l === 0 ? { inputShape: [T, 1] } : {}),
      };
      if (cell === "rnn") return tfl.layers.simpleRNN({ ...common, activation: "relu" });
      if (cell === "lstm") return tfl.layers.lstm({ ...common, recurrentActivation: "sigmoid", unitForgetBias: false });
      return tfl.layers.gru({ ...common, recurrentActivation: "sigmoid" });
    });
    const dense = tfl.layers.dense({ units: 1, kernelInitializer: init(units), biasInitializer: init(units) });
    const statesPerLayer = cell === "lstm" ? 2 : 1;
    const zeroStates = () => rnns.map(() => Array.from({ length: statesPerLayer }, () => tf.zeros([B, units])));
    // tf.train.rmsprop: ms = ρ·ms + (1−ρ)·g², w −= lr·g/√(ms + ε). PyTorch's RMSprop divides by √ms + 1e-8
    // with ρ = 0.99: the same ρ, and ε = 1e-16 inside the root floors the denominator at 1e-8 as PyTorch's does.
    const optimizer = tf.train.rmsprop(0.001, 0.99, 0, 1e-16);

    const forward = (x: Tensor, states: Tensor[][]) => {
      let h = x;
      const next: Tensor[][] = [];
      rnns.forEach((layer, l) => {
        const out = layer.apply(h, { initialState: states[l] }) as Tensor[];
        h = out[0];
        next.push(out.slice(1));
      });
      return { logits: dense.apply(h) as Tensor, next };
    };
    // Build the layers (setup, untimed): one forward pass.
    tf.tidy(() => {
      forward(tf.zeros([B, T, 1]), zeroStates());
    });
    newSeries();

    return () => {
      let states = zeroStates();
      let correctSum: Tensor = tf.scalar(0);
      let lastLoss: Scalar | undefined;
      const accuracy: number[] = [];
      let tensorsAfterFirstChunk = 0;
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (epoch > 0) newSeries(); // the reference draws a fresh series at every epoch's chunk 0
        for (let i = 0; i < chunks; i++) {
          const x = chunkOf(xs, i),
            y = chunkOf(ys, i);
          let next: Tensor[][] = [];
          let correct: Tensor = correctSum;
          const loss = optimizer.minimize(() => {
            const f = forward(x, states);
            const l = tf.losses.sigmoidCrossEntropy(y, f.logits) as Scalar;
            next = f.next.map((s) => s.map((v) => tf.keep(v)));
            correct = tf.keep(tf.add(correctSum, tf.sum(tf.equal(tf.cast(tf.greater(f.logits, 0), "float32"), y))));
            return l;
          }, true)!;
          tf.dispose([x, y, states, correctSum]);
          lastLoss?.dispose();
          lastLoss = loss;
          states = next;
          correctSum = correct;
          if (epoch === 0 && i === 0) tensorsAfterFirstChunk = tf.memory().numTensors;
        }
        const c = correctSum.dataSync()[0];
        accuracy.push((100 * c) / (chunks * B * T));
        correctSum.dispose();
        correctSum = tf.scalar(0);
      }
      const info = {
        epochs,
        chunks,
        accuracy,
        lastLoss: lastLoss!.dataSync()[0],
        numTensors: { afterFirstChunk: tensorsAfterFirstChunk, atEnd: tf.memory().numTensors },
        backend: t.backend,
        float: "float32",
        differences:
          "float32 (ours float64); tf.train.rmsprop with decay 0.99 and epsilon 1e-16 inside the root (PyTorch: 1e-8 outside); " +
          "one bias per gate (PyTorch has two, same function); weights U(±1/√H) as PyTorch" +
          (cell === "gru" ? "; Keras's GRU applies the reset gate before the recurrent product (PyTorch: after)" : ""),
      };
      tf.dispose([states, correctSum, lastLoss!]);
      return info;
    };
  };
}

mainWith(
  __filename,
  {
    "echo3-4": section(3, 4, 1, "rnn", 5),
    "echo10-4": section(10, 4, 1, "rnn", 1),
    "echo10-60": section(10, 60, 1, "rnn", 1),
    "echo10-6x60": section(10, 60, 6, "rnn", 1),
    lstm16: section(10, 16, 1, "lstm", 1),
    gru16: section(10, 16, 1, "gru", 1),
  },
  loadTfjs,
);
