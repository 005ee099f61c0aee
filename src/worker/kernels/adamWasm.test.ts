/**
 * Adam's wasm kernel (adamWasm.ts) against Adam.applyFlat's tfjs ops, on the same backend: the same weights and
 * moments to the bit, step after step, for an applied step (ok true, and no ok), a refused one (ok false) and
 * parameters whose sizes are not multiples of four (the kernel's tail).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng, normalArray } from '../../lab/rng';
import { Adam, ADAM_KERNEL } from '../../lab/train/optim';
import { adamJs } from './adamWasm';
import { useLabWasmKernels } from './wasmOverride';

const SHAPES: [number, ...number[]][] = [[7, 5], [3], [16, 4], [1]];

function model(): Map<string, tf.Variable> {
  return new Map(SHAPES.map((shape, i) => [`p${i}`, tf.variable(tf.tensor(normalArray(createRng(`adam-kernel:${i}`), tf.util.sizeFromShape(shape)), shape), true, `adam-kernel-${i}-${Math.random()}`)]));
}

/** Each side's weights and moments, as plain numbers. */
async function stateOf(params: Map<string, tf.Variable>, adam: Adam): Promise<number[][]> {
  const state = await adam.exportState();
  return [...[...params.values()].map((p) => Array.from(p.dataSync())), ...state.m.map((b) => Array.from(b.data)), ...state.v.map((b) => Array.from(b.data))];
}

describe("Adam's update as one wasm kernel", () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('gives the floats of the tfjs ops, for applied and refused steps, without leaking tensors', async () => {
    expect(tf.getKernel(ADAM_KERNEL, 'wasm')).toBeDefined();
    const sides = [0, 1].map(() => {
      const params = model();
      return { params, adam: new Adam(params) };
    });
    const n = SHAPES.reduce((a, s) => a + tf.util.sizeFromShape(s), 0);
    const rng = createRng('adam-kernel:grads');
    const before = tf.memory().numTensors;
    for (const [k, okValue] of [true, undefined, false, true, true, false, undefined].entries()) {
      const grad = tf.tensor1d(normalArray(rng, n).map((x) => x * (k + 1)));
      const ok = okValue === undefined ? undefined : tf.scalar(okValue, 'bool');
      for (const [side, { adam }] of sides.entries()) {
        // Side 0 runs the tfjs ops (the kernel switched off, so unregistered, for the call), side 1 the kernel.
        useLabWasmKernels(true, side === 0 ? [ADAM_KERNEL] : []);
        try {
          adam.applyFlat(grad, 0.01 * (k + 1), ok);
        } finally {
          useLabWasmKernels(true);
        }
      }
      tf.dispose([grad, ...(ok ? [ok] : [])]);
      const [ops, kernel] = await Promise.all(sides.map((s) => stateOf(s.params, s.adam)));
      expect(kernel).toEqual(ops);
    }
    expect(tf.memory().numTensors).toBe(before);
    // The steps moved the weights: a kernel that copied its inputs would fail above only if the ops did too.
    const [start, end] = [model(), sides[1]!.params];
    expect([...end.values()].some((p, i) => Array.from(p.dataSync()).some((x, j) => x !== [...start.values()][i]!.dataSync()[j]))).toBe(true);
    for (const { params, adam } of sides) {
      adam.dispose();
      tf.dispose([...params.values()]);
    }
    tf.dispose([...start.values()]);
  });

  it("has a JavaScript twin for a heap the module cannot use (the threaded build's), with the module's floats", () => {
    const rng = createRng('adam-js');
    const n = 23;
    const [g, m, w] = [0, 1, 2].map(() => Float32Array.from(normalArray(rng, n)));
    const v = Float32Array.from(normalArray(rng, n), (x) => x * x);
    const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, lr: 0.03, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
    const want = tf.tidy(() => {
      const outs = tf.engine().runKernel(ADAM_KERNEL, { grad: tf.tensor1d(g!), m: tf.tensor1d(m!), v: tf.tensor1d(v), w0: tf.tensor1d(w!) }, hyper as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return outs.map((t) => Array.from(t.dataSync()));
    });
    const got = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
    adamJs(g!, m!, v, w!, ...got, { b1: hyper.beta1, a1: 1 - hyper.beta1, b2: hyper.beta2, a2: 1 - hyper.beta2, c1: hyper.c1, c2: hyper.c2, eps: hyper.eps, lr: hyper.lr });
    expect(got.map((a) => Array.from(a))).toEqual(want);
    expect(want[2]!.some((x, i) => x !== w![i])).toBe(true);
  });
});
