/**
 * Two kernels in front of tfjs-backend-wasm's, for the shapes a training step's gradients make (docs/profile.md,
 * change 10): a swap of the last two axes (Transpose; matMulT's gradients take one of every activation) and a sum
 * over the leading axes (Sum; every bias gradient, and the layer norms' gain and bias gradients). tfjs-wasm 4.22
 * transposes one number at a time, writing with a stride of the row count, and sums over axis 0 by transposing
 * first: on [1,024, 64] and [1,024, 256], a power of two of rows, every write of that loop lands in the same few
 * cache sets, and the reference step's Sums took 16 ms where its 1,056 rows had taken 2.6.
 * transposeSumWasm.wat does both in SIMD in tfjs's own heap: the transpose in 4 × 4 tiles (numbers moved, not
 * computed), the sum four columns at a time, each column's rows added in order onto 0 as tfjs's loop adds them
 * (the same floats). Other permutations and sums, int32, and a build whose heap cannot be had stay with tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapModule, heapOffset as at } from './heapModule';
import { TRANSPOSE_SUM_WASM } from './transposeSumWasmBinary';
import { overrideWasmKernel } from './wasmOverride';

interface Module {
  colsum: (x: number, out: number, rows: number, cols: number) => void;
  transpose: (x: number, out: number, batch: number, rows: number, cols: number) => void;
}

const KERNELS = heapModule<Module>(TRANSPOSE_SUM_WASM);

/** Whether `perm` keeps the leading axes and swaps the last two. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  return r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, r - 2).every((p, i) => p === i);
}

export function registerTransposeWasm(): boolean {
  const transpose = overrideWasmKernel(tf.Transpose, (original) => KERNELS.compiled ? ((args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const backend = args.backend as BackendWasm;
    const module = x.dtype === 'float32' && swapsLastTwo(perm) && tf.util.sizeFromShape(x.shape) > 0 ? KERNELS.on(backend) : null;
    if (!module) return original(args);
    const r = x.shape.length;
    const [rows, cols] = [x.shape[r - 2]!, x.shape[r - 1]!];
    const out = backend.makeOutput([...x.shape.slice(0, r - 2), cols, rows], 'float32');
    module.transpose(at(backend, x), at(backend, out), tf.util.sizeFromShape(x.shape) / (rows * cols), rows, cols);
    return out;
  }) : null);
  const sum = overrideWasmKernel(tf.Sum, (original) => KERNELS.compiled ? ((args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    // The leading axes in this order only: tfjs adds the reduced axes in the order given ([1, 0] takes the rows in
    // another order).
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const backend = args.backend as BackendWasm;
    const module = x.dtype === 'float32' && leading && tf.util.sizeFromShape(x.shape) > 0 ? KERNELS.on(backend) : null;
    if (!module) return original(args);
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const cols = tf.util.sizeFromShape(kept);
    module.colsum(at(backend, x), at(backend, out), tf.util.sizeFromShape(x.shape) / cols, cols);
    return out;
  }) : null);
  return transpose && sum;
}

registerTransposeWasm();
