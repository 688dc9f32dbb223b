// The float64 linear algebra behind lab 000: the in-place products the SSNN's forward pass and BPTT
// are written with (against matmul), and the LU determinant behind det(O): known determinants, row
// swaps, singular matrices (exactly 0), and det(P·Q) = det(P)·det(Q) on random matrices.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addOuterProduct,
  addProduct,
  addTransposedProduct,
  determinant,
  identity,
  luDecompose,
  matmul,
} from "../src/models/linear-algebra";
import { fromRows, ndarray } from "../src/ndarray";
import { NumpyRandom } from "../src/random";

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (rel. tol. ${rel})`,
  );
}

test("matmul multiplies [n, k]·[k, m] and refuses sizes that do not chain", () => {
  const P = fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const Q = fromRows([
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
  assert.deepEqual(
    matmul(P, Q),
    fromRows([
      [58, 64],
      [139, 154],
    ]),
  );
  assert.throws(
    () => matmul(P, P),
    /^RangeError: matmul: \[2, 3\] · \[2, 3\] do not chain; the inner sizes must agree$/,
  );
});

test("addProduct, addTransposedProduct, addOuterProduct add M·v, Mᵀ·v and a·bᵀ at the offsets given", () => {
  const M = fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]); // [2, 3]
  // out += M·v with v at offset 1 of [9, 1, 0, −1], into out at offset 2 holding 10, 20.
  const out = Float64Array.of(7, 7, 10, 20);
  addProduct(out, 2, M, [9, 1, 0, -1], 1);
  assert.deepEqual([...out], [7, 7, 10 + (1 - 3), 20 + (4 - 6)]);
  // out += Mᵀ·v with v = [2, −1] at offset 0, into out at offset 1.
  const outT = Float64Array.of(5, 1, 1, 1);
  addTransposedProduct(outT, 1, M, [2, -1], 0);
  assert.deepEqual([...outT], [5, 1 + (2 - 4), 1 + (4 - 5), 1 + (6 - 6)]);
  // G += a·bᵀ, a = [1, −2] at offset 1, b = [3, 0, 5] at offset 0.
  const G = fromRows([
    [1, 1, 1],
    [0, 0, 0],
  ]);
  addOuterProduct(G, [99, 1, -2], 1, [3, 0, 5], 0);
  assert.deepEqual(
    G,
    fromRows([
      [4, 1, 6],
      [-6, 0, -10],
    ]),
  );
  // On random sizes, against matmul (same sums in the same order: equal to the bit).
  const rng = new NumpyRandom(5);
  for (const [rows, cols] of [
    [1, 1],
    [3, 7],
    [10, 10],
    [10, 1],
  ]) {
    const P = rng.uniform({ low: -1, high: 1, size: [rows, cols] });
    const v = rng.uniform({ low: -1, high: 1, size: [cols, 1] });
    const w = rng.uniform({ low: -1, high: 1, size: [rows, 1] });
    const Pv = new Float64Array(rows);
    addProduct(Pv, 0, P, v.data, 0);
    assert.deepEqual([...Pv], [...matmul(P, v).data], `M·v, [${rows}, ${cols}]`);
    const Pt = ndarray([cols, rows]);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) Pt.data[c * rows + r] = P.data[r * cols + c];
    const Ptw = new Float64Array(cols);
    addTransposedProduct(Ptw, 0, P, w.data, 0);
    for (let c = 0; c < cols; c++)
      assert.ok(Math.abs(Ptw[c] - matmul(Pt, w).data[c]) < 1e-15, `Mᵀ·v, [${rows}, ${cols}], entry ${c}`);
  }
});

test("determinants of matrices with known values", () => {
  assert.equal(determinant(identity(7)), 1);
  assert.equal(determinant(fromRows([[3]])), 3);
  assert.equal(
    determinant(
      fromRows([
        [1, 2],
        [3, 4],
      ]),
    ),
    -2,
  );
  // Triangular: the product of the diagonal.
  assert.equal(
    determinant(
      fromRows([
        [2, 5, 7],
        [0, 3, 11],
        [0, 0, -4],
      ]),
    ),
    -24,
  );
  // Needs a row swap at the first pivot (a zero there): sign of the permutation counts.
  assert.equal(
    determinant(
      fromRows([
        [0, 1],
        [1, 0],
      ]),
    ),
    -1,
  );
  assert.equal(
    determinant(
      fromRows([
        [0, 0, 1],
        [0, 1, 0],
        [1, 0, 0],
      ]),
    ),
    -1,
  );
  assert.equal(
    determinant(
      fromRows([
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
      ]),
    ),
    1,
  );
  // A classic with a pivot that would be small without pivoting.
  close(
    determinant(
      fromRows([
        [1e-20, 1],
        [1, 1],
      ]),
    ),
    1e-20 - 1,
    1e-15,
    "det of [[1e-20, 1], [1, 1]]",
  );
  // Vandermonde: det = Π_{i<j} (x_j − x_i).
  const xs = [0.5, -1, 2, 3.5, 1.25];
  const V = fromRows(xs.map((x) => xs.map((_, j) => x ** j)));
  let expected = 1;
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) expected *= xs[j] - xs[i];
  close(determinant(V), expected, 1e-12, "Vandermonde");
});

test("singular matrices give exactly 0", () => {
  assert.equal(
    determinant(
      fromRows([
        [1, 2],
        [2, 4],
      ]),
    ),
    0,
  );
  assert.equal(
    determinant(
      fromRows([
        [1, 0, 3],
        [4, 0, 6],
        [7, 0, 9],
      ]),
    ),
    0,
  ); // a zero column
  assert.equal(determinant(ndarray([4, 4])), 0);
  assert.equal(
    luDecompose(
      fromRows([
        [1, 2],
        [2, 4],
      ]),
    ).singular,
    true,
  );
});

test("LU reproduces the matrix: P·M = L·U, and det(P·Q) = det(P)·det(Q) on random 10×10", () => {
  const rng = new NumpyRandom(3);
  for (let trial = 0; trial < 5; trial++) {
    const P = rng.uniform({ low: -1, high: 1, size: [10, 10] });
    const Q = rng.uniform({ low: -1, high: 1, size: [10, 10] });
    const { lu, perm } = luDecompose(P);
    const n = 10;
    const L = identity(n),
      U = ndarray([n, n]);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (j < i ? L : U).data[i * n + j] = lu.data[i * n + j];
    const LU = matmul(L, U);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++)
        assert.ok(Math.abs(LU.data[i * n + j] - P.data[perm[i] * n + j]) < 1e-14, `trial ${trial}: (L·U)[${i}, ${j}]`);
    }
    close(determinant(matmul(P, Q)), determinant(P) * determinant(Q), 1e-11, `trial ${trial}: det(P·Q)`);
  }
});

test("non-square input is refused with its shape", () => {
  assert.throws(
    () => determinant(ndarray([2, 3])),
    /^RangeError: luDecompose: matrix must be square, got shape \[2, 3\]$/,
  );
  assert.throws(() => determinant(ndarray([4])), /luDecompose: matrix must have rank 2, got shape \[4\]/);
});
