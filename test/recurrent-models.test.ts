// Lab 001's recurrent models (ReLU RNN, stacked; LSTM; GRU): the fused float64 forward/backward
// against their reference BPTTs (plain loops, src/models/*-reference.ts) on random shapes, against
// finite differences and against TensorFlow.js autodiff of the op-by-op forward (issue 7's "fused
// and op-by-op paths agree"), through the model contract (lossAndGradients, tfLoss, gradCheck);
// PyTorch's initialisation; and the state gradients that truncated BPTT drops and that the
// gradient-reach chart shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend";
import { assertGradCheck, formatGradCheck, gradCheck } from "../src/bptt/grad-check";
import { gemmNT } from "../src/kernels/gemm";
import { gru } from "../src/models/gru";
import { gruReferenceBptt } from "../src/models/gru-reference";
import { bceWithLogits, tfBceWithLogits } from "../src/models/losses";
import { lstm } from "../src/models/lstm";
import { lstmReferenceBptt } from "../src/models/lstm-reference";
import type { Model } from "../src/models/model";
import type { RecurrentNet, RecurrentNetOptions, RecurrentState } from "../src/models/recurrent-stack";
import type { ReferenceBptt } from "../src/models/recurrent-stack-reference";
import { reluRnn } from "../src/models/relu-rnn";
import { reluRnnReferenceBptt } from "../src/models/relu-rnn-reference";
import { type NdArray, type ParamSet, ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

const rng = new NumpyRandom(2024);

function randomState(model: { initialState(b: number): RecurrentState }, batch: number, scale = 0.5): RecurrentState {
  const s = model.initialState(batch);
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, rng.uniform({ low: -scale, high: scale, size: v.shape })]),
  );
}

function bits(shape: number[]): NdArray {
  const u = rng.rand(shape);
  return ndarray(
    shape,
    u.data.map((v) => (v >= 0.5 ? 1 : 0)),
  );
}

const makers: [
  string,
  (o: RecurrentNetOptions) => RecurrentNet,
  (params: ParamSet, batch: { x: NdArray; y: NdArray; state: RecurrentState }) => ReferenceBptt,
][] = [
  ["ReLU RNN", reluRnn, reluRnnReferenceBptt],
  ["LSTM", lstm, lstmReferenceBptt],
  ["GRU", gru, gruReferenceBptt],
];

const tensorsOf = (params: ParamSet) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.tensor(Float32Array.from(v.data), v.shape)]));

test("gemmNT equals a naive triple loop, odd sizes and offsets included", () => {
  for (const [m, n, k] of [
    [1, 1, 1],
    [3, 5, 2],
    [5, 4, 7],
    [4, 3, 1],
  ]) {
    const A = rng.uniform({ low: -1, high: 1, size: 2 + m * k }).data;
    const B = rng.uniform({ low: -1, high: 1, size: 3 + n * k }).data;
    const C = rng.uniform({ low: -1, high: 1, size: 1 + m * n }).data;
    const want = C.slice();
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[2 + i * k + p] * B[3 + j * k + p];
        want[1 + i * n + j] += s;
      }
    gemmNT(m, n, k, A, 2, B, 3, C, 1);
    for (let i = 0; i < C.length; i++) assert.ok(Math.abs(C[i] - want[i]) < 1e-12, `[${m},${n},${k}] entry ${i}`);
  }
});

