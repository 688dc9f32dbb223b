;; rnn-steps-f64x2.wat: the element-wise steps of lab 002's vanilla RNN (src/models/vanilla-rnn-chunk.ts)
;; around its matrix products, two float64 lanes at a time (WebAssembly SIMD), on the same heap:
;;
;;   inputStep      (1)  z_t[b, j] = b_h[j] + Σ_i x_t[b, i]·W_in[i, j]            before z_t += h_{t−1}·W_hh
;;   tanhBackward   (8)  δz_t[e] = δh_t[e]·(1 − h_t[e]²)
;;   inputGrads     (9)  ∂b_h[j] += Σ_b δz_t[b, j],  ∂W_in[i, j] += Σ_b x_t[b, i]·δz_t[b, j]
;;
;; Why: in JavaScript these loops took about a third of a chunk's time beside the products (lab
;; 002's profile, issue 14); here they run without a bounds check per element, two at a time.
;; Each computes what the JavaScript loops of vanilla-rnn-chunk.ts (rnnStepsJs) compute, to the
;; bit: every value is the same additions and multiplications in the same order (f64x2.add and
;; f64x2.mul round each lane as JavaScript's + and * do), and no sum is reordered.
;;
;; Layout (row-major, as in vanilla-rnn-chunk.ts): rows of Hp values (Hp, the padded hidden size, a
;; multiple of 4), x_t as [rows, I]. Offsets in bytes, sizes in elements.
;; Built by src/kernels/assemble-wat.mjs (wabt, at `npm run build`); loaded by
;; src/kernels/heap-kernels.ts. Introduced in issue 14.
(module
  (import "env" "memory" (memory 1))

  ;; (1) for b < M: z[b, ·] = bH; for b < rows (the chunk's real rows; padded rows keep bH, as x = 0
  ;; would leave them): z[b, ·] += x[b, i]·W_in[i, ·] for i = 0 … I−1, in order of i.
  (func (export "inputStep")
    (param $z i32) (param $bH i32) (param $wIn i32) (param $x i32)
    (param $M i32) (param $rows i32) (param $I i32) (param $Hp i32)
    (local $b i32) (local $i i32) (local $j i32) (local $row i32) (local $xi v128) (local $w i32)
    (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 3)))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $M)))
        (local.set $row (i32.add (local.get $z) (i32.mul (local.get $b) (local.get $rowBytes))))
        ;; z[b, ·] = bH
        (local.set $j (i32.const 0))
        (block $copyDone
          (loop $copy
            (br_if $copyDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store align=8 (i32.add (local.get $row) (local.get $j))
              (v128.load align=8 (i32.add (local.get $bH) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $copy)))
        ;; z[b, ·] += x[b, i]·W_in[i, ·], i in order
        (if (i32.lt_u (local.get $b) (local.get $rows))
          (then
            (local.set $i (i32.const 0))
            (block $inputsDone
              (loop $inputs
                (br_if $inputsDone (i32.ge_u (local.get $i) (local.get $I)))
                (local.set $xi (v128.load64_splat
                  (i32.add (local.get $x)
                    (i32.shl (i32.add (i32.mul (local.get $b) (local.get $I)) (local.get $i)) (i32.const 3)))))
                (local.set $w (i32.add (local.get $wIn) (i32.mul (local.get $i) (local.get $rowBytes))))
                (local.set $j (i32.const 0))
                (block $axpyDone
                  (loop $axpy
                    (br_if $axpyDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                    (v128.store align=8 (i32.add (local.get $row) (local.get $j))
                      (f64x2.add
                        (v128.load align=8 (i32.add (local.get $row) (local.get $j)))
                        (f64x2.mul (local.get $xi) (v128.load align=8 (i32.add (local.get $w) (local.get $j))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 16)))
                    (br $axpy)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $inputs)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rowsLoop))))

  ;; (8) dz[e] = dh[e]·(1 − h[e]·h[e]) for the 2·pairs values from each offset.
  (func (export "tanhBackward")
    (param $dz i32) (param $dh i32) (param $h i32) (param $pairs i32)
    (local $e i32) (local $end i32) (local $hv v128) (local $one v128)
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $end (i32.shl (local.get $pairs) (i32.const 4)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
        (local.set $hv (v128.load align=8 (i32.add (local.get $h) (local.get $e))))
        (v128.store align=8 (i32.add (local.get $dz) (local.get $e))
          (f64x2.mul
            (v128.load align=8 (i32.add (local.get $dh) (local.get $e)))
            (f64x2.sub (local.get $one) (f64x2.mul (local.get $hv) (local.get $hv)))))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (br $each))))

  ;; (9) for b < rows, in order: gbH[·] += dz[b, ·]; then gWin[i, ·] += x[b, i]·dz[b, ·] for i in order.
  (func (export "inputGrads")
    (param $gbH i32) (param $gWin i32) (param $dz i32) (param $x i32)
    (param $rows i32) (param $I i32) (param $Hp i32)
    (local $b i32) (local $i i32) (local $j i32) (local $row i32) (local $g i32) (local $xi v128)
    (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $Hp) (i32.const 3)))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
        (local.set $row (i32.add (local.get $dz) (i32.mul (local.get $b) (local.get $rowBytes))))
        ;; gbH += dz[b, ·]
        (local.set $j (i32.const 0))
        (block $biasDone
          (loop $bias
            (br_if $biasDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store align=8 (i32.add (local.get $gbH) (local.get $j))
              (f64x2.add
                (v128.load align=8 (i32.add (local.get $gbH) (local.get $j)))
                (v128.load align=8 (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $bias)))
        ;; gWin[i, ·] += x[b, i]·dz[b, ·]
        (local.set $i (i32.const 0))
        (block $inputsDone
          (loop $inputs
            (br_if $inputsDone (i32.ge_u (local.get $i) (local.get $I)))
            (local.set $xi (v128.load64_splat
              (i32.add (local.get $x)
                (i32.shl (i32.add (i32.mul (local.get $b) (local.get $I)) (local.get $i)) (i32.const 3)))))
            (local.set $g (i32.add (local.get $gWin) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $j (i32.const 0))
            (block $axpyDone
              (loop $axpy
                (br_if $axpyDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (v128.store align=8 (i32.add (local.get $g) (local.get $j))
                  (f64x2.add
                    (v128.load align=8 (i32.add (local.get $g) (local.get $j)))
                    (f64x2.mul (local.get $xi) (v128.load align=8 (i32.add (local.get $row) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $axpy)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $inputs)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rowsLoop)))))
