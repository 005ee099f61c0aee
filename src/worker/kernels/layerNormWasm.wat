;; Layer normalisation and its gradient for tfjs-backend-wasm (src/worker/kernels/layerNormWasm.ts registers them as
;; src/lab/model/layers.ts's LAYER_NORM_KERNEL and LAYER_NORM_GRAD_KERNEL; docs/profile.md, change 13). Both work in
;; tfjs-wasm's own heap, the module's imported memory, on a row-major [rows, width] float32 input.
;; Edited by hand; `npm run build:kernels` compiles it (wabt) into layerNormWasmBinary.ts, and
;; wasmKernelBytes.test.ts fails when the two differ.
;;
;; Every number is the one layers.ts's tfjs ops give on wasm: the same IEEE float32 operations in the same order.
;; A mean is tfjs-wasm's Mean.cc, the row's numbers added in order onto 0 and the sum divided by the width; the
;; elementwise ops are XNNPACK's, one correctly rounded operation each; a gradient's sum over the rows is
;; transposeSumWasm.wat's, each column's rows added in order onto 0.
(module
  (import "env" "memory" (memory 1))

  (global $mean (mut f32) (f32.const 0))
  (global $std (mut f32) (f32.const 0))

  ;; s + v[0] + v[1] + v[2] + v[3], added in that order.
  (func $addLanes (param $s f32) (param $v v128) (result f32)
    (f32.add (f32.add (f32.add (f32.add (local.get $s) (f32x4.extract_lane 0 (local.get $v))) (f32x4.extract_lane 1 (local.get $v)))
      (f32x4.extract_lane 2 (local.get $v))) (f32x4.extract_lane 3 (local.get $v))))

  ;; The row at byte offset $row: $mean = Σx / width, $std = √(Σ(x − mean)² / width + eps), each sum in column order
  ;; (four columns loaded at a time, their lanes added in order; the tail one at a time).
  (func $stats (param $row i32) (param $width i32) (param $eps f32)
    (local $j i32) (local $w4 i32) (local $sum f32) (local $c f32) (local $n f32) (local $cv v128)
    (local.set $n (f32.convert_i32_u (local.get $width)))
    (local.set $w4 (i32.and (local.get $width) (i32.const -4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $j) (local.get $w4)))
      (local.set $sum (call $addLanes (local.get $sum) (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $l1)))
    (block $d1t (loop $l1t
      (br_if $d1t (i32.ge_u (local.get $j) (local.get $width)))
      (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $l1t)))
    (global.set $mean (f32.div (local.get $sum) (local.get $n)))
    (local.set $sum (f32.const 0))
    (local.set $j (i32.const 0))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $j) (local.get $w4)))
      (local.set $cv (f32x4.sub (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))) (f32x4.splat (global.get $mean))))
      (local.set $sum (call $addLanes (local.get $sum) (f32x4.mul (local.get $cv) (local.get $cv))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $l2)))
    (block $d2t (loop $l2t
      (br_if $d2t (i32.ge_u (local.get $j) (local.get $width)))
      (local.set $c (f32.sub (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))) (global.get $mean)))
      (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $c) (local.get $c))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $l2t)))
    (global.set $std (f32.sqrt (f32.add (f32.div (local.get $sum) (local.get $n)) (local.get $eps)))))

  ;; n = (x − mean) / std for the four columns at byte offset $k of the row at $row.
  (func $normed4 (param $row i32) (param $k i32) (result v128)
    (f32x4.div (f32x4.sub (v128.load align=4 (i32.add (local.get $row) (local.get $k))) (f32x4.splat (global.get $mean))) (f32x4.splat (global.get $std))))

  ;; The same for one column.
  (func $normed1 (param $row i32) (param $k i32) (result f32)
    (f32.div (f32.sub (f32.load (i32.add (local.get $row) (local.get $k))) (global.get $mean)) (global.get $std)))

  ;; out = (x − mean) / std · gain + bias, row by row (layers.ts: parts(), then add(mul(normed, g), b)).
  (func (export "forward") (param $x i32) (param $gain i32) (param $bias i32) (param $out i32) (param $rows i32) (param $width i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $w4 i32) (local $row i32) (local $o i32) (local $k i32)
    (local.set $w4 (i32.and (local.get $width) (i32.const -4)))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
      (call $stats (local.get $row) (local.get $width) (local.get $eps))
      (local.set $j (i32.const 0))
      (block $jd (loop $jl
        (br_if $jd (i32.ge_u (local.get $j) (local.get $w4)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (v128.store align=4 (i32.add (local.get $o) (local.get $k))
          (f32x4.add
            (f32x4.mul (call $normed4 (local.get $row) (local.get $k)) (v128.load align=4 (i32.add (local.get $gain) (local.get $k))))
            (v128.load align=4 (i32.add (local.get $bias) (local.get $k)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jl)))
      (block $td (loop $tl
        (br_if $td (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $o) (local.get $k))
          (f32.add
            (f32.mul (call $normed1 (local.get $row) (local.get $k)) (f32.load (i32.add (local.get $gain) (local.get $k))))
            (f32.load (i32.add (local.get $bias) (local.get $k)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))

  ;; With n = (x − mean) / std and dn = dy · gain (layers.ts's written-out gradient):
  ;;   dx = ((dn − Σdn / width) − n · (Σ(dn · n) / width)) / std,  dgain = Σ_rows dy · n,  dbias = Σ_rows dy,
  ;; the sums over a row in column order, those over the rows in row order onto 0.
  (func (export "grad") (param $x i32) (param $gain i32) (param $dy i32) (param $dx i32) (param $dgain i32) (param $dbias i32)
    (param $rows i32) (param $width i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $w4 i32) (local $k i32) (local $row i32) (local $dyr i32) (local $dxr i32)
    (local $n f32) (local $dn f32) (local $s1 f32) (local $s2 f32) (local $m1 f32) (local $m2 f32) (local $w f32) (local $d f32)
    (local $nv v128) (local $dnv v128) (local $dv v128)
    (local.set $w (f32.convert_i32_u (local.get $width)))
    (local.set $w4 (i32.and (local.get $width) (i32.const -4)))
    (block $zd (loop $zl
      (br_if $zd (i32.ge_u (local.get $j) (local.get $width)))
      (local.set $k (i32.shl (local.get $j) (i32.const 2)))
      (f32.store (i32.add (local.get $dgain) (local.get $k)) (f32.const 0))
      (f32.store (i32.add (local.get $dbias) (local.get $k)) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zl)))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
      (local.set $dyr (i32.add (local.get $dy) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
      (local.set $dxr (i32.add (local.get $dx) (i32.shl (i32.mul (local.get $r) (local.get $width)) (i32.const 2))))
      (call $stats (local.get $row) (local.get $width) (local.get $eps))
      (local.set $s1 (f32.const 0))
      (local.set $s2 (f32.const 0))
      (local.set $j (i32.const 0))
      (block $ad (loop $al
        (br_if $ad (i32.ge_u (local.get $j) (local.get $w4)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (local.set $dnv (f32x4.mul (v128.load align=4 (i32.add (local.get $dyr) (local.get $k))) (v128.load align=4 (i32.add (local.get $gain) (local.get $k)))))
        (local.set $s1 (call $addLanes (local.get $s1) (local.get $dnv)))
        (local.set $s2 (call $addLanes (local.get $s2) (f32x4.mul (local.get $dnv) (call $normed4 (local.get $row) (local.get $k)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $al)))
      (block $atd (loop $atl
        (br_if $atd (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (local.set $dn (f32.mul (f32.load (i32.add (local.get $dyr) (local.get $k))) (f32.load (i32.add (local.get $gain) (local.get $k)))))
        (local.set $s1 (f32.add (local.get $s1) (local.get $dn)))
        (local.set $s2 (f32.add (local.get $s2) (f32.mul (local.get $dn) (call $normed1 (local.get $row) (local.get $k)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $atl)))
      (local.set $m1 (f32.div (local.get $s1) (local.get $w)))
      (local.set $m2 (f32.div (local.get $s2) (local.get $w)))
      (local.set $j (i32.const 0))
      (block $bd (loop $bl
        (br_if $bd (i32.ge_u (local.get $j) (local.get $w4)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (local.set $nv (call $normed4 (local.get $row) (local.get $k)))
        (local.set $dv (v128.load align=4 (i32.add (local.get $dyr) (local.get $k))))
        (local.set $dnv (f32x4.mul (local.get $dv) (v128.load align=4 (i32.add (local.get $gain) (local.get $k)))))
        (v128.store align=4 (i32.add (local.get $dxr) (local.get $k))
          (f32x4.div
            (f32x4.sub (f32x4.sub (local.get $dnv) (f32x4.splat (local.get $m1))) (f32x4.mul (local.get $nv) (f32x4.splat (local.get $m2))))
            (f32x4.splat (global.get $std))))
        (v128.store align=4 (i32.add (local.get $dgain) (local.get $k))
          (f32x4.add (v128.load align=4 (i32.add (local.get $dgain) (local.get $k))) (f32x4.mul (local.get $dv) (local.get $nv))))
        (v128.store align=4 (i32.add (local.get $dbias) (local.get $k))
          (f32x4.add (v128.load align=4 (i32.add (local.get $dbias) (local.get $k))) (local.get $dv)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $bl)))
      (block $btd (loop $btl
        (br_if $btd (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $k (i32.shl (local.get $j) (i32.const 2)))
        (local.set $n (call $normed1 (local.get $row) (local.get $k)))
        (local.set $d (f32.load (i32.add (local.get $dyr) (local.get $k))))
        (local.set $dn (f32.mul (local.get $d) (f32.load (i32.add (local.get $gain) (local.get $k)))))
        (f32.store (i32.add (local.get $dxr) (local.get $k))
          (f32.div (f32.sub (f32.sub (local.get $dn) (local.get $m1)) (f32.mul (local.get $n) (local.get $m2))) (global.get $std)))
        (f32.store (i32.add (local.get $dgain) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $dgain) (local.get $k))) (f32.mul (local.get $d) (local.get $n))))
        (f32.store (i32.add (local.get $dbias) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $dbias) (local.get $k))) (local.get $d)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $btl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))
)
