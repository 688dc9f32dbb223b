// The model contract (src/models/model.ts) as train, gradCheck and the progress sink use it, on a
// least-squares model whose gradient is known in closed form: loss = mean_i (w·x_i + b − y_i)².
import { test } from "node:test";
import assert from "node:assert/strict";
import { ndarray, type NdArray, type ParamSet } from "../src/ndarray";
import type { Model, Tf } from "../src/models/model";
import type * as tfCore from "@tensorflow/tfjs-core";
import { assertGradCheck, gradCheck } from "../src/bptt/grad-check";
import { train } from "../src/train";
import { Sgd } from "../src/optim/sgd";
import { type ProgressFactory, createProgressSink, setDefaultProgress, silentProgress } from "../src/progress-sink";
import { librarySource } from "../src/notebook/source";

interface Batch {
  x: NdArray;
  y: NdArray;
}

function line(w: number, b: number, wrong = 0): Model<Batch> {
  const own: ParamSet = { w: ndarray([], [w]), b: ndarray([], [b]) };
  return {
    name: "least squares",
    params: own,
    lossAndGradients({ x, y }: Batch, params: ParamSet = own) {
      const n = x.data.length,
        W = params.w.data[0],
        B = params.b.data[0];
      let loss = 0,
        gw = 0,
        gb = 0;
      for (let i = 0; i < n; i++) {
        const r = W * x.data[i] + B - y.data[i];
        loss += (r * r) / n;
        gw += (2 * r * x.data[i]) / n;
        gb += (2 * r) / n;
      }
      return { loss, grads: { w: ndarray([], [gw + wrong]), b: ndarray([], [gb]) } };
    },
    tfLoss(tf: Tf, { x, y }: Batch, p: Record<string, tfCore.Tensor>) {
      return tf.mean(
        tf.square(
          tf.sub(
            tf.add(tf.mul(tf.tensor1d(Float32Array.from(x.data)), p.w), p.b),
            tf.tensor1d(Float32Array.from(y.data)),
          ),
        ),
      ) as tfCore.Scalar;
    },
  };
}

const batch: Batch = { x: ndarray([4], [0, 1, 2, 3]), y: ndarray([4], [1, 3, 5, 7]) };

test("gradCheck takes a model and a batch: finite differences and autodiff agree with the hand-derived gradients", async () => {
  const report = await gradCheck(line(0.5, -0.25), batch);
  assert.deepEqual(
    report.entries.map((e) => e.name),
    ["w", "b"],
  );
  assert.ok(report.maxFdRelError < 1e-8, `fd ${report.maxFdRelError}`);
  assert.ok(report.maxAutodiffRelError < 1e-5, `autodiff ${report.maxAutodiffRelError}`);
  assert.equal(assertGradCheck(report), report);
});

test("assertGradCheck names the wrong parameter and the bound", async () => {
  const report = await gradCheck(line(0.5, -0.25, 1e-3), batch, { autodiff: false });
  assert.ok(Number.isNaN(report.maxAutodiffRelError));
  assert.throws(
    () => assertGradCheck(report, { what: "the line's gradients" }),
    /^Error: the line's gradients disagree with finite differences: "w" has relative error .* > 1e-6$/,
  );
  await assert.rejects(
    gradCheck(line(0, 0), batch, { eps: 1e-6, bogus: 1 } as never),
    /gradCheck: unknown option bogus/,
  );
});

test("train takes a model: its parameters, its loss and gradients, and phases that reset the optimiser and set lr", async () => {
  const byHand = line(0, 0);
  const opt = new Sgd({ lr: 0.05, momentum: 0.9 });
  for (const lr of [0.05, 0.01]) {
    opt.reset();
    opt.lr = lr;
    for (let e = 0; e < 3; e++) opt.step(byHand.params, byHand.lossAndGradients(batch).grads);
  }
  const model = line(0, 0);
  const result = await train({
    model,
    optimizer: new Sgd({ lr: 1, momentum: 0.9 }),
    phases: [
      { epochs: 3, lr: 0.05 },
      { epochs: 3, lr: 0.01 },
    ],
    batches: () => [batch],
  });
  assert.equal(result.history.length, 6);
  assert.deepEqual(
    [...model.params.w.data, ...model.params.b.data],
    [...byHand.params.w.data, ...byHand.params.b.data],
  );
  await assert.rejects(
    train({ model, optimizer: new Sgd({ lr: 1 }), epochs: 2, phases: [], batches: () => [batch] }),
    /pass epochs or phases, not both/,
  );
});

test("progress goes to the registered sink; a bare import of train draws nothing", async () => {
  const seen: string[] = [];
  const recording: ProgressFactory = ({ label, total }) => {
    seen.push(`${label}/${total}`);
    return {
      tick: (n = 1) => seen.push(`tick ${n}`),
      done: () => seen.push("done"),
      setTotal: (t) => seen.push(`total ${t}`),
    };
  };
  const previous = setDefaultProgress(recording);
  try {
    await train({ model: line(0, 0), optimizer: new Sgd({ lr: 0.01 }), epochs: 2, batches: () => [batch, batch] });
    assert.deepEqual(seen, ["least squares/2", "total 4", "tick 2", "tick 1", "tick 1", "done"]);
    assert.equal(createProgressSink(false, "x", 1), undefined);
  } finally {
    setDefaultProgress(previous);
  }
  assert.equal(previous, silentProgress);
});

test("librarySource finds a declaration of src/ by the function or by name, doc comment included", () => {
  const s = librarySource(assertGradCheck);
  assert.equal(s.file, "src/bptt/grad-check.ts");
  assert.match(s.code, /^\/\*\*[\s\S]*export function assertGradCheck\(/);
  assert.throws(() => librarySource("noSuchThing"), /no declaration named "noSuchThing"/);
});
