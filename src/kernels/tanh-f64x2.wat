;; tanh-f64x2.wat: tanh over an array of float64, in place, two lanes at a time (WebAssembly SIMD).
;;
;; Why: lab 002 takes 63 million tanh per full-batch epoch, and Math.tanh is a call from
;; JIT-compiled code into V8's C++ (~30–40 ns each here, more than NumPy's np.tanh at ~20 ns);
;; this loop does one in ~3 ns, with no branch per element.
;;
;; The algorithm (the same operations, in the same order, as tanhJs in src/kernels/tanh.ts, so
;; the two give the same bits; within 3 ulp of Math.tanh, test/tanh.test.ts):
;;
;;   a = min(|x|, 22)                     tanh(22) rounds to 1; also maps ±∞ to 22; NaN stays NaN
;;   u = −2a = k·ln2 + r,  |r| ≤ ln2/2     k by rounding to nearest (ties to even), r in two parts r + c
;;   eʳ − 1 by fdlibm's expm1 rational approximation (its Q1 … Q5, and its correction for c)
;;   E = expm1(u) = 2ᵏ·(eʳ − 1) + (2ᵏ − 1)
;;   w = E / (E + 2) = −tanh(a)
;;   tanh(x) = copysign(|w|, x)
;;
;; Built by src/kernels/assemble-wat.mjs (wabt, at `npm run build`); loaded by
;; src/kernels/heap-kernels.ts, which does an odd last element with tanhJs. Introduced in lab 002.
(module
  (import "env" "memory" (memory 1))

  ;; x ← tanh(x) for the 2·pairs doubles from byte offset $p (8-byte aligned).
  (func (export "tanh") (param $p i32) (param $pairs i32)
    (local $end i32)
    ;; one value per step of the algorithm above, both lanes at once
    (local $x v128) (local $a v128) (local $u v128)
    (local $t v128)   ;; ROUND + k: k as an integer in the low bits of the double
    (local $k v128)
    (local $hi v128) (local $lo v128) ;; u − k·LN2_HI, k·LN2_LO: the two parts of k·ln 2
    (local $r v128) (local $c v128)   ;; r = hi − lo and what its rounding lost
    (local $hfx v128) (local $hxs v128) (local $r1 v128) (local $tt v128) (local $e v128)
    (local $s v128)   ;; 2ᵏ
    (local $w v128)
    ;; The constants, each in both lanes. They live in locals set once before the loop: a
    ;; v128.const inside the loop costs a load from the code per use.
    (local $max v128) (local $minusTwo v128) (local $invLn2 v128) (local $round v128)
    (local $ln2Hi v128) (local $ln2Lo v128) (local $half v128) (local $one v128)
    (local $q1 v128) (local $q2 v128) (local $q3 v128) (local $q4 v128) (local $q5 v128)
    (local $three v128) (local $six v128) (local $two v128)
    (local $exponentBias v128) (local $signBit v128)

    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $pairs) (i32.const 4))))

    (local.set $max (v128.const f64x2 22 22))
    (local.set $minusTwo (v128.const f64x2 -2 -2))
    (local.set $invLn2 (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00))
    ;; 1.5·2⁵²: v + ROUND − ROUND rounds v to the nearest integer (ties to even) for |v| < 2⁵¹,
    ;; and the bits of v + ROUND minus the bits of ROUND are that integer, as an i64.
    (local.set $round (v128.const f64x2 6755399441055744 6755399441055744))
    ;; ln 2 in two parts: k·LN2_HI is exact for |k| < 2²⁰; LN2_LO = ln 2 − LN2_HI
    (local.set $ln2Hi (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))
    (local.set $ln2Lo (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $one (v128.const f64x2 1 1))
    ;; fdlibm expm1's Q1 … Q5
    (local.set $q1 (v128.const f64x2 -3.33333333333331316428e-02 -3.33333333333331316428e-02))
    (local.set $q2 (v128.const f64x2 1.58730158725481460165e-03 1.58730158725481460165e-03))
    (local.set $q3 (v128.const f64x2 -7.93650757867487942473e-05 -7.93650757867487942473e-05))
    (local.set $q4 (v128.const f64x2 4.00821782732936239552e-06 4.00821782732936239552e-06))
    (local.set $q5 (v128.const f64x2 -2.01099218183624371326e-07 -2.01099218183624371326e-07))
    (local.set $three (v128.const f64x2 3 3))
    (local.set $six (v128.const f64x2 6 6))
    (local.set $two (v128.const f64x2 2 2))
    (local.set $exponentBias (v128.const i64x2 1023 1023))
    (local.set $signBit (v128.const i64x2 0x8000000000000000 0x8000000000000000))

    (block $done
      (loop $pairsLeft
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load align=8 (local.get $p)))
        ;; a = min(|x|, 22)
        (local.set $a (f64x2.min (f64x2.abs (local.get $x)) (local.get $max)))
        ;; u = −2a;  k = round(u / ln 2)
        (local.set $u (f64x2.mul (local.get $minusTwo) (local.get $a)))
        (local.set $t (f64x2.add (f64x2.mul (local.get $u) (local.get $invLn2)) (local.get $round)))
        (local.set $k (f64x2.sub (local.get $t) (local.get $round)))
        ;; r + c = u − k·ln 2
        (local.set $hi (f64x2.sub (local.get $u) (f64x2.mul (local.get $k) (local.get $ln2Hi))))
        (local.set $lo (f64x2.mul (local.get $k) (local.get $ln2Lo)))
        (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
        (local.set $c (f64x2.sub (f64x2.sub (local.get $hi) (local.get $r)) (local.get $lo)))
        ;; fdlibm expm1: hfx = r/2, hxs = r·hfx, r1 = 1 + hxs·(Q1 + hxs·(Q2 + … + hxs·Q5))
        (local.set $hfx (f64x2.mul (local.get $half) (local.get $r)))
        (local.set $hxs (f64x2.mul (local.get $r) (local.get $hfx)))
        (local.set $r1
          (f64x2.add (local.get $one)
            (f64x2.mul (local.get $hxs)
              (f64x2.add (local.get $q1)
                (f64x2.mul (local.get $hxs)
                  (f64x2.add (local.get $q2)
                    (f64x2.mul (local.get $hxs)
                      (f64x2.add (local.get $q3)
                        (f64x2.mul (local.get $hxs)
                          (f64x2.add (local.get $q4)
                            (f64x2.mul (local.get $hxs) (local.get $q5))))))))))))
        ;; tt = 3 − r1·hfx;  e = hxs·((r1 − tt) / (6 − r·tt))
        (local.set $tt (f64x2.sub (local.get $three) (f64x2.mul (local.get $r1) (local.get $hfx))))
        (local.set $e
          (f64x2.mul (local.get $hxs)
            (f64x2.div
              (f64x2.sub (local.get $r1) (local.get $tt))
              (f64x2.sub (local.get $six) (f64x2.mul (local.get $r) (local.get $tt))))))
        ;; e = (r·(e − c) − c) − hxs: eʳ − 1 = r − e, with the correction for c
        (local.set $e
          (f64x2.sub
            (f64x2.sub (f64x2.mul (local.get $r) (f64x2.sub (local.get $e) (local.get $c))) (local.get $c))
            (local.get $hxs)))
        ;; 2ᵏ, built from its bits: k = bits(t) − bits(ROUND) as an i64, and (k + 1023) << 52
        ;; is the double 2ᵏ (k runs from −64 to 0 here, so the exponent stays normal)
        (local.set $s
          (i64x2.shl
            (i64x2.add (i64x2.sub (local.get $t) (local.get $round)) (local.get $exponentBias))
            (i32.const 52)))
        ;; E = 2ᵏ·(r − e) + (2ᵏ − 1)
        (local.set $e
          (f64x2.add
            (f64x2.mul (local.get $s) (f64x2.sub (local.get $r) (local.get $e)))
            (f64x2.sub (local.get $s) (local.get $one))))
        ;; w = E / (E + 2)
        (local.set $w (f64x2.div (local.get $e) (f64x2.add (local.get $e) (local.get $two))))
        ;; tanh(x) = copysign(|w|, x): |w|'s bits with x's sign bit
        (v128.store align=8 (local.get $p)
          (v128.or (f64x2.abs (local.get $w)) (v128.and (local.get $x) (local.get $signBit))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairsLeft)))))
