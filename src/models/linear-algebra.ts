/**
 * Small dense float64 linear algebra on NdArray matrices: the row, column and outer products the
 * SSNN's forward pass and BPTT are written with, the matrix product, and the determinant.
 * Lab 000 needs the determinant of the SSNN's observability matrix once per training batch
 * (10×10), where a float64 LU in plain loops costs microseconds and stays bit-for-bit
 * reproducible, while a TensorFlow.js call would cost more in overhead and run in float32
 * (too coarse: det(O) of a trained net is often ~1e-10). Used by src/models/ssnn.ts.
 * Introduced in lab 000.
 */
import { type NdArray, assertRank, ndarray } from "../ndarray";

function assertSquare(M: NdArray, name: string): number {
  assertRank(M, 2, name);
  const [r, c] = M.shape;
  if (r !== c) throw new RangeError(`${name} must be square, got shape [${r}, ${c}]`);
  return r;
}

/*
 * The three products the SSNN's forward pass and BPTT are written with (src/models/ssnn.ts). Vectors
 * are passed as (array, offset), where the vector starts in a flat array, so that the loops over
 * time allocate nothing per step. Each adds to `out` in place: a sum of two products is two calls.
 */

/** out[outAt + r] += Σ_c M[r, c]·v[vAt + c], i.e. out += M·v, for M [rows, cols] (each row summed in order of c). */
export function addProduct(out: Float64Array, outAt: number, M: NdArray, v: ArrayLike<number>, vAt: number): void {
  const rows = M.shape[0],
    cols = M.shape[1],
    m = M.data;
  // Two rows at a time: two independent running sums, so the CPU overlaps their additions (each
  // sum's order is unchanged; issue 14).
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    let s0 = out[outAt + r],
      s1 = out[outAt + r + 1];
    for (let c = 0; c < cols; c++) {
      const vc = v[vAt + c];
      s0 += m[r * cols + c] * vc;
      s1 += m[(r + 1) * cols + c] * vc;
    }
    out[outAt + r] = s0;
    out[outAt + r + 1] = s1;
  }
  for (; r < rows; r++) {
    let s = out[outAt + r];
    for (let c = 0; c < cols; c++) s += m[r * cols + c] * v[vAt + c];
    out[outAt + r] = s;
  }
}

/**
 * out[outAt + c] += Σ_r M[r, c]·v[vAt + r], i.e. out += Mᵀ·v, for M [rows, cols] (each out[c]
 * summed in order of r). Walks M down its columns with the sum in a local: the same additions in
 * the same order as updating out[c] row by row, without a load and a store of out[c] per term
 * (issue 14: with addProduct's pairs, lab 000's harmonics run went 8.9 → 7.2 s).
 */
export function addTransposedProduct(
  out: Float64Array,
  outAt: number,
  M: NdArray,
  v: ArrayLike<number>,
  vAt: number,
): void {
  const rows = M.shape[0],
    cols = M.shape[1],
    m = M.data;
  let c = 0;
  for (; c + 1 < cols; c += 2) {
    // two columns at a time, as addProduct's rows
    let s0 = out[outAt + c],
      s1 = out[outAt + c + 1];
    for (let r = 0; r < rows; r++) {
      const vr = v[vAt + r];
      s0 += m[r * cols + c] * vr;
      s1 += m[r * cols + c + 1] * vr;
    }
    out[outAt + c] = s0;
    out[outAt + c + 1] = s1;
  }
  for (; c < cols; c++) {
    let s = out[outAt + c];
    for (let r = 0; r < rows; r++) s += m[r * cols + c] * v[vAt + r];
    out[outAt + c] = s;
  }
}

/** G[r, c] += a[aAt + r]·b[bAt + c], i.e. G += a·bᵀ, for G [rows, cols]. */
export function addOuterProduct(
  G: NdArray,
  a: ArrayLike<number>,
  aAt: number,
  b: ArrayLike<number>,
  bAt: number,
): void {
  const rows = G.shape[0],
    cols = G.shape[1],
    g = G.data;
  for (let r = 0; r < rows; r++) {
    const ar = a[aAt + r];
    for (let c = 0; c < cols; c++) g[r * cols + c] += ar * b[bAt + c];
  }
}

/** The product P·Q of [n, k] and [k, m] matrices, [n, m]. */
export function matmul(P: NdArray, Q: NdArray): NdArray {
  assertRank(P, 2, "matmul: left factor");
  assertRank(Q, 2, "matmul: right factor");
  const [n, k] = P.shape;
  const [k2, m] = Q.shape;
  if (k !== k2) throw new RangeError(`matmul: [${n}, ${k}] · [${k2}, ${m}] do not chain; the inner sizes must agree`);
  const out = ndarray([n, m]); // (n, m)
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const p = P.data[i * k + l];
      if (p === 0) continue;
      for (let j = 0; j < m; j++) out.data[i * m + j] += p * Q.data[l * m + j];
    }
  }
  return out;
}

/** The n×n identity. */
export function identity(n: number): NdArray {
  const I = ndarray([n, n]);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

export interface LuDecomposition {
  /** L (unit lower, below the diagonal) and U (on and above it) packed in one [n, n] matrix. */
  lu: NdArray;
  /** Row i of P·M is row perm[i] of M. */
  perm: Int32Array;
  /** +1 or −1: the sign of the permutation. */
  sign: number;
  /** True when a pivot column was exactly zero (M is singular; U has a 0 on its diagonal). */
  singular: boolean;
}

/**
 * LU decomposition with partial pivoting, P·M = L·U (Doolittle, row operations in place).
 * Partial pivoting keeps the multipliers |l_ij| ≤ 1, which is what makes it stable enough for
 * determinants of ill-conditioned matrices such as observability matrices.
 */
export function luDecompose(M: NdArray): LuDecomposition {
  const n = assertSquare(M, "luDecompose: matrix");
  const a = Float64Array.from(M.data);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0) {
      singular = true;
      continue;
    } // nothing to eliminate in this column
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const pivot = a[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const l = (a[i * n + k] /= pivot);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= l * a[k * n + j];
    }
  }
  return { lu: ndarray([n, n], a), perm, sign, singular };
}

/** det(M) of a square matrix: the signed product of U's diagonal. Exactly 0 when a pivot column vanishes. */
export function determinant(M: NdArray): number {
  const { lu, sign, singular } = luDecompose(M);
  if (singular) return 0;
  const n = lu.shape[0];
  let det = sign;
  for (let i = 0; i < n; i++) det *= lu.data[i * n + i];
  return det;
}
