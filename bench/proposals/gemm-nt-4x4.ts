// A proposal for src/models/recurrent-stack.ts (lab 001's file, not bench's): gemmNT with 4×4
// register blocks instead of 2×2. Every output still sums its k products in order in one
// accumulator and is added to C once, so the results are bit-for-bit those of the current gemmNT
// (checked below on the lab's shapes), while each loaded value is used four times instead of two.
// Measured here (issue 7): 1.4–1.8× the current kernel on the lab's shapes; lab 001's echo-10 epoch
// 2.2 → 1.6 CPU-s (60 units) and 9.2 → 5.6 CPU-s per 400 chunks (6 × 60), same losses to the last bit.
// To adopt it, replace the body of gemmNT in recurrent-stack.ts with gemmNT4's (or take the hybrid of
// gemm-nt-wasm.ts, faster still). Run: npx tsx bench/proposals/gemm-nt-4x4.ts
import { gemmNT } from "../../src/models/recurrent-stack";

/** C[m, n] += A[m, k] · B[n, k]ᵀ with 4×4 register blocks; same per-element summation order as gemmNT. */
export function gemmNT4(
  m: number, n: number, k: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = B[b0 + p], y1 = B[b1 + p], y2 = B[b2 + p], y3 = B[b3 + p];
        let x = A[a0 + p];
        s00 += x * y0; s01 += x * y1; s02 += x * y2; s03 += x * y3;
        x = A[a1 + p];
        s10 += x * y0; s11 += x * y1; s12 += x * y2; s13 += x * y3;
        x = A[a2 + p];
        s20 += x * y0; s21 += x * y1; s22 += x * y2; s23 += x * y3;
        x = A[a3 + p];
        s30 += x * y0; s31 += x * y1; s32 += x * y2; s33 += x * y3;
      }
      C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
      C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
      C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
      C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[b0 + p];
        s0 += A[a0 + p] * y; s1 += A[a1 + p] * y; s2 += A[a2 + p] * y; s3 += A[a3 + p] * y;
      }
      C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3;
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * k, c0 = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = A[a0 + p];
        s0 += x * B[b0 + p]; s1 += x * B[b1 + p]; s2 += x * B[b2 + p]; s3 += x * B[b3 + p];
      }
      C[c0 + j] += s0; C[c0 + j + 1] += s1; C[c0 + j + 2] += s2; C[c0 + j + 3] += s3;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a0 + p] * B[b0 + p];
      C[c0 + j] += s;
    }
  }
}

if (require.main === module) {
  const rnd = (n: number) => Float64Array.from({ length: n }, () => Math.random() - 0.5);
  console.log("products C += A·Bᵀ, GFLOP per CPU-second; current 2×2 kernel vs the 4×4 proposal (bit-identical results checked)");
  // The lab's shapes: (5, 60, 60) the recurrent step of a 60-unit layer (batch 5), (100, 60, 60) and
  // (60, 60, 100) the input projection and weight gradients over a chunk of T·B = 100 rows, (5, 4, 4)
  // the 4-unit net; odd sizes exercise the edges.
  for (const [m, n, k] of [[5, 60, 60], [100, 60, 60], [60, 60, 100], [5, 4, 4], [100, 4, 1], [7, 9, 13]]) {
    const A = rnd(m * k), B = rnd(n * k);
    const C1 = rnd(m * n), C2 = C1.slice();
    gemmNT(m, n, k, A, 0, B, 0, C1, 0); gemmNT4(m, n, k, A, 0, B, 0, C2, 0);
    for (let i = 0; i < C1.length; i++) if (C1[i] !== C2[i]) throw new Error(`differs at ${i} for ${m},${n},${k}`);
    const reps = Math.max(1, Math.round(2e8 / (m * n * k)));
    for (const [name, f] of [["2x2", gemmNT], ["4x4", gemmNT4], ["2x2", gemmNT], ["4x4", gemmNT4]] as const) {
      const C = new Float64Array(m * n);
      const c0 = process.cpuUsage();
      for (let r = 0; r < reps; r++) f(m, n, k, A, 0, B, 0, C, 0);
      const c = process.cpuUsage(c0); const s = (c.user + c.system) / 1e6;
      console.log(`${m}x${n}x${k} ${name}: ${(2 * m * n * k * reps / s / 1e9).toFixed(2)} GFLOP per cpu-s`);
    }
  }
}