test("initialisation is PyTorch's: uniform in ±1/√hidden, PyTorch's names and shapes, reproducible from the seed", () => {
  const m = reluRnn({ hiddenSize: 60, layers: 6, seed: 3 });
  assert.deepEqual(Object.keys(m.params).slice(0, 5), [
    "weight_ih_l0",
    "weight_hh_l0",
    "bias_ih_l0",
    "bias_hh_l0",
    "weight_ih_l1",
  ]);
  assert.deepEqual(m.params.weight_ih_l0.shape, [60, 1]);
  assert.deepEqual(m.params.weight_ih_l5.shape, [60, 60]);
  assert.deepEqual(m.params.linear_weight.shape, [1, 60]);
  const bound = 1 / Math.sqrt(60);
  let maxAbs = 0;
  for (const p of Object.values(m.params)) for (const v of p.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs <= bound && maxAbs > 0.95 * bound, `max |w| ${maxAbs} vs bound ${bound}`);
  // The first draw is NumPy's first uniform of seed 3 mapped to ±bound.
  const u0 = new NumpyRandom(3).nextDouble();
  assert.equal(m.params.weight_ih_l0.data[0], -bound + 2 * bound * u0);
  assert.deepEqual(
    reluRnn({ hiddenSize: 60, layers: 6, seed: 3 }).params.weight_hh_l4.data,
    m.params.weight_hh_l4.data,
  );
  assert.deepEqual(lstm({ hiddenSize: 4 }).params.weight_hh_l0.shape, [16, 4]);
  assert.deepEqual(gru({ hiddenSize: 4 }).params.bias_ih_l0.shape, [12]);
  assert.equal(m.name, "ReLU RNN (6 layers × 60 units)");
});

test("bad options and shapes are one-line errors naming the problem", () => {
  assert.throws(() => reluRnn({ hiddenSize: 0 }), /hiddenSize must be a positive integer/);
  assert.throws(() => lstm({ hiddenSize: 4, hidden: 3 } as never), /unknown option hidden/);
  const m = gru({ hiddenSize: 4 });
  assert.throws(
    () => m.forward(ndarray([2, 5, 2]), m.initialState(2)),
    /input x has shape \[2, 5, 2\], expected \[batch, time, inputs=1\]/,
  );
  assert.throws(
    () => m.forward(ndarray([2, 5, 1]), m.initialState(3)),
    /state "h" has shape \[1, 3, 4\], expected \[layers=1, batch=2, hidden=4\]/,
  );
  assert.throws(
    () => m.lossAndGradients({ x: ndarray([2, 5, 1]), y: ndarray([2, 4, 1]), state: m.initialState(2) }),
    /GRU \(4 units\): targets y has shape \[2, 4, 1\], expected \[batch=2, time=5, outputs=1\]/,
  );
});

test("BCE-with-logits: stable for large logits, gradient σ(z) − y over N, equal to TensorFlow.js", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const z = ndarray([2, 3], [-800, -2, 0, 0.5, 3, 800]);
  const y = ndarray([2, 3], [0, 1, 1, 0, 1, 1]);
  const { loss, dLogits } = bceWithLogits(z, y);
  const expected = [
    0,
    2 + Math.log1p(Math.exp(-2)),
    Math.log(2),
    0.5 + Math.log1p(Math.exp(-0.5)),
    Math.log1p(Math.exp(-3)),
    0,
  ];
  assert.ok(Math.abs(loss - expected.reduce((a, b) => a + b) / 6) < 1e-15);
  assert.ok(Math.abs(dLogits.data[1] - (1 / (1 + Math.exp(2)) - 1) / 6) < 1e-16);
  const tfLoss = tf.tidy(
    () =>
      tfBceWithLogits(
        tf,
        tf.tensor(Float32Array.from(z.data), [2, 3]),
        tf.tensor(Float32Array.from(y.data), [2, 3]),
      ).dataSync()[0],
  );
  assert.ok(Math.abs(tfLoss - loss) < 1e-6, `${tfLoss} vs ${loss}`);
});

