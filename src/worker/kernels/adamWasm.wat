;; One Adam update for tfjs-backend-wasm (src/worker/kernels/adamWasm.ts registers it; docs/profile.md, change 12).
;; Works in tfjs-wasm's own heap, the module's imported memory.
;; Edited by hand; `npm run build:kernels` compiles it (wabt) into adamWasmBinary.ts, and wasmKernelBytes.test.ts
;; fails when the two differ.
(module
  (import "env" "memory" (memory 1))

  ;; For i < n, with g, m, v, w the gradient, the two moments and the weights (byte offsets of float32 arrays):
  ;;   m' = b1·m + a1·g
  ;;   v' = b2·v + a2·(g·g)
  ;;   w' = w − lr·((m' / c1) / (√(v' / c2) + eps))
  ;; into mo, vo, wo. Each operation is one IEEE float32 operation in the order Adam.applyFlat's tfjs ops make them
  ;; (src/lab/train/optim.ts), so the same floats; four at a time, the tail one at a time.
  (func (export "adam")
    (param $g i32) (param $m i32) (param $v i32) (param $w i32)
    (param $mo i32) (param $vo i32) (param $wo i32) (param $n i32)
    (param $b1 f32) (param $a1 f32) (param $b2 f32) (param $a2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $lr f32)
    (local $i i32) (local $n4 i32) (local $o i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vDone (loop $vLoop
      (br_if $vDone (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
      (local.set $mv
        (f32x4.add
          (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load align=4 (i32.add (local.get $m) (local.get $o))))
          (f32x4.mul (f32x4.splat (local.get $a1)) (local.get $gv))))
      (local.set $vv
        (f32x4.add
          (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load align=4 (i32.add (local.get $v) (local.get $o))))
          (f32x4.mul (f32x4.splat (local.get $a2)) (f32x4.mul (local.get $gv) (local.get $gv)))))
      (v128.store align=4 (i32.add (local.get $mo) (local.get $o)) (local.get $mv))
      (v128.store align=4 (i32.add (local.get $vo) (local.get $o)) (local.get $vv))
      (v128.store align=4 (i32.add (local.get $wo) (local.get $o))
        (f32x4.sub
          (v128.load align=4 (i32.add (local.get $w) (local.get $o)))
          (f32x4.mul (f32x4.splat (local.get $lr))
            (f32x4.div
              (f32x4.div (local.get $mv) (f32x4.splat (local.get $c1)))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $c2)))) (f32x4.splat (local.get $eps)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vLoop)))
    (block $sDone (loop $sLoop
      (br_if $sDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $ms
        (f32.add
          (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $o))))
          (f32.mul (local.get $a1) (local.get $gs))))
      (local.set $vs
        (f32.add
          (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $o))))
          (f32.mul (local.get $a2) (f32.mul (local.get $gs) (local.get $gs)))))
      (f32.store (i32.add (local.get $mo) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $vo) (local.get $o)) (local.get $vs))
      (f32.store (i32.add (local.get $wo) (local.get $o))
        (f32.sub
          (f32.load (i32.add (local.get $w) (local.get $o)))
          (f32.mul (local.get $lr)
            (f32.div
              (f32.div (local.get $ms) (local.get $c1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $eps))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $sLoop))))
)
