/**
 * tanh in JavaScript by the algorithm of the WebAssembly loop src/kernels/tanh-f64x2.wat, the
 * same operations in the same order, so that the two give the same bits (test/tanh.test.ts) and
 * lab 002's JavaScript and WebAssembly paths stay bit-identical. Used by src/models/vanilla-rnn.ts
 * (its "js" kernel) and by src/kernels/heap-kernels.ts (an odd element after the loop's pairs).
 * Introduced in lab 002.
 *
 *   a = min(|x|, 22)                     tanh(22) rounds to 1; also maps ±∞ to 22; NaN stays NaN
 *   u = −2a = k·ln2 + r,  |r| ≤ ln2/2     k by rounding to nearest (ties to even), r in two parts r + c
 *   eʳ − 1 by fdlibm's expm1 rational approximation (its Q1 … Q5, and its correction for c)
 *   E = expm1(u) = 2ᵏ·(eʳ − 1) + (2ᵏ − 1),   w = E / (E + 2) = −tanh(a),   tanh(x) = copysign(|w|, x)
 *
 * Within 3 ulp of Math.tanh (≤ 1 ulp for 93 % of arguments). Why not Math.tanh: see the .wat's header.
 */

const LN2_HI = 6.9314718036912381649e-1; // ln 2, high part: k·LN2_HI is exact for |k| < 2²⁰
const LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const INV_LN2 = 1.442695040888963387;
// fdlibm expm1's Q1 … Q5 (its rational approximation's coefficients)
const Q1 = -3.33333333333331316428e-2,
  Q2 = 1.58730158725481460165e-3,
  Q3 = -7.93650757867487942473e-5;
const Q4 = 4.00821782732936239552e-6,
  Q5 = -2.01099218183624371326e-7;
/** 1.5·2⁵²: v + ROUND − ROUND rounds v to the nearest integer (ties to even) for |v| < 2⁵¹. */
const ROUND = 6755399441055744;
/** 2ᵏ at POW2[k + 64], k = −64 … 0 (the loop builds 2ᵏ from its bits instead). */
const POW2 = Float64Array.from({ length: 65 }, (_, i) => 2 ** (i - 64));

/** tanh(x) by the algorithm above: bit for bit the WebAssembly loop's result. */
export function tanhJs(x: number): number {
  const a = Math.min(x < 0 ? -x : x, 22);
  if (a !== a) return x; // NaN
  const u = -2 * a;
  const k = u * INV_LN2 + ROUND - ROUND;
  const hi = u - k * LN2_HI,
    lo = k * LN2_LO;
  const r = hi - lo,
    c = hi - r - lo;
  const hfx = 0.5 * r,
    hxs = r * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - r * t));
  e = r * (e - c) - c - hxs;
  const s = POW2[k + 64];
  const E = s * (r - e) + (s - 1);
  const w = E / (E + 2);
  const aw = Math.abs(w); // +0 for either zero, as the loop's bit operations give
  return x < 0 || Object.is(x, -0) ? -aw : aw;
}
