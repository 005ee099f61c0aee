/**
 * Layer normalisation's wasm kernels (layerNormWasm.ts) against layers.ts's tfjs ops on the same backend: the output
 * and the three gradients to the bit, on 2-D and 3-D inputs, widths with and without a multiple of four, far from
 * unit scale.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm } from '../../lab/model/layers';
import { createRng, normalArray } from '../../lab/rng';
import { layerNormGradJs, layerNormJs } from './layerNormWasm';
import { useLabWasmKernels } from './wasmOverride';

/** layerNorm's output and gradients (x, gain, bias) under a random upstream gradient, as plain numbers. */
function run(shape: number[], seed: string): number[][] {
  const rng = createRng(seed);
  const width = shape[shape.length - 1]!;
  const size = tf.util.sizeFromShape(shape);
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tf.tensor(normalArray(rng, size), shape), 3), 1.5);
    const gain = tf.tensor1d(normalArray(rng, width));
    const bias = tf.tensor1d(normalArray(rng, width));
    const dy = tf.tensor(normalArray(rng, size), shape);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D), dy));
    const grads = tf.grads(f)([x, gain, bias]);
    return [layerNorm(x, gain, bias), ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('layer normalisation as wasm kernels', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('gives the floats of the tfjs ops, forward and backward', () => {
    expect(tf.getKernel(LAYER_NORM_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(LAYER_NORM_GRAD_KERNEL, 'wasm')).toBeDefined();
    for (const shape of [[37, 64], [3, 5, 6], [1, 7]]) {
      const seed = `layer-norm-kernel:${shape.join('x')}`;
      const before = tf.memory().numTensors;
      const kernels = run(shape, seed);
      useLabWasmKernels(true, [LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL]);
      let ops: number[][];
      try {
        expect(tf.getKernel(LAYER_NORM_KERNEL, 'wasm')).toBeUndefined();
        ops = run(shape, seed);
      } finally {
        useLabWasmKernels(true);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(kernels.map((v) => v.length)).toEqual([shape, shape, [shape.at(-1)!], [shape.at(-1)!]].map((s) => tf.util.sizeFromShape(s)));
      kernels.forEach((values, i) => expect(values, `output ${i} of [${shape.join(', ')}]`).toEqual(ops[i]));
      // Not trivially equal: every gradient has entries far from zero.
      for (const values of kernels.slice(1)) expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.1);
    }
  });

  it("has a JavaScript twin for a heap the module cannot use (the threaded build's), with the module's floats", () => {
    const rng = createRng('layer-norm-js');
    for (const [rows, width] of [[9, 64], [4, 7]] as const) {
      const [x, gain, bias, dy] = [rows * width, width, width, rows * width].map((n) => Float32Array.from(normalArray(rng, n), (v) => v * 2 + 0.5));
      const [want, dx, dgain, dbias] = tf.tidy(() => {
        const xt = tf.tensor2d(x!, [rows, width]);
        const out = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xt, gain: tf.tensor1d(gain!), bias: tf.tensor1d(bias!) }, { eps: 1e-5 }) as tf.Tensor;
        const grads = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: xt, gain: tf.tensor1d(gain!), dy: tf.tensor2d(dy!, [rows, width]) }, { eps: 1e-5 }) as tf.Tensor[];
        return [out, ...grads].map((t) => t.dataSync() as Float32Array);
      });
      const out = new Float32Array(rows * width);
      layerNormJs(x!, gain!, bias!, out, width, 1e-5);
      expect(Array.from(out)).toEqual(Array.from(want!));
      const got = [new Float32Array(rows * width), new Float32Array(width), new Float32Array(width)] as const;
      layerNormGradJs(x!, gain!, dy!, ...got, width, 1e-5);
      expect(got.map((a) => Array.from(a))).toEqual([dx!, dgain!, dbias!].map((a) => Array.from(a)));
    }
  });
});
