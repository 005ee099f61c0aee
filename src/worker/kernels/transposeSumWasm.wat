;; Transposes and leading-axis sums for tfjs-backend-wasm (src/worker/kernels/transposeWasm.ts registers them;
;; docs/profile.md, change 10). Both work in tfjs-wasm's own heap, the module's imported memory.
;; Edited by hand; `npm run build:kernels` compiles it (wabt) into transposeSumWasmBinary.ts, and
;; wasmKernelBytes.test.ts fails when the two differ.
(module
  (import "env" "memory" (memory 1))

  ;; out[c] = x[0][c] + x[1][c] + … + x[rows − 1][c], the rows added in order onto 0, four columns at a time:
  ;; each lane is one column's float32 sum in tfjs's order (Sum.cc adds along the reduced axis from 0), so the same
  ;; floats. x, out: byte offsets of the row-major [rows, cols] input and the [cols] output.
  (func (export "colsum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $row i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (block $zeroDone (loop $zeroLoop
      (br_if $zeroDone (i32.ge_u (local.get $c) (local.get $cols)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.const 0))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $zeroLoop)))
    (local.set $row (local.get $x))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $vDone (loop $vLoop
        (br_if $vDone (i32.ge_u (local.get $c) (local.get $c4)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
        (v128.store align=4 (local.get $o)
          (f32x4.add (v128.load align=4 (local.get $o))
                     (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $vLoop)))
      (block $sDone (loop $sLoop
        (br_if $sDone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
        (f32.store (local.get $o)
          (f32.add (f32.load (local.get $o)) (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $sLoop)))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; One element x[i][j] → out[j][i] of a [rows, cols] matrix at byte offsets x and out.
  (func $one (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $i i32) (param $j i32)
    (i32.store
      (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
      (i32.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))))

  ;; out[b] = x[b]ᵀ for b < batch, x[b] a row-major [rows, cols] matrix of 32-bit numbers (moved, not computed).
  ;; In 4 × 4 tiles, four rows' four columns shuffled into four columns' four rows, walking each group of four
  ;; output rows from left to right, so the stores run along them; the edges one number at a time.
  (func (export "transpose") (param $x i32) (param $out i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $b i32) (local $i i32) (local $j i32) (local $rows4 i32) (local $cols4 i32) (local $size i32)
    (local $src i32) (local $dst i32) (local $stride i32) (local $ostride i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $size (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $ostride (i32.shl (local.get $rows) (i32.const 2)))
    (block $batchDone (loop $batchLoop
      (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $j (i32.const 0))
      (block $jDone (loop $jLoop
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols4)))
        (local.set $i (i32.const 0))
        (block $iDone (loop $iLoop
          (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows4)))
          (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
          (local.set $r0 (v128.load align=4 (local.get $src)))
          (local.set $r1 (v128.load align=4 (i32.add (local.get $src) (local.get $stride))))
          (local.set $r2 (v128.load align=4 (i32.add (local.get $src) (i32.shl (local.get $stride) (i32.const 1)))))
          (local.set $r3 (v128.load align=4 (i32.add (local.get $src) (i32.mul (local.get $stride) (i32.const 3)))))
          ;; (a0 b0 a1 b1), (a2 b2 a3 b3), (c0 d0 c1 d1), (c2 d2 c3 d3)
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (local.set $dst (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
          ;; (a0 b0 c0 d0) … (a3 b3 c3 d3): columns j … j + 3 of rows i … i + 3
          (v128.store align=4 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store align=4 (i32.add (local.get $dst) (local.get $ostride))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
          (v128.store align=4 (i32.add (local.get $dst) (i32.shl (local.get $ostride) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store align=4 (i32.add (local.get $dst) (i32.mul (local.get $ostride) (i32.const 3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $iLoop)))
        ;; rows past the last whole tile, for these four columns
        (block $tailDone (loop $tailLoop
          (br_if $tailDone (i32.ge_u (local.get $i) (local.get $rows)))
          (call $one (local.get $x) (local.get $out) (local.get $rows) (local.get $cols) (local.get $i) (local.get $j))
          (call $one (local.get $x) (local.get $out) (local.get $rows) (local.get $cols) (local.get $i) (i32.add (local.get $j) (i32.const 1)))
          (call $one (local.get $x) (local.get $out) (local.get $rows) (local.get $cols) (local.get $i) (i32.add (local.get $j) (i32.const 2)))
          (call $one (local.get $x) (local.get $out) (local.get $rows) (local.get $cols) (local.get $i) (i32.add (local.get $j) (i32.const 3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $tailLoop)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jLoop)))
      ;; columns past the last whole tile, every row
      (block $colsDone (loop $colLoop
        (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $i (i32.const 0))
        (block $restDone (loop $restLoop
          (br_if $restDone (i32.ge_u (local.get $i) (local.get $rows)))
          (call $one (local.get $x) (local.get $out) (local.get $rows) (local.get $cols) (local.get $i) (local.get $j))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $restLoop)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $colLoop)))
      (local.set $x (i32.add (local.get $x) (local.get $size)))
      (local.set $out (i32.add (local.get $out) (local.get $size)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $batchLoop))))
)
