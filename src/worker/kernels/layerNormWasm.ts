/**
 * Layer normalisation's forward pass and gradient as one kernel each on tfjs-backend-wasm (docs/profile.md, change
 * 13): src/lab/model/layers.ts's LAYER_NORM_KERNEL and LAYER_NORM_GRAD_KERNEL, which layerNorm uses wherever a
 * backend registers them (webgpu: layerNormWebgpu.ts). With tfjs's ops a layer norm was nine kernels forward and
 * twelve backward, each with its share of the engine's bookkeeping (a small-preset step has five layer norms, a
 * tiny one three). layerNormWasm.wat makes the same IEEE float32 operations in the same order as those ops on wasm,
 * so the same floats (tested in layerNormWasm.test.ts): the gradient recomputes each row's mean and deviation from
 * x, as the webgpu kernels do, rather than keeping them. Where the module cannot use tfjs's heap (the threaded
 * build's shared memory) layerNormJs and layerNormGradJs make the same operations in JavaScript, each rounded to
 * float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../../lab/model/layers';
import { LAYER_NORM_WASM } from './layerNormWasmBinary';
import { heapModule, heapOffset as at } from './heapModule';
import { registerLabWasmKernel } from './wasmOverride';

interface Module {
  forward: (x: number, gain: number, bias: number, out: number, rows: number, width: number, eps: number) => void;
  grad: (x: number, gain: number, dy: number, dx: number, dgain: number, dbias: number, rows: number, width: number, eps: number) => void;
}

const KERNELS = heapModule<Module>(LAYER_NORM_WASM);

/** The input's rows and width and the attribute eps, after checking that the shapes fit. */
function shapeOf(name: string, x: tf.TensorInfo, vectors: tf.TensorInfo[], attrs: tf.NamedAttrMap | undefined): { rows: number; width: number; eps: number } {
  const width = x.shape[x.shape.length - 1] ?? 0;
  const eps = (attrs as { eps?: number } | undefined)?.eps ?? 1e-5;
  if (x.dtype !== 'float32' || width === 0 || vectors.some((v) => v.shape.join() !== `${width}`)) {
    throw new RangeError(`${name}: x [${x.shape.join(', ')}] with vectors of shapes ${vectors.map((v) => `[${v.shape.join(', ')}]`).join(', ')}`);
  }
  return { rows: tf.util.sizeFromShape(x.shape) / width, width, eps };
}

const f = Math.fround;

/** A row's mean and deviation as layerNormWasm.wat's $stats computes them, each operation rounded to float32. */
function statsJs(x: Float32Array, at: number, width: number, eps: number): { mean: number; std: number } {
  let sum = 0;
  for (let j = 0; j < width; j++) sum = f(sum + x[at + j]!);
  const mean = f(sum / width);
  let squares = 0;
  for (let j = 0; j < width; j++) {
    const c = f(x[at + j]! - mean);
    squares = f(squares + f(c * c));
  }
  return { mean, std: f(Math.sqrt(f(f(squares / width) + f(eps)))) };
}

/** layerNormWasm.wat's `forward` in JavaScript (Math.fround after every operation: the same floats). */
export function layerNormJs(x: Float32Array, gain: Float32Array, bias: Float32Array, out: Float32Array, width: number, eps: number): void {
  for (let at = 0; at < x.length; at += width) {
    const { mean, std } = statsJs(x, at, width, eps);
    for (let j = 0; j < width; j++) out[at + j] = f(f(f(f(x[at + j]! - mean) / std) * gain[j]!) + bias[j]!);
  }
}

/** layerNormWasm.wat's `grad` in JavaScript (the same floats). */
export function layerNormGradJs(x: Float32Array, gain: Float32Array, dy: Float32Array, dx: Float32Array, dgain: Float32Array, dbias: Float32Array, width: number, eps: number): void {
  dgain.fill(0);
  dbias.fill(0);
  for (let at = 0; at < x.length; at += width) {
    const { mean, std } = statsJs(x, at, width, eps);
    const normed = (j: number) => f(f(x[at + j]! - mean) / std);
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < width; j++) {
      const dn = f(dy[at + j]! * gain[j]!);
      s1 = f(s1 + dn);
      s2 = f(s2 + f(dn * normed(j)));
    }
    const [m1, m2] = [f(s1 / width), f(s2 / width)];
    for (let j = 0; j < width; j++) {
      const [n, d] = [normed(j), dy[at + j]!];
      const dn = f(d * gain[j]!);
      dx[at + j] = f(f(f(dn - m1) - f(n * m2)) / std);
      dgain[j] = f(dgain[j]! + f(d * n));
      dbias[j] = f(dbias[j]! + d);
    }
  }
}

const forward: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, gain, bias } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; bias: tf.TensorInfo };
  const wasm = backend as BackendWasm;
  const { rows, width, eps } = shapeOf(LAYER_NORM_KERNEL, x, [gain, bias], attrs);
  const out = wasm.makeOutput(x.shape, 'float32');
  const module = KERNELS.on(wasm);
  const view = (t: tf.TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  if (rows === 0) return out;
  if (module) module.forward(at(wasm, x), at(wasm, gain), at(wasm, bias), at(wasm, out), rows, width, eps);
  else layerNormJs(view(x), view(gain), view(bias), view(out), width, eps);
  return out;
};

const grad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, gain, dy } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; dy: tf.TensorInfo };
  const wasm = backend as BackendWasm;
  const { rows, width, eps } = shapeOf(LAYER_NORM_GRAD_KERNEL, x, [gain], attrs);
  if (dy.shape.join() !== x.shape.join()) throw new RangeError(`${LAYER_NORM_GRAD_KERNEL}: dy [${dy.shape.join(', ')}] for x [${x.shape.join(', ')}]`);
  const outs = [wasm.makeOutput(x.shape, 'float32'), wasm.makeOutput([width], 'float32'), wasm.makeOutput([width], 'float32')] as const;
  const module = KERNELS.on(wasm);
  const view = (t: tf.TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  if (module) module.grad(at(wasm, x), at(wasm, gain), at(wasm, dy), at(wasm, outs[0]), at(wasm, outs[1]), at(wasm, outs[2]), rows, width, eps);
  else layerNormGradJs(view(x), view(gain), view(dy), view(outs[0]), view(outs[1]), view(outs[2]), width, eps);
  return [...outs];
};

// Where the module compiles (no SIMD: layerNorm's ops); useLabWasmKernels switches them.
if (KERNELS.compiled) {
  registerLabWasmKernel(LAYER_NORM_KERNEL, forward);
  registerLabWasmKernel(LAYER_NORM_GRAD_KERNEL, grad);
}