for (const [kind, make, reference] of makers) {
  test(`${kind}: the fused forward and BPTT equal the reference loops to the bit, on random shapes`, () => {
    // Both add the same products in the same order (one accumulator per output, k then t then the
    // batch rows, biases first), so no rounding bound is needed: every number must be the same
    // double (Object.is). Shapes from 1 × 1 up to H = 24, so that the products run on both
    // kernels of src/kernels/gemm-nt.ts (JavaScript below 16, WebAssembly SIMD from 16 on).
    const draw = new NumpyRandom(77);
    const int = (lo: number, hi: number) => lo + Math.floor(draw.nextDouble() * (hi - lo + 1));
    let compared = 0,
      wide = 0;
    for (let trial = 0; trial < 12; trial++) {
      const [B, T, L, I, O] = [int(1, 6), int(1, 25), int(1, 3), int(1, 3), int(1, 2)];
      const H = trial % 3 === 0 ? int(16, 24) : int(1, 8);
      if (H >= 16 && T * B >= 16) wide++; // the WebAssembly products' shapes
      const model = make({ hiddenSize: H, layers: L, inputSize: I, outputSize: O, seed: trial });
      for (const p of Object.values(model.params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= 2;
      const x = draw.uniform({ low: -1, high: 1, size: [B, T, I] });
      const y = ndarray(
        [B, T, O],
        draw.rand([B, T, O]).data.map((v) => (v >= 0.5 ? 1 : 0)),
      );
      const state = Object.fromEntries(
        Object.entries(model.initialState(B)).map(([k, v]) => [
          k,
          draw.uniform({ low: -0.5, high: 0.5, size: v.shape }),
        ]),
      );
      const fused = model.lossAndGradients({ x, y, state });
      const fwd = model.forward(x, state);
      const dState = fwd.backward(bceWithLogits(fwd.logits, y).dLogits).initialStateGrads;
      const ref = reference(model.params, { x, y, state });
      const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
        assert.equal(a.length, b.length, what);
        for (let i = 0; i < a.length; i++) {
          assert.ok(
            Object.is(a[i], b[i]),
            `${what}[${i}]: fused ${a[i]} vs reference ${b[i]} (B ${B}, T ${T}, H ${H}, layers ${L}, in ${I}, out ${O})`,
          );
        }
        compared += a.length;
      };
      same([fused.loss], [ref.loss], "loss");
      same(fused.logits.data, ref.logits.data, "logits");
      assert.deepEqual(Object.keys(ref.grads).sort(), Object.keys(model.params).sort());
      for (const k of Object.keys(model.params)) same(fused.grads[k].data, ref.grads[k].data, `∂L/∂${k}`);
      for (const k of Object.keys(state)) {
        same(fused.finalState[k].data, ref.finalState[k].data, `final state ${k}`);
        same(dState[k].data, ref.initialStateGrads[k].data, `∂L/∂(incoming ${k})`);
      }
    }
    assert.ok(compared > 5000 && wide > 0, `${compared} numbers compared, ${wide} trials wide enough for WebAssembly`);
  });

  for (const layers of [1, 2]) {
    test(`${kind}, ${layers} layer(s): fused gradients equal finite differences and autodiff of the op-by-op path`, async () => {
      await initBackend({ prefer: "cpu", log: false });
      const [B, T, H] = [3, 7, 5];
      const model = make({ hiddenSize: H, layers, inputSize: 2, seed: 11 + layers });
      // Larger weights than the default init, so the recurrent paths carry a real signal.
      for (const p of Object.values(model.params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= 2;
      const x = rng.uniform({ low: -1, high: 1, size: [B, T, 2] });
      const y = bits([B, T, 1]);
      const state = randomState(model, B);
      const report = await gradCheck(model, { x, y, state }, { eps: 1e-6 });
      // float64 central differences: truncation ~eps²·f‴ plus rounding ~1e-16/eps, both far below 1e-6.
      // TensorFlow.js runs in float32: agreement to rounding, 1e-7…6e-7 relative for the weight matrices,
      // up to 1.2e-5 for the read-out bias, whose gradient Σ(σ(z) − y)/N is a sum of cancelling terms.
      // A wrong gradient is off by O(1); 1e-4 keeps a margin over rounding.
      assert.doesNotThrow(
        () => assertGradCheck(report, { fd: 1e-6, autodiff: 1e-4, what: kind }),
        formatGradCheck(report),
      );
      // The op-by-op forward gives the same logits, to float32 rounding.
      const fused = model.forward(x, state).logits.data;
      const ref = tf.tidy(() => model.tfLogits(tf, tensorsOf(model.params), x, state).dataSync());
      for (let i = 0; i < fused.length; i++)
        assert.ok(
          Math.abs(fused[i] - ref[i]) < 1e-5 * (1 + Math.abs(fused[i])),
          `logit ${i}: ${fused[i]} vs ${ref[i]}`,
        );
    });
  }

  test(`${kind}: gradient w.r.t. the incoming state (what truncation drops) and the input equal finite differences`, async () => {
    const [B, T, H] = [2, 6, 4];
    const model = make({ hiddenSize: H, layers: 2, seed: 5 });
    for (const p of Object.values(model.params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= 2;
    const x = rng.uniform({ low: -1, high: 1, size: [B, T, 1] });
    const y = bits([B, T, 1]);
    const state = randomState(model, B);
    // The chunk's loss as a function of its incoming state and its input, as a model whose
    // "parameters" are those (so gradCheck perturbs them); its gradients are the backward's.
    const point: ParamSet = { ...state, x };
    const ofStateAndInput: Model<null> = {
      name: `${kind}: ∂L/∂(state, x)`,
      params: point,
      lossAndGradients(_, p = point) {
        const fwd = model.forward(p.x, Object.fromEntries(Object.keys(state).map((k) => [k, p[k]])));
        const { loss, dLogits } = bceWithLogits(fwd.logits, y);
        const back = fwd.backward(dLogits, { inputGrads: true });
        return { loss, grads: { ...back.initialStateGrads, x: back.inputGrads as NdArray } };
      },
    };
    const report = await gradCheck(ofStateAndInput, null, { eps: 1e-6 });
    assert.ok(report.maxFdRelError < 1e-6, formatGradCheck(report));
  });

  test(`${kind}: hiddenGradNorms[t] is ‖∂L/∂h_t‖ over the layers, equal to autodiff with respect to nudges added to h_t`, async () => {
    await initBackend({ prefer: "cpu", log: false });
    const [B, T, H, L] = [2, 8, 3, 2];
    const model = make({ hiddenSize: H, layers: L, seed: 9 });
    for (const p of Object.values(model.params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= 2;
    const x = rng.uniform({ low: -1, high: 1, size: [B, T, 1] });
    const y = bits([B, T, 1]);
    const state = randomState(model, B);
    // Loss on the last step only, as gradientReach uses it: ℓ_T = mean_b BCE(z_bT, y_bT).
    const fwd = model.forward(x, state);
    const dLogits = ndarray([B, T, 1]);
    const lastLogits = ndarray([B, 1, 1]),
      lastTargets = ndarray([B, 1, 1]);
    for (let b = 0; b < B; b++) {
      lastLogits.data[b] = fwd.logits.data[b * T + T - 1];
      lastTargets.data[b] = y.data[b * T + T - 1];
    }
    const dLast = bceWithLogits(lastLogits, lastTargets).dLogits;
    for (let b = 0; b < B; b++) dLogits.data[b * T + T - 1] = dLast.data[b];
    const fused = fwd.backward(dLogits).hiddenGradNorms;
    const params = tensorsOf(model.params);
    const nudges = Array.from({ length: L }, () => tf.zeros([T, B, H]));
    const grads = tf.grads((...n: tf.Tensor[]) =>
      tf.tidy(() => {
        const z = model.tfLogits(tf, params, x, state, n); // (B, T, 1)
        const zLast = tf.slice(z, [0, T - 1, 0], [B, 1, 1]);
        return tfBceWithLogits(tf, zLast, tf.tensor(Float32Array.from(lastTargets.data), [B, 1, 1]));
      }),
    )(nudges);
    const g = grads.map((t) => t.arraySync() as number[][][]);
    for (let t = 0; t < T; t++) {
      let sq = 0;
      for (const layer of g) for (const row of layer[t]) for (const v of row) sq += v * v;
      const ref = Math.sqrt(sq);
      // float32 autodiff against float64: agreement to ~1e-6 relative; 1e-4 leaves margin.
      assert.ok(
        Math.abs(ref - fused[t]) <= 1e-4 * fused[T - 1] + 1e-4 * ref,
        `step ${t + 1}: autodiff ${ref} vs fused ${fused[t]}`,
      );
    }
    assert.ok(fused[T - 1] > 0 && fused[0] > 0);
    tf.dispose([...Object.values(params), ...nudges, ...grads]);
  });
}
