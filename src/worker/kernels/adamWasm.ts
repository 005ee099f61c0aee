/**
 * Adam's update as one kernel on tfjs-backend-wasm (docs/profile.md, change 12; src/lab/train/optim.ts, ADAM_KERNEL).
 * Adam.applyFlat's tfjs ops made about eighty kernels of every step (the weights flattened into one vector and
 * split back, the moments and the update in about twenty passes over it): 2.5 ms of a small-preset step, 1.2 ms of
 * a tiny one, most of it per-kernel overhead. adamWasm.wat makes the same IEEE float32 operations in the same order
 * on each parameter's stretch of the flat gradient and moments, in tfjs's heap, so the same floats (tested in
 * adamWasm.test.ts). Where `ok` is false the outputs are the inputs, exactly as the ops' gated update leaves them.
 * Where the module cannot use tfjs's heap (the threaded build's shared memory) adamJs makes the same operations in
 * JavaScript, each rounded to float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_KERNEL, type AdamKernelAttrs } from '../../lab/train/optim';
import { ADAM_WASM } from './adamWasmBinary';
import { heapModule, heapOffset as at } from './heapModule';
import { registerLabWasmKernel } from './wasmOverride';

interface Module {
  adam: (g: number, m: number, v: number, w: number, mo: number, vo: number, wo: number, n: number, b1: number, a1: number, b2: number, a2: number, c1: number, c2: number, eps: number, lr: number) => void;
}

const KERNELS = heapModule<Module>(ADAM_WASM);

/**
 * adamWasm.wat's `adam` in JavaScript, on views of the heap: every operation rounded to float32 (Math.fround, which
 * for +, −, ×, ÷ and √ of float32 numbers gives the float32 operation's result), so the same floats.
 */
export function adamJs(g: Float32Array, m: Float32Array, v: Float32Array, w: Float32Array, mo: Float32Array, vo: Float32Array, wo: Float32Array, hyper: { b1: number; a1: number; b2: number; a2: number; c1: number; c2: number; eps: number; lr: number }): void {
  const f = Math.fround;
  const [b1, a1, b2, a2, c1, c2, eps, lr] = [hyper.b1, hyper.a1, hyper.b2, hyper.a2, hyper.c1, hyper.c2, hyper.eps, hyper.lr].map(f) as [number, number, number, number, number, number, number, number];
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const mi = f(f(b1 * m[i]!) + f(a1 * gi));
    const vi = f(f(b2 * v[i]!) + f(a2 * f(gi * gi)));
    mo[i] = mi;
    vo[i] = vi;
    wo[i] = f(w[i]! - f(lr * f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps))));
  }
}

const adam: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { grad, m, v, ok, ...rest } = inputs as Record<string, tf.TensorInfo | undefined>;
  const weights = Array.from({ length: Object.keys(rest).length }, (_, i) => rest[`w${i}`]);
  const { beta1, beta2, eps, lr, c1, c2 } = attrs as unknown as AdamKernelAttrs;
  const n = grad?.shape.reduce((a, b) => a * b, 1) ?? 0;
  if (!grad || !m || !v || weights.some((w) => !w) || m.shape.join() !== `${n}` || v.shape.join() !== `${n}` || weights.reduce((a, w) => a + tf.util.sizeFromShape(w!.shape), 0) !== n) {
    throw new RangeError(`${ADAM_KERNEL}: a gradient of ${n} numbers, moments [${m?.shape.join(', ')}] and [${v?.shape.join(', ')}], and weights that do not add up to it`);
  }
  const wasm = backend as BackendWasm;
  const module = KERNELS.on(wasm);
  const outs = [wasm.makeOutput(m.shape, 'float32'), wasm.makeOutput(v.shape, 'float32'), ...weights.map((w) => wasm.makeOutput(w!.shape, 'float32'))];
  // Offsets and views after every makeOutput (which may grow, and so move, the heap).
  const view = (t: tf.TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  const apply = ok === undefined || (wasm.typedArrayFromHeap(ok) as Uint8Array)[0] !== 0;
  const [mo, vo, ...wo] = outs as [tf.TensorInfo, tf.TensorInfo, ...tf.TensorInfo[]];
  if (!apply) {
    [[m, mo], [v, vo], ...weights.map((w, i) => [w!, wo[i]!])].forEach(([from, to]) => view(to!).set(view(from!)));
    return outs;
  }
  const hyper = { b1: beta1, a1: 1 - beta1, b2: beta2, a2: 1 - beta2, c1, c2, eps, lr };
  let offset = 0;
  weights.forEach((w, i) => {
    const size = tf.util.sizeFromShape(w!.shape);
    const bytes = offset * 4;
    if (module) {
      module.adam(at(wasm, grad) + bytes, at(wasm, m) + bytes, at(wasm, v) + bytes, at(wasm, w!), at(wasm, mo) + bytes, at(wasm, vo) + bytes, at(wasm, wo[i]!), size, hyper.b1, hyper.a1, hyper.b2, hyper.a2, c1, c2, eps, lr);
    } else {
      const part = (t: tf.TensorInfo) => view(t).subarray(offset, offset + size);
      adamJs(part(grad), part(m), part(v), view(w!), part(mo), part(vo), view(wo[i]!), hyper);
    }
    offset += size;
  });
  return outs;
};

// Where its module compiles (no SIMD: Adam's ops); Adam uses it whenever it is registered (useLabWasmKernels switches it).
if (KERNELS.compiled) registerLabWasmKernel(ADAM_KERNEL, adam);
