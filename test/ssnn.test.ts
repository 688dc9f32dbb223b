// Lab 000's state-space net: its initialisation (and a second net continuing the generator), the
// forward pass against a direct evaluation of its equations, the hand-derived BPTT against finite
// differences and TensorFlow.js autodiff through the model contract (gradCheck(model, batch)), the
// observability matrix on systems built by hand (an unobservable one has det 0), the roll-out, the
// shape errors, and that the model file loads no TensorFlow.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  type SsnnParams,
  observabilityDeterminant,
  observabilityMatrix,
  ssnn,
  ssnnBptt,
  ssnnForward,
  ssnnLastOutputLoss,
  ssnnRollOut,
} from "../src/models/ssnn";
import { determinant, matmul } from "../src/models/linear-algebra";
import { assertGradCheck, formatGradCheck, gradCheck } from "../src/bptt/grad-check";
import { initBackend } from "../src/backend";
import { type NdArray, fromRows, ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected} (tol. ${tol})`,
  );
}

/** Column vector [n, 1] from values. */
const col = (values: ArrayLike<number>) => ndarray([values.length, 1], values);
const add = (P: NdArray, Q: NdArray) =>
  ndarray(
    P.shape,
    P.data.map((v, i) => v + Q.data[i]),
  );
const copyParams = (p: SsnnParams): SsnnParams => ({
  A: ndarray(p.A.shape, p.A.data),
  B: ndarray(p.B.shape, p.B.data),
  C: ndarray(p.C.shape, p.C.data),
  D: ndarray(p.D.shape, p.D.data),
});

test("initialisation: NumpyRandom(seed) uniform in ±1/√x_len, A then B, C, D; rng continues a generator", () => {
  const net = ssnn({ uLen: 1, xLen: 10, yLen: 1, seed: 0 });
  const p = net.params;
  assert.deepEqual(
    [p.A.shape, p.B.shape, p.C.shape, p.D.shape],
    [
      [10, 10],
      [10, 1],
      [1, 10],
      [1, 1],
    ],
  );
  assert.deepEqual(net.sizes, { uLen: 1, xLen: 10, yLen: 1 });
  assert.equal(net.name, "SSNN");
  const k = 1 / Math.sqrt(10);
  // np.random.seed(0); np.random.rand() = 0.5488135039273248 → −k + 2k·0.5488…
  close(p.A.data[0], -k + 2 * k * 0.5488135039273248, 1e-15, "A[0, 0]");
  for (const M of [p.A, p.B, p.C, p.D]) for (const v of M.data) assert.ok(Math.abs(v) < k);
  assert.deepEqual(ssnn({ seed: 0 }).params, p, "the same seed draws the same net");
  assert.notDeepEqual(ssnn({ seed: 1 }).params.A, p.A);
  // Two nets from one generator: the second takes the next 121 draws, as torch's global generator
  // gives a second SSNN(...) of the original its own weights.
  const rng = new NumpyRandom(0);
  const first = ssnn({ rng }),
    second = ssnn({ rng });
  const draws = new NumpyRandom(0).uniform({ low: -k, high: k, size: [242] }).data;
  const flat = (q: SsnnParams) => [...q.A.data, ...q.B.data, ...q.C.data, ...q.D.data];
  assert.deepEqual(flat(first.params), [...draws.subarray(0, 121)]);
  assert.deepEqual(flat(second.params), [...draws.subarray(121)]);
  assert.throws(
    () => ssnn({ xlen: 10 } as never),
    /^Error: ssnn: unknown option xlen; options are uLen, xLen, yLen, seed, rng, name$/,
  );
  assert.throws(
    () => ssnn({ seed: 0, rng }),
    /^TypeError: ssnn: pass seed \(a fresh generator\) or rng \(continue one\), not both$/,
  );
  assert.throws(() => ssnn({ xLen: 0 }), /^RangeError: ssnn: xLen must be a positive integer, got 0$/);
});

test("forward equals a direct evaluation of x_k = A·x_{k−1} + B·u_k, y_k = C·x_k + D·u_k", () => {
  const rng = new NumpyRandom(11);
  const p = ssnn({ uLen: 2, xLen: 4, yLen: 3, seed: 5 }).params;
  const [batch, time] = [3, 6];
  const u = rng.uniform({ low: -2, high: 2, size: [batch, time, 2] });
  const x0 = rng.uniform({ low: -1, high: 1, size: [batch, 4] });
  const { states, outputs } = ssnnForward(p, u, x0);
  assert.deepEqual(states.shape, [batch, time + 1, 4]);
  assert.deepEqual(outputs.shape, [batch, time, 3]);
  for (let i = 0; i < batch; i++) {
    let x = col(x0.data.subarray(i * 4, i * 4 + 4));
    for (let k = 1; k <= time; k++) {
      const uk = col(u.data.subarray((i * time + k - 1) * 2, (i * time + k) * 2));
      x = add(matmul(p.A, x), matmul(p.B, uk));
      const y = add(matmul(p.C, x), matmul(p.D, uk));
      for (let r = 0; r < 4; r++)
        close(states.data[(i * (time + 1) + k) * 4 + r], x.data[r], 1e-14, `x_${k}[${r}] of sequence ${i}`);
      for (let r = 0; r < 3; r++)
        close(outputs.data[(i * time + k - 1) * 3 + r], y.data[r], 1e-14, `y_${k}[${r}] of sequence ${i}`);
    }
  }
  // Without x0 the state starts at zero: y_1 = (C·B + D)·u_1.
  const y1 = ssnnForward(p, u).outputs.data.subarray(0, 3);
  const direct = add(matmul(matmul(p.C, p.B), col(u.data.subarray(0, 2))), matmul(p.D, col(u.data.subarray(0, 2))));
  for (let r = 0; r < 3; r++) close(y1[r], direct.data[r], 1e-14, `y_1[${r}] from x_0 = 0`);
});

test("a scalar system by hand: A = 0.5, B = 1, C = 2, D = 0.25", () => {
  const p: SsnnParams = { A: fromRows([[0.5]]), B: fromRows([[1]]), C: fromRows([[2]]), D: fromRows([[0.25]]) };
  const u = ndarray([1, 3, 1], [1, 0, 4]);
  // x = 1, 0.5, 4.25 → y = 2 + 0.25, 1, 8.5 + 1
  assert.deepEqual([...ssnnForward(p, u).outputs.data], [2.25, 1, 9.5]);
  const { loss, yLast, grads } = ssnnLastOutputLoss(p, { x: u, y: fromRows([[10]]) });
  assert.equal(yLast.data[0], 9.5);
  assert.equal(loss, 0.25);
  // g_3 = 2·(9.5 − 10) = −1: ∂L/∂C = g·x_3 = −4.25, ∂L/∂D = g·u_3 = −4; δ_3 = C·g = −2, δ_2 = A·δ_3 = −1, δ_1 = −0.5;
  // ∂L/∂A = Σ δ_k·x_{k−1} = −2·0.5 − 1·1 − 0.5·0 = −2; ∂L/∂B = Σ δ_k·u_k = −2·4 − 1·0 − 0.5·1 = −8.5.
  assert.deepEqual([grads.A.data[0], grads.B.data[0], grads.C.data[0], grads.D.data[0]], [-2, -8.5, -4.25, -4]);
});

test("the model's BPTT (gradCheck(model, batch)) matches finite differences and TensorFlow.js autodiff", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const rng = new NumpyRandom(7);
  const configs = [
    { uLen: 1, xLen: 10, yLen: 1, batch: 5, time: 20 }, // the lab's net
    { uLen: 3, xLen: 4, yLen: 2, batch: 4, time: 7 }, // every dimension different, so transposes show
  ];
  for (const [trial, cfg] of configs.entries()) {
    const model = ssnn({ uLen: cfg.uLen, xLen: cfg.xLen, yLen: cfg.yLen, seed: 20 + trial });
    const batch = {
      x: rng.uniform({ low: -5, high: 5, size: [cfg.batch, cfg.time, cfg.uLen] }),
      y: rng.uniform({ low: -5, high: 5, size: [cfg.batch, cfg.yLen] }),
    };
    const report = await gradCheck(model, batch, { eps: 1e-6 });
    // float64 central differences: truncation ~eps²·f''' and rounding ~1e-16·L/eps, both ≪ 1e-7 here;
    // autodiff runs in float32 over 20 steps: ~1e-6 relative, so 1e-4 leaves room and still catches a wrong term.
    assertGradCheck(report, { fd: 1e-7, autodiff: 1e-4, what: `config ${trial}\n${formatGradCheck(report)}\n` });
    for (const e of report.entries)
      assert.ok(e.maxAbsGrad > 1e-6, `config ${trial}: gradient ${e.name} is zero, nothing was checked`);
  }
});

test("lossAndGradients(batch, params) uses the params it is given and keeps no reference to them", () => {
  const model = ssnn({ seed: 3 });
  const rng = new NumpyRandom(4);
  const batch = {
    x: rng.uniform({ low: -1, high: 1, size: [3, 5, 1] }),
    y: rng.uniform({ low: -1, high: 1, size: [3, 1] }),
  };
  const own = model.lossAndGradients(batch);
  const other = copyParams(model.params);
  other.A.data[0] += 0.5;
  const moved = model.lossAndGradients(batch, other);
  assert.notEqual(moved.loss, own.loss);
  assert.equal(moved.loss, ssnnLastOutputLoss(other, batch).loss);
  other.A.data.fill(0);
  assert.equal(model.lossAndGradients(batch).loss, own.loss, "the model's own parameters were left alone");
  assert.deepEqual(Object.keys(own.grads), ["A", "B", "C", "D"]);
});

test("BPTT for a loss on every output, and ∂L/∂x_0, against finite differences", () => {
  // L = Σ_k w_k·y_k with fixed weights w: ∂L/∂y_k = w_k at every step exercises the Cᵀ·g_k term at each k.
  const rng = new NumpyRandom(9);
  const p = ssnn({ uLen: 2, xLen: 3, yLen: 2, seed: 4 }).params;
  const u = rng.uniform({ low: -1, high: 1, size: [2, 5, 2] });
  const w = rng.uniform({ low: -1, high: 1, size: [2, 5, 2] });
  const x0 = rng.uniform({ low: -1, high: 1, size: [2, 3] });
  const L = (q: SsnnParams, s0: NdArray) =>
    ssnnForward(q, u, s0).outputs.data.reduce((s, y, i) => s + y * w.data[i], 0);
  const { grads, gradX0 } = ssnnBptt(p, u, ssnnForward(p, u, x0), w);
  const eps = 1e-6;
  for (const name of ["A", "B", "C", "D"] as const) {
    for (let i = 0; i < p[name].data.length; i++) {
      const q = copyParams(p);
      q[name].data[i] += eps;
      const plus = L(q, x0);
      q[name].data[i] -= 2 * eps;
      close(grads[name].data[i], (plus - L(q, x0)) / (2 * eps), 1e-8, `∂L/∂${name}[${i}]`);
    }
  }
  for (let i = 0; i < x0.data.length; i++) {
    const s = ndarray(x0.shape, x0.data);
    s.data[i] += eps;
    const plus = L(p, s);
    s.data[i] -= 2 * eps;
    close(gradX0.data[i], (plus - L(p, s)) / (2 * eps), 1e-8, `∂L/∂x0[${i}]`);
  }
});

test("observability matrix: rows C·A^k, det on known systems, 0 for an unobservable one", () => {
  const A = fromRows([
    [1, 1, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]); // a shift-like Jordan block
  const C = fromRows([[1, 0, 0]]);
  // C = e1ᵀ, C·A = [1 1 0], C·A² = [1 2 1]: unit lower triangular, det = 1.
  assert.deepEqual(
    observabilityMatrix(A, C),
    fromRows([
      [1, 0, 0],
      [1, 1, 0],
      [1, 2, 1],
    ]),
  );
  assert.equal(observabilityDeterminant({ A, C }), 1);

  // Diagonal A with distinct eigenvalues λ_i and C = all ones: O is the Vandermonde matrix Vᵀ, det = Π_{i<j}(λ_j − λ_i).
  const lambdas = [0.9, -0.5, 0.3, 0.7];
  const Ad = ndarray([4, 4]);
  lambdas.forEach((l, i) => (Ad.data[i * 4 + i] = l));
  let vandermonde = 1;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) vandermonde *= lambdas[j] - lambdas[i];
  close(
    observabilityDeterminant({ A: Ad, C: fromRows([[1, 1, 1, 1]]) }),
    vandermonde,
    1e-12,
    "det(O) of a diagonal system",
  );

  // Unobservable by construction: state 3 never reaches the output (C ignores it, A never feeds it into 1 or 2).
  const Au = fromRows([
    [0.5, 0.2, 0],
    [0.1, 0.3, 0],
    [0.4, 0.7, 0.9],
  ]);
  assert.equal(observabilityDeterminant({ A: Au, C: fromRows([[1, -1, 0]]) }), 0);
  // Unobservable the other way: repeated eigenvalue in a diagonal A, two states look identical from C.
  close(
    observabilityDeterminant({
      A: fromRows([
        [0.5, 0],
        [0, 0.5],
      ]),
      C: fromRows([[1, 1]]),
    }),
    0,
    1e-15,
    "repeated eigenvalue",
  );

  // A random lab-sized net: det(O) agrees with the determinant of O built by repeated products.
  const p = ssnn({ seed: 0 }).params;
  let block = p.C;
  const rows: number[][] = [];
  for (let k = 0; k < 10; k++) {
    rows.push([...block.data]);
    block = matmul(block, p.A);
  }
  assert.equal(observabilityDeterminant(p), determinant(fromRows(rows)));
  assert.ok(observabilityDeterminant(p) !== 0);

  // Several outputs: O stacks the blocks, [x_len·y_len, x_len], and det(O) is refused.
  const O2 = observabilityMatrix(
    A,
    fromRows([
      [1, 0, 0],
      [0, 0, 1],
    ]),
  );
  assert.deepEqual(O2.shape, [6, 3]);
  assert.deepEqual([...O2.data.subarray(6, 12)], [1, 1, 0, 0, 0, 1]); // C·A
  assert.throws(
    () =>
      observabilityDeterminant({
        A,
        C: fromRows([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      }),
    /O is square only for one output, but C is \[2, 3\] \(y_len = 2\)/,
  );
});

test("roll-out: seed kept, each next point is the net's last output over the latest window", () => {
  const p = ssnn({ seed: 3 }).params;
  const seed = [1, 2, 3, 4, 5];
  const out = ssnnRollOut(p, { seed, length: 9, window: 3 });
  assert.equal(out.length, 9);
  assert.deepEqual([...out.subarray(0, 5)], seed);
  for (let t = 5; t < 9; t++) {
    const y = ssnnForward(p, ndarray([1, 3, 1], out.subarray(t - 3, t))).outputs.data[2];
    assert.equal(out[t], y, `point ${t}`);
  }
  // A perfect predictor of a geometric sequence x_{t+1} = 0.5·x_t (A = 0, B = 1, C = 0.5, D = 0, i.e. y = 0.5·u).
  const half: SsnnParams = { A: fromRows([[0]]), B: fromRows([[1]]), C: fromRows([[0.5]]), D: fromRows([[0]]) };
  assert.deepEqual([...ssnnRollOut(half, { seed: [8], length: 4 })], [8, 4, 2, 1]);
  assert.throws(() => ssnnRollOut(p, { seed, length: 3 }), /length must be an integer ≥ the seed's 5 points, got 3/);
  assert.throws(
    () => ssnnRollOut(ssnn({ yLen: 2 }).params, { seed, length: 9 }),
    /needs u_len = y_len = 1; this net has u_len = 1, y_len = 2/,
  );
});

test("wrong shapes are refused naming both widths", () => {
  const p = ssnn({ uLen: 1, xLen: 10, yLen: 1 }).params;
  assert.throws(
    () => ssnnForward(p, ndarray([2, 5, 3])),
    /^RangeError: SSNN input u has 3 features per step but the net takes u_len = 1 \(B is \[x_len, 1\]\); pass u as \[batch, time, 1\]$/,
  );
  assert.throws(
    () => ssnnForward(p, ndarray([2, 5])),
    /^RangeError: SSNN input u must be \[batch, time, u_len=1\], got shape \[2, 5\]$/,
  );
  assert.throws(
    () => ssnnLastOutputLoss(p, { x: ndarray([4, 5, 1]), y: ndarray([3, 1]) }),
    /SSNN targets has shape \[3, 1\], expected \[batch=4, y_len=1\]/,
  );
  assert.throws(
    () => ssnnForward({ ...p, B: ndarray([9, 1]) }, ndarray([2, 5, 1])),
    /SSNN parameter B has shape \[9, 1\], expected \[x_len=10, u_len=1\]/,
  );
  assert.throws(
    () => ssnnForward({ A: p.A, B: p.B, D: p.D }, ndarray([2, 5, 1])),
    /^Error: SSNN parameters have no C; pass \{A, B, C, D\} as ssnn\(\).params holds them \(got A, B, D\)$/,
  );
});

test("the model file loads no TensorFlow.js (tfLoss is handed it), so workers and training never pay for it", () => {
  const script = `require(${JSON.stringify(path.join(__dirname, "..", "src", "models", "ssnn-run.ts"))});
    const loaded = Object.keys(require.cache).filter((f) => f.includes("@tensorflow"));
    process.stdout.write(JSON.stringify(loaded));`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    encoding: "utf8",
    cwd: path.join(__dirname, ".."),
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), []);
});
