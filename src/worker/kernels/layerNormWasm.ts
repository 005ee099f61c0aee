/**
 * Layer normalisation's forward pass and gradient as one kernel each on tfjs-backend-wasm (docs/profile.md, change
 * 13): src/lab/model/layers.ts's LAYER_NORM_KERNEL and LAYER_NORM_GRAD_KERNEL, which layerNorm uses wherever a
 * backend registers them (webgpu: layerNormWebgpu.ts). With tfjs's ops a layer norm was nine kernels forward and
 * twelve backward, each with its share of the engine's bookkeeping (a small-preset step has five layer norms, a
 * tiny one three). layerNormWasm.wat makes the same IEEE float32 operations in the same order as those ops on wasm,
 * so the same floats (tested in layerNormWasm.test.ts): the gradient recomputes each row's mean and deviation from
 * x, as the webgpu kernels do, rather than keeping them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../../lab/model/layers';
import { LAYER_NORM_WASM } from './layerNormWasmBinary';
import { heapModule, heapOffset as at } from './heapModule';

interface Module {
  forward: (x: number, gain: number, bias: number, out: number, rows: number, width: number, eps: number) => void;
  grad: (x: number, gain: number, dy: number, dx: number, dgain: number, dbias: number, rows: number, width: number, eps: number) => void;
}

const KERNELS = heapModule<Module>(LAYER_NORM_WASM);

/** The module on this backend and the input's rows and width, after checking that the shapes fit. */
function setup(name: string, backend: BackendWasm, x: tf.TensorInfo, vectors: tf.TensorInfo[], attrs: tf.NamedAttrMap | undefined): { module: Module; rows: number; width: number; eps: number } {
  const width = x.shape[x.shape.length - 1] ?? 0;
  const eps = (attrs as { eps?: number } | undefined)?.eps ?? 1e-5;
  if (x.dtype !== 'float32' || width === 0 || vectors.some((v) => v.shape.join() !== `${width}`)) {
    throw new RangeError(`${name}: x [${x.shape.join(', ')}] with vectors of shapes ${vectors.map((v) => `[${v.shape.join(', ')}]`).join(', ')}`);
  }
  const module = KERNELS.on(backend);
  if (!module) throw new Error(`${name}: the kernel module is not available on this backend`);
  return { module, rows: tf.util.sizeFromShape(x.shape) / width, width, eps };
}

const forward: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, gain, bias } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; bias: tf.TensorInfo };
  const wasm = backend as BackendWasm;
  const { module, rows, width, eps } = setup(LAYER_NORM_KERNEL, wasm, x, [gain, bias], attrs);
  const out = wasm.makeOutput(x.shape, 'float32');
  if (rows > 0) module.forward(at(wasm, x), at(wasm, gain), at(wasm, bias), at(wasm, out), rows, width, eps);
  return out;
};

const grad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, gain, dy } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; dy: tf.TensorInfo };
  const wasm = backend as BackendWasm;
  const { module, rows, width, eps } = setup(LAYER_NORM_GRAD_KERNEL, wasm, x, [gain], attrs);
  if (dy.shape.join() !== x.shape.join()) throw new RangeError(`${LAYER_NORM_GRAD_KERNEL}: dy [${dy.shape.join(', ')}] for x [${x.shape.join(', ')}]`);
  const outs = [wasm.makeOutput(x.shape, 'float32'), wasm.makeOutput([width], 'float32'), wasm.makeOutput([width], 'float32')] as const;
  module.grad(at(wasm, x), at(wasm, gain), at(wasm, dy), at(wasm, outs[0]), at(wasm, outs[1]), at(wasm, outs[2]), rows, width, eps);
  return [...outs];
};

/** Registers both kernels with the wasm backend where the module compiles (once). */
export function registerLayerNormWasm(): boolean {
  if (!KERNELS.compiled) return false;
  for (const [kernelName, kernelFunc] of [[LAYER_NORM_KERNEL, forward], [LAYER_NORM_GRAD_KERNEL, grad]] as const) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return true;
}

registerLayerNormWasm();
