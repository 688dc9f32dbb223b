;; gemm-f64x2.wat: the matrix product of lab 002's hand-written BPTT in WebAssembly SIMD,
;;
;;   C[m, n] (+)= Σ_k A(m, k) · W[k, n]      for m < M, n < N, k < K,
;;
;; on float64 values in the module's one memory (imported as env.memory, so the caller owns the
;; heap and addresses the operands by offset). It computes, to the bit, what the JavaScript 4 × 4
;; kernel (src/kernels/gemm-4x4.ts) computes: every output sums its K products in order of k, in
;; one running sum that starts at 0, then overwrites C or is added to it once. f64x2.mul and
;; f64x2.add round each lane as JavaScript's * and + do, and there is no fused multiply-add.
;;
;; Blocking: 4 rows of A × 4 columns of W per block, k innermost. The 16 running sums of a block
;; are 8 v128 registers (two lanes each: columns n, n+1 and n+2, n+3); per k the block loads two
;; v128 of W and four values of A (each splat into both lanes), 6 loads for 32 flops.
;;
;; Packing (issue 14): before its blocks, each group of four rows of A is copied into a scratch
;; area as [k][row] (A(m, k) … A(m+3, k) side by side), so the k loop reads them from ONE pointer
;; at fixed offsets. Four row pointers plus k had left too few integer registers and V8 spilled
;; them in the innermost loop; packed, the step product of lab 002 (16 × 100 by 100 × 100) ran 1.2
;; to 1.4 times as fast here. Copying changes no value, so no bit of C changes.
;;
;; The fused variant (kernel "wasm-fma", issue 14) is this same source with each running sum's
;; `s ← s + x·w` below written as one f64x2.relaxed_madd (relaxed SIMD): one rounding per product
;; instead of two, so its sums differ from these in the last bits; assemble-wat.mjs derives it.
;;
;; Built by src/kernels/assemble-wat.mjs (wabt, at `npm run build`); loaded by
;; src/kernels/heap-kernels.ts. N must be a multiple of 4 (heap-kernels.ts checks); M any size, its
;; last M mod 4 rows done one at a time; the scratch area holds 4·K float64 values, apart from the
;; operands (heap-kernels.ts reserves it past the heap).
;; Introduced in lab 002.
(module
  (import "env" "memory" (memory 1))

  ;; Offsets are in bytes (the caller multiplies its element offsets by 8); strides and sizes in
  ;; float64 elements, as in GemmCall (src/kernels/heap-kernels.ts).
  (func (export "gemm")
    (param $a i32)          ;; byte offset of A(0, 0)
    (param $aRowStride i32) ;; A(m, k) is at a + 8·(m·aRowStride + k·aColStride): a transposed A
    (param $aColStride i32) ;;   is the same matrix read with the two strides swapped
    (param $w i32)          ;; byte offset of W[0, 0]; W[k, n] at w + 8·(k·wRowStride + n)
    (param $wRowStride i32)
    (param $c i32)          ;; byte offset of C[0, 0]; C[m, n] at c + 8·(m·cRowStride + n)
    (param $cRowStride i32)
    (param $M i32) (param $N i32) (param $K i32)
    (param $accumulate i32) ;; 1: C += A·W, 0: C = A·W
    (param $packed i32)     ;; byte offset of the scratch area: 4·K float64 for four rows of A, packed
    (local $m i32) (local $n i32)
    (local $k i32)          ;; byte offset of A(·, k) from A(·, 0): k·aColStride·8
    (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) ;; A(m … m+3, 0)
    (local $pp i32)         ;; in the packed rows: A(m, k), followed by A(m+1 … m+3, k)
    (local $ppEnd i32)      ;; the end of the packed rows: packed + 32·K
    (local $pw i32)         ;; W[k, n]
    (local $pc i32)         ;; C[m + r, n], r = 0 … 3
    (local $aRowBytes i32) (local $aColBytes i32) (local $wRowBytes i32) (local $cRowBytes i32)
    (local $kEnd i32)       ;; K·aColStride·8: where $k stops
    ;; the running sums: $s<row><pair>, row r = 0 … 3 of the block, pair 0 = columns (n, n+1),
    ;; pair 1 = columns (n+2, n+3)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $w0 v128) (local $w1 v128) ;; W[k, n … n+1], W[k, n+2 … n+3]
    (local $x v128)                   ;; A(m + r, k) in both lanes

    ;; Strides in bytes, once: the loops below step pointers instead of multiplying indices.
    (local.set $aRowBytes (i32.shl (local.get $aRowStride) (i32.const 3)))
    (local.set $aColBytes (i32.shl (local.get $aColStride) (i32.const 3)))
    (local.set $wRowBytes (i32.shl (local.get $wRowStride) (i32.const 3)))
    (local.set $cRowBytes (i32.shl (local.get $cRowStride) (i32.const 3)))
    (local.set $kEnd (i32.mul (local.get $K) (local.get $aColBytes)))

    ;; for (m = 0; m + 4 <= M; m += 4): the blocks of four rows
    (local.set $m (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
        ;; the block's four rows of A
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $aRowBytes))))
        (local.set $pa1 (i32.add (local.get $pa0) (local.get $aRowBytes)))
        (local.set $pa2 (i32.add (local.get $pa1) (local.get $aRowBytes)))
        (local.set $pa3 (i32.add (local.get $pa2) (local.get $aRowBytes)))
        ;; pack them: packed[4k + r] = A(m + r, k)
        (local.set $k (i32.const 0))
        (local.set $pp (local.get $packed))
        (block $packDone
          (loop $pack
            (br_if $packDone (i32.ge_u (local.get $k) (local.get $kEnd)))
            (f64.store offset=0 (local.get $pp) (f64.load (i32.add (local.get $pa0) (local.get $k))))
            (f64.store offset=8 (local.get $pp) (f64.load (i32.add (local.get $pa1) (local.get $k))))
            (f64.store offset=16 (local.get $pp) (f64.load (i32.add (local.get $pa2) (local.get $k))))
            (f64.store offset=24 (local.get $pp) (f64.load (i32.add (local.get $pa3) (local.get $k))))
            (local.set $pp (i32.add (local.get $pp) (i32.const 32)))
            (local.set $k (i32.add (local.get $k) (local.get $aColBytes)))
            (br $pack)))
        (local.set $ppEnd (local.get $pp))

        ;; for (n = 0; n < N; n += 4)
        (local.set $n (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $n) (local.get $N)))
            ;; every sum starts at +0, as `let s = 0` in JavaScript (so 0 + (−0) gives +0 alike)
            (local.set $s00 (v128.const i64x2 0 0))
            (local.set $s01 (v128.const i64x2 0 0))
            (local.set $s10 (v128.const i64x2 0 0))
            (local.set $s11 (v128.const i64x2 0 0))
            (local.set $s20 (v128.const i64x2 0 0))
            (local.set $s21 (v128.const i64x2 0 0))
            (local.set $s30 (v128.const i64x2 0 0))
            (local.set $s31 (v128.const i64x2 0 0))
            (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 3))))

            ;; for (k = 0; k < K; k++): s[r][j] += A(m + r, k) · W[k, n + j], in order of k
            (local.set $pp (local.get $packed))
            (block $kDone
              (loop $ks
                (br_if $kDone (i32.ge_u (local.get $pp) (local.get $ppEnd)))
                (local.set $w0 (v128.load align=8 (local.get $pw)))
                (local.set $w1 (v128.load offset=16 align=8 (local.get $pw)))
                ;; row 0
                (local.set $x (v128.load64_splat offset=0 (local.get $pp)))
                (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $w0))))
                (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $w1))))
                ;; row 1
                (local.set $x (v128.load64_splat offset=8 (local.get $pp)))
                (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x) (local.get $w0))))
                (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x) (local.get $w1))))
                ;; row 2
                (local.set $x (v128.load64_splat offset=16 (local.get $pp)))
                (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x) (local.get $w0))))
                (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x) (local.get $w1))))
                ;; row 3
                (local.set $x (v128.load64_splat offset=24 (local.get $pp)))
                (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x) (local.get $w0))))
                (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x) (local.get $w1))))
                ;; next k: the next row of W, the next four packed values of A
                (local.set $pw (i32.add (local.get $pw) (local.get $wRowBytes)))
                (local.set $pp (i32.add (local.get $pp) (i32.const 32)))
                (br $ks)))

            ;; Write the block: C[m + r, n … n+3] = s[r] (or += s[r]: one addition per output,
            ;; after all K products, as the JavaScript kernel does).
            (local.set $pc
              (i32.add
                (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $cRowBytes)))
                (i32.shl (local.get $n) (i32.const 3))))
            ;; row 0
            (if (local.get $accumulate)
              (then
                (v128.store align=8 (local.get $pc)
                  (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $s00)))
                (v128.store offset=16 align=8 (local.get $pc)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $s01))))
              (else
                (v128.store align=8 (local.get $pc) (local.get $s00))
                (v128.store offset=16 align=8 (local.get $pc) (local.get $s01))))
            (local.set $pc (i32.add (local.get $pc) (local.get $cRowBytes)))
            ;; row 1
            (if (local.get $accumulate)
              (then
                (v128.store align=8 (local.get $pc)
                  (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $s10)))
                (v128.store offset=16 align=8 (local.get $pc)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $s11))))
              (else
                (v128.store align=8 (local.get $pc) (local.get $s10))
                (v128.store offset=16 align=8 (local.get $pc) (local.get $s11))))
            (local.set $pc (i32.add (local.get $pc) (local.get $cRowBytes)))
            ;; row 2
            (if (local.get $accumulate)
              (then
                (v128.store align=8 (local.get $pc)
                  (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $s20)))
                (v128.store offset=16 align=8 (local.get $pc)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $s21))))
              (else
                (v128.store align=8 (local.get $pc) (local.get $s20))
                (v128.store offset=16 align=8 (local.get $pc) (local.get $s21))))
            (local.set $pc (i32.add (local.get $pc) (local.get $cRowBytes)))
            ;; row 3
            (if (local.get $accumulate)
              (then
                (v128.store align=8 (local.get $pc)
                  (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $s30)))
                (v128.store offset=16 align=8 (local.get $pc)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $s31))))
              (else
                (v128.store align=8 (local.get $pc) (local.get $s30))
                (v128.store offset=16 align=8 (local.get $pc) (local.get $s31))))
            (local.set $pc (i32.add (local.get $pc) (local.get $cRowBytes))) ;; not needed after row 3; kept so the rows read alike

            (local.set $n (i32.add (local.get $n) (i32.const 4)))
            (br $cols)))

        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $rows)))

    ;; The last M mod 4 rows, one at a time (lab 001's batch of 5 rows: 4 + 1, no padding row
    ;; computed): the same running sums as a block's row, so the same bits.
    (block $restDone
      (loop $rest
        (br_if $restDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $aRowBytes))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $cRowBytes))))
        (local.set $n (i32.const 0))
        (block $restColsDone
          (loop $restCols
            (br_if $restColsDone (i32.ge_u (local.get $n) (local.get $N)))
            (local.set $s00 (v128.const i64x2 0 0))
            (local.set $s01 (v128.const i64x2 0 0))
            (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $n) (i32.const 3))))
            (local.set $k (i32.const 0))
            (block $restKDone
              (loop $restKs
                (br_if $restKDone (i32.ge_u (local.get $k) (local.get $kEnd)))
                (local.set $w0 (v128.load align=8 (local.get $pw)))
                (local.set $w1 (v128.load offset=16 align=8 (local.get $pw)))
                (local.set $x (v128.load64_splat (i32.add (local.get $pa0) (local.get $k))))
                (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x) (local.get $w0))))
                (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x) (local.get $w1))))
                (local.set $pw (i32.add (local.get $pw) (local.get $wRowBytes)))
                (local.set $k (i32.add (local.get $k) (local.get $aColBytes)))
                (br $restKs)))
            (if (local.get $accumulate)
              (then
                (v128.store align=8 (local.get $pc)
                  (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $s00)))
                (v128.store offset=16 align=8 (local.get $pc)
                  (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $s01))))
              (else
                (v128.store align=8 (local.get $pc) (local.get $s00))
                (v128.store offset=16 align=8 (local.get $pc) (local.get $s01))))
            (local.set $pc (i32.add (local.get $pc) (i32.const 32)))
            (local.set $n (i32.add (local.get $n) (i32.const 4)))
            (br $restCols)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rest)))))
