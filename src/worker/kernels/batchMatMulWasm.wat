;; Batched matrix product for tfjs-backend-wasm (src/worker/kernels/batchMatMulWasm.ts registers it; issue 15).
;; tfjs-wasm 4.22 sends batched products (attention's [B·heads, T, T] and [B·heads, T, dh]) through a scalar
;; loop at about 1.3 GFLOP/s; this one packs each pair of matrices and runs a 4-row × 4-column SIMD tile.
;; The sums run over k in ascending order, as tfjs's loop does: on every shape batchMatMulWasm.test.ts tries (k up to
;; 33) the floats are tfjs's, bit for bit; for k = 130 they agree within 2e-5 of a float64 product.
;; Edited by hand; `npm run build:kernels` compiles it (wabt) into batchMatMulWasmBinary.ts, and
;; wasmKernelBytes.test.ts fails when the two differ.
(module
  ;; The memory is the caller's: tfjs-wasm's own heap (the operands are read and the product written in place), or
  ;; a memory of the module's own where that heap cannot be had (batchMatMulWasm.ts copies in and out then).
  (import "env" "memory" (memory 1))
  ;; C[b] = op(A[b]) · op(B[b]) for b < batch; op transposes when ta / tb is 1.
  ;; a, b, c: byte offsets of the row-major inputs and output; ap, bp: scratch for the packed operands
  ;; (ap: m·k floats, bp: k·np floats, np = n rounded up to 4).
  (func (export "bmm") (param $a i32) (param $b i32) (param $c i32) (param $ap i32) (param $bp i32)
        (param $batch i32) (param $m i32) (param $k i32) (param $n i32) (param $ta i32) (param $tb i32)
    (local $bi i32) (local $i i32) (local $j i32) (local $kk i32) (local $np i32)
    (local $aB i32) (local $bB i32) (local $cB i32) (local $A i32)
    (local $pa i32) (local $pb i32) (local $pc i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $bv v128)
    (local $rows i32)
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)))
    (block $batchDone (loop $batchLoop
      (br_if $batchDone (i32.ge_u (local.get $bi) (local.get $batch)))
      (local.set $aB (i32.add (local.get $a) (i32.shl (i32.mul (local.get $bi) (i32.mul (local.get $m) (local.get $k))) (i32.const 2))))
      (local.set $bB (i32.add (local.get $b) (i32.shl (i32.mul (local.get $bi) (i32.mul (local.get $k) (local.get $n))) (i32.const 2))))
      (local.set $cB (i32.add (local.get $c) (i32.shl (i32.mul (local.get $bi) (i32.mul (local.get $m) (local.get $n))) (i32.const 2))))
      ;; A as m×k row-major: in place, or packed from its k×m form
      (local.set $A (local.get $aB))
      (if (local.get $ta) (then
        (local.set $A (local.get $ap))
        (local.set $i (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $i) (local.get $m)))
          (local.set $kk (i32.const 0))
          (block $d2 (loop $l2
            (br_if $d2 (i32.ge_u (local.get $kk) (local.get $k)))
            (f32.store
              (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $kk)) (i32.const 2)))
              (f32.load (i32.add (local.get $aB) (i32.shl (i32.add (i32.mul (local.get $kk) (local.get $m)) (local.get $i)) (i32.const 2)))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $l2)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l1)))))
      ;; B as k×np row-major, the columns past n zero
      (local.set $kk (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $kk) (local.get $k)))
        (local.set $j (i32.const 0))
        (block $d4 (loop $l4
          (br_if $d4 (i32.ge_u (local.get $j) (local.get $np)))
          (f32.store
            (i32.add (local.get $bp) (i32.shl (i32.add (i32.mul (local.get $kk) (local.get $np)) (local.get $j)) (i32.const 2)))
            (if (result f32) (i32.ge_u (local.get $j) (local.get $n))
              (then (f32.const 0))
              (else (if (result f32) (local.get $tb)
                (then (f32.load (i32.add (local.get $bB) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $kk)) (i32.const 2)))))
                (else (f32.load (i32.add (local.get $bB) (i32.shl (i32.add (i32.mul (local.get $kk) (local.get $n)) (local.get $j)) (i32.const 2)))))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $l4)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $l3)))
      ;; the product, four rows at a time (fewer in the last block: its missing rows repeat row i)
      (local.set $i (i32.const 0))
      (block $d5 (loop $l5
        (br_if $d5 (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $rows (i32.sub (local.get $m) (local.get $i)))
        (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
        (local.set $j (i32.const 0))
        (block $d6 (loop $l6
          (br_if $d6 (i32.ge_u (local.get $j) (local.get $np)))
          (local.set $acc0 (v128.const f32x4 0 0 0 0))
          (local.set $acc1 (v128.const f32x4 0 0 0 0))
          (local.set $acc2 (v128.const f32x4 0 0 0 0))
          (local.set $acc3 (v128.const f32x4 0 0 0 0))
          ;; pa: A[i, 0]; the rows below i at pa + r·k floats (clamped to row i when past m)
          (local.set $pa (i32.add (local.get $A) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
          (local.set $pb (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $kk (i32.const 0))
          (block $d7 (loop $l7
            (br_if $d7 (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $bv (v128.load (local.get $pb)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (f32x4.splat (f32.load (local.get $pa))) (local.get $bv))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (f32x4.splat (f32.load
              (i32.add (local.get $pa) (i32.shl (i32.mul (i32.lt_u (i32.const 1) (local.get $rows)) (local.get $k)) (i32.const 2))))) (local.get $bv))))
            (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (f32x4.splat (f32.load
              (i32.add (local.get $pa) (i32.shl (i32.mul (i32.mul (i32.const 2) (i32.lt_u (i32.const 2) (local.get $rows))) (local.get $k)) (i32.const 2))))) (local.get $bv))))
            (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (f32x4.splat (f32.load
              (i32.add (local.get $pa) (i32.shl (i32.mul (i32.mul (i32.const 3) (i32.lt_u (i32.const 3) (local.get $rows))) (local.get $k)) (i32.const 2))))) (local.get $bv))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $np) (i32.const 2))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $l7)))
          (call $put (local.get $acc0) (local.get $cB) (local.get $i) (local.get $j) (local.get $n))
          (if (i32.gt_u (local.get $rows) (i32.const 1)) (then (call $put (local.get $acc1) (local.get $cB) (i32.add (local.get $i) (i32.const 1)) (local.get $j) (local.get $n))))
          (if (i32.gt_u (local.get $rows) (i32.const 2)) (then (call $put (local.get $acc2) (local.get $cB) (i32.add (local.get $i) (i32.const 2)) (local.get $j) (local.get $n))))
          (if (i32.gt_u (local.get $rows) (i32.const 3)) (then (call $put (local.get $acc3) (local.get $cB) (i32.add (local.get $i) (i32.const 3)) (local.get $j) (local.get $n))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $l6)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $l5)))
      (local.set $bi (i32.add (local.get $bi) (i32.const 1)))
      (br $batchLoop))))
  ;; C[i, j..j+4) = v, the lanes past n left out
  (func $put (param $v v128) (param $cB i32) (param $i i32) (param $j i32) (param $n i32)
    (local $p i32) (local $left i32)
    (local.set $p (i32.add (local.get $cB) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
    (local.set $left (i32.sub (local.get $n) (local.get $j)))
    (if (i32.ge_u (local.get $left) (i32.const 4)) (then (v128.store (local.get $p) (local.get $v)) (return)))
    (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))
    (if (i32.gt_u (local.get $left) (i32.const 1)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_u (local.get $left) (i32.const 2)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v))))))
)
