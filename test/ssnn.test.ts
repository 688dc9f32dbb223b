// Lab 000's state-space net: forward against a direct evaluation of its equations, the hand-derived
// BPTT against finite differences and TensorFlow.js autodiff, the observability matrix on systems
// built by hand (an unobservable one has det 0), the roll-out, and the shape errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ssnn from "../src/models/ssnn";
import { determinant, matmul } from "../src/models/linear-algebra";
import { gradCheck, formatGradCheck } from "../src/bptt/grad-check";
import { initBackend } from "../src/backend";
import { type NdArray, fromRows, ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected} (tol. ${tol})`);
}

/** Column vector [n, 1] from values. */
const col = (values: ArrayLike<number>) => ndarray([values.length, 1], values);
const add = (P: NdArray, Q: NdArray) => ndarray(P.shape, P.data.map((v, i) => v + Q.data[i]));

test("initialisation: NumpyRandom(seed) uniform in ±1/√x_len, A then B, C, D", () => {
  const p = ssnn.initSsnn({ uLen: 1, xLen: 10, yLen: 1, seed: 0 });
  assert.deepEqual([p.A.shape, p.B.shape, p.C.shape, p.D.shape], [[10, 10], [10, 1], [1, 10], [1, 1]]);
  const k = 1 / Math.sqrt(10);
  // np.random.seed(0); np.random.rand() = 0.5488135039273248 → −k + 2k·0.5488…
  close(p.A.data[0], -k + 2 * k * 0.5488135039273248, 1e-15, "A[0, 0]");
  for (const M of [p.A, p.B, p.C, p.D]) for (const v of M.data) assert.ok(Math.abs(v) < k);
  assert.deepEqual(ssnn.initSsnn({ seed: 0 }), p, "the same seed draws the same net");
  assert.notDeepEqual(ssnn.initSsnn({ seed: 1 }).A, p.A);
  assert.throws(() => ssnn.initSsnn({ xlen: 10 } as never), /^Error: initSsnn: unknown option xlen; options are uLen, xLen, yLen, seed$/);
});

test("forward equals a direct evaluation of x_k = A·x_{k−1} + B·u_k, y_k = C·x_k + D·u_k", () => {
  const rng = new NumpyRandom(11);
  const p = ssnn.initSsnn({ uLen: 2, xLen: 4, yLen: 3, seed: 5 });
  const [batch, time] = [3, 6];
  const u = rng.uniform({ low: -2, high: 2, size: [batch, time, 2] });
  const x0 = rng.uniform({ low: -1, high: 1, size: [batch, 4] });
  const { states, outputs } = ssnn.forward(p, u, x0);
  assert.deepEqual(states.shape, [batch, time + 1, 4]);
  assert.deepEqual(outputs.shape, [batch, time, 3]);
  for (let i = 0; i < batch; i++) {
    let x = col(x0.data.subarray(i * 4, i * 4 + 4));
    for (let k = 1; k <= time; k++) {
      const uk = col(u.data.subarray((i * time + k - 1) * 2, (i * time + k) * 2));
      x = add(matmul(p.A, x), matmul(p.B, uk));
      const y = add(matmul(p.C, x), matmul(p.D, uk));
      for (let r = 0; r < 4; r++) close(states.data[(i * (time + 1) + k) * 4 + r], x.data[r], 1e-14, `x_${k}[${r}] of sequence ${i}`);
      for (let r = 0; r < 3; r++) close(outputs.data[(i * time + k - 1) * 3 + r], y.data[r], 1e-14, `y_${k}[${r}] of sequence ${i}`);
    }
  }
  // Without x0 the state starts at zero: y_1 = (C·B + D)·u_1.
  const y1 = ssnn.forward(p, u).outputs.data.subarray(0, 3);
  const direct = add(matmul(matmul(p.C, p.B), col(u.data.subarray(0, 2))), matmul(p.D, col(u.data.subarray(0, 2))));
  for (let r = 0; r < 3; r++) close(y1[r], direct.data[r], 1e-14, `y_1[${r}] from x_0 = 0`);
});

test("a scalar system by hand: A = 0.5, B = 1, C = 2, D = 0.25", () => {
  const p: ssnn.SsnnParams = { A: fromRows([[0.5]]), B: fromRows([[1]]), C: fromRows([[2]]), D: fromRows([[0.25]]) };
  const u = ndarray([1, 3, 1], [1, 0, 4]);
  // x = 1, 0.5, 4.25 → y = 2 + 0.25, 1, 8.5 + 1
  assert.deepEqual([...ssnn.forward(p, u).outputs.data], [2.25, 1, 9.5]);
  const { loss, yLast } = ssnn.lossAndGradients(p, u, fromRows([[10]]));
  assert.equal(yLast.data[0], 9.5);
  assert.equal(loss, 0.25);
});

test("BPTT gradients of the last-output MSE match finite differences and TensorFlow.js autodiff", async () => {
  await initBackend({ prefer: "cpu", log: false });
  const rng = new NumpyRandom(7);
  const configs = [
    { uLen: 1, xLen: 10, yLen: 1, batch: 5, time: 20 }, // the lab's net
    { uLen: 3, xLen: 4, yLen: 2, batch: 4, time: 7 }, // every dimension different, so transposes show
  ];
  for (const [trial, cfg] of configs.entries()) {
    const params = ssnn.initSsnn({ uLen: cfg.uLen, xLen: cfg.xLen, yLen: cfg.yLen, seed: 20 + trial });
    const u = rng.uniform({ low: -5, high: 5, size: [cfg.batch, cfg.time, cfg.uLen] });
    const t = rng.uniform({ low: -5, high: 5, size: [cfg.batch, cfg.yLen] });
    const report = await gradCheck({
      params,
      loss: (q) => ssnn.lossAndGradients(q, u, t).loss,
      gradients: (q) => ssnn.lossAndGradients(q, u, t).grads,
      tfLoss: (q) => ssnn.tfLoss(u, t, q),
      eps: 1e-6,
    });
    // float64 central differences: truncation ~eps²·f''' and rounding ~1e-16·L/eps, both ≪ 1e-7 here;
    // autodiff runs in float32 over 20 steps: ~1e-6 relative, so 1e-4 leaves room and still catches a wrong term.
    assert.ok(report.maxFdRelError < 1e-7, `config ${trial}: finite differences\n${formatGradCheck(report)}`);
    assert.ok(report.maxAutodiffRelError < 1e-4, `config ${trial}: autodiff\n${formatGradCheck(report)}`);
    for (const e of report.entries) assert.ok(e.maxAbsGrad > 1e-6, `config ${trial}: gradient ${e.name} is zero, nothing was checked`);
  }
});

test("backward for a loss on every output, and ∂L/∂x_0, against finite differences", () => {
  // L = Σ_k w_k·y_k with fixed weights w: ∂L/∂y_k = w_k at every step exercises the Cᵀ·g_k term at each k.
  const rng = new NumpyRandom(9);
  const p = ssnn.initSsnn({ uLen: 2, xLen: 3, yLen: 2, seed: 4 });
  const u = rng.uniform({ low: -1, high: 1, size: [2, 5, 2] });
  const w = rng.uniform({ low: -1, high: 1, size: [2, 5, 2] });
  const x0 = rng.uniform({ low: -1, high: 1, size: [2, 3] });
  const L = (q: ssnn.SsnnParams, s0: NdArray) => ssnn.forward(q, u, s0).outputs.data.reduce((s, y, i) => s + y * w.data[i], 0);
  const fwd = ssnn.forward(p, u, x0);
  const { grads, gradX0 } = ssnn.backward(p, u, fwd, w);
  const eps = 1e-6;
  for (const name of ["A", "B", "C", "D"] as const) {
    for (let i = 0; i < p[name].data.length; i++) {
      const q = ssnn.cloneParams(p);
      q[name].data[i] += eps;
      const plus = L(q, x0);
      q[name].data[i] -= 2 * eps;
      const fd = (plus - L(q, x0)) / (2 * eps);
      close(grads[name].data[i], fd, 1e-8, `∂L/∂${name}[${i}]`);
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
  const A = fromRows([[1, 1, 0], [0, 1, 1], [0, 0, 1]]); // a shift-like Jordan block
  const C = fromRows([[1, 0, 0]]);
  const O = ssnn.observabilityMatrix(A, C);
  // C = e1ᵀ, C·A = [1 1 0], C·A² = [1 2 1]: unit lower… det = 1.
  assert.deepEqual(O, fromRows([[1, 0, 0], [1, 1, 0], [1, 2, 1]]));
  assert.equal(ssnn.observabilityDeterminant({ A, C }), 1);

  // Diagonal A with distinct eigenvalues λ_i and C = all ones: O is the Vandermonde matrix Vᵀ, det = Π_{i<j}(λ_j − λ_i).
  const lambdas = [0.9, -0.5, 0.3, 0.7];
  const Ad = ndarray([4, 4]);
  lambdas.forEach((l, i) => (Ad.data[i * 4 + i] = l));
  let vandermonde = 1;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) vandermonde *= lambdas[j] - lambdas[i];
  close(ssnn.observabilityDeterminant({ A: Ad, C: fromRows([[1, 1, 1, 1]]) }), vandermonde, 1e-12, "det(O) of a diagonal system");

  // Unobservable by construction: state 3 never reaches the output (C ignores it, A never feeds it into 1 or 2).
  const Au = fromRows([[0.5, 0.2, 0], [0.1, 0.3, 0], [0.4, 0.7, 0.9]]);
  const Cu = fromRows([[1, -1, 0]]);
  assert.equal(ssnn.observabilityDeterminant({ A: Au, C: Cu }), 0);
  // Unobservable the other way: repeated eigenvalue in a diagonal A, two states look identical from C.
  close(ssnn.observabilityDeterminant({ A: fromRows([[0.5, 0], [0, 0.5]]), C: fromRows([[1, 1]]) }), 0, 1e-15, "repeated eigenvalue");

  // A random lab-sized net: det(O) agrees with the determinant of O built by repeated products.
  const p = ssnn.initSsnn({ seed: 0 });
  let block = p.C;
  const rows: number[][] = [];
  for (let k = 0; k < 10; k++) { rows.push([...block.data]); block = matmul(block, p.A); }
  assert.equal(ssnn.observabilityDeterminant(p), determinant(fromRows(rows)));
  assert.ok(ssnn.observabilityDeterminant(p) !== 0);

  // Several outputs: O stacks the blocks, [x_len·y_len, x_len], and det(O) is refused.
  const O2 = ssnn.observabilityMatrix(A, fromRows([[1, 0, 0], [0, 0, 1]]));
  assert.deepEqual(O2.shape, [6, 3]);
  assert.deepEqual([...O2.data.subarray(6, 12)], [1, 1, 0, 0, 0, 1]); // C·A
  assert.throws(() => ssnn.observabilityDeterminant({ A, C: fromRows([[1, 0, 0], [0, 0, 1]]) }), /O is square only for one output, but C is \[2, 3\] \(y_len = 2\)/);
});

test("roll-out: seed kept, each next point is the net's last output over the latest window", () => {
  const p = ssnn.initSsnn({ seed: 3 });
  const seed = [1, 2, 3, 4, 5];
  const out = ssnn.rollOut(p, { seed, length: 9, window: 3 });
  assert.equal(out.length, 9);
  assert.deepEqual([...out.subarray(0, 5)], seed);
  for (let t = 5; t < 9; t++) {
    const y = ssnn.forward(p, ndarray([1, 3, 1], out.subarray(t - 3, t))).outputs.data[2];
    assert.equal(out[t], y, `point ${t}`);
  }
  // A perfect predictor of a geometric sequence x_{t+1} = 0.5·x_t (A = 0, B = 1, C = 0.5, D = 0… i.e. y = 0.5·u).
  const half: ssnn.SsnnParams = { A: fromRows([[0]]), B: fromRows([[1]]), C: fromRows([[0.5]]), D: fromRows([[0]]) };
  assert.deepEqual([...ssnn.rollOut(half, { seed: [8], length: 4 })], [8, 4, 2, 1]);
  assert.throws(() => ssnn.rollOut(p, { seed, length: 3 }), /length must be an integer ≥ the seed's 5 points, got 3/);
});

test("wrong shapes are refused naming both widths", () => {
  const p = ssnn.initSsnn({ uLen: 1, xLen: 10, yLen: 1 });
  assert.throws(
    () => ssnn.forward(p, ndarray([2, 5, 3])),
    /^RangeError: SSNN input u has 3 features per step but the net takes u_len = 1 \(B is \[x_len, 1\]\); pass u as \[batch, time, 1\]$/,
  );
  assert.throws(() => ssnn.forward(p, ndarray([2, 5])), /^RangeError: SSNN input u must be \[batch, time, u_len=1\], got shape \[2, 5\]$/);
  assert.throws(() => ssnn.lossAndGradients(p, ndarray([4, 5, 1]), ndarray([3, 1])), /SSNN targets has shape \[3, 1\], expected \[batch=4, y_len=1\]/);
  assert.throws(() => ssnn.forward({ ...p, B: ndarray([9, 1]) }, ndarray([2, 5, 1])), /SSNN parameter B has shape \[9, 1\], expected \[x_len=10, u_len=1\]/);
  assert.throws(() => ssnn.forward({ A: p.A, B: p.B, D: p.D }, ndarray([2, 5, 1])), /^Error: SSNN parameters have no C; pass \{A, B, C, D\} as initSsnn returns them \(got A, B, D\)$/);
});
