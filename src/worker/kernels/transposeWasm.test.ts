/**
 * transposeSumWasm.wat's kernels against tfjs-wasm's own Transpose and Sum, run in the same process: the same values
 * to the bit, shapes and dtypes, on the shapes a training step makes (a power of two of rows among them), tails that
 * are not whole tiles, the cases left to tfjs, and the gradients they sit in.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng, normalArray } from '../../lab/rng';
import { registerTransposeWasm } from './transposeWasm';
import { useLabWasmKernels } from './wasmOverride';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** `f` with the lab's kernels and with tfjs-wasm's own: the same values (to the bit), shapes and dtypes. */
function expectSame(f: () => tf.Tensor): void {
  const run = (on: boolean) => {
    useLabWasmKernels(on);
    try {
      const t = tf.tidy(f);
      const result = { values: Array.from(t.dataSync()), shape: t.shape, dtype: t.dtype };
      t.dispose();
      return result;
    } finally {
      useLabWasmKernels(true);
    }
  };
  const [ours, theirs] = [run(true), run(false)];
  expect(ours.shape).toEqual(theirs.shape);
  expect(ours.dtype).toEqual(theirs.dtype);
  expect(ours.values).toEqual(theirs.values);
}

const rng = createRng('transpose-wasm');
const random = (shape: number[], scale = 1) => tf.tensor(normalArray(rng, tf.util.sizeFromShape(shape), scale), shape);

describe('Transpose and Sum on wasm', () => {
  it('are in front of the wasm backend', () => {
    expect(registerTransposeWasm()).toBe(true);
  });

  it("swap the last two axes as tfjs-wasm's Transpose does: 2-D to 4-D, tails that are not whole tiles, int32", () => {
    for (const shape of [[1024, 256], [1056, 64], [17, 33], [1, 5], [3, 40, 19], [2, 3, 16, 17], [0, 4]]) {
      const x = random(shape);
      expectSame(() => tf.transpose(x, [...shape.slice(0, -2).map((_, i) => i), shape.length - 1, shape.length - 2]));
      x.dispose();
    }
    const ints = tf.tensor2d(Int32Array.from({ length: 35 * 18 }, (_, i) => i * 7 - 100), [35, 18], 'int32');
    expectSame(() => tf.transpose(ints));
    ints.dispose();
  });

  it('leave other permutations to tfjs', () => {
    const x = random([2, 3, 4, 5]);
    expectSame(() => tf.transpose(x, [0, 2, 1, 3]));
    expectSame(() => tf.transpose(x, [3, 2, 1, 0]));
    x.dispose();
  });

  it('sum over leading axes to the same floats as tfjs-wasm (values of mixed scale, so the order of the adds shows)', () => {
    for (const [shape, axis] of [
      [[1024, 64], 0],
      [[646, 1439], 0],
      [[1056, 256], [0]],
      [[4, 33, 16], [0, 1]],
      [[4, 33, 16], [1, 0]],
      [[7, 5], -2],
    ] as [number[], number | number[]][]) {
      const x = tf.tidy(() => tf.mul(random(shape), tf.exp(random(shape, 4))));
      expectSame(() => tf.sum(x, axis));
      expectSame(() => tf.sum(x, axis, true));
      x.dispose();
    }
    const ints = tf.tensor2d(Int32Array.from({ length: 40 * 3 }, (_, i) => (i % 2 ? 2 ** 30 : -(i * 13))), [40, 3], 'int32');
    expectSame(() => tf.sum(ints, 0));
    ints.dispose();
  });

  it('leave the other sums to tfjs, and the gradients of a bias and a layer norm agree to the bit', () => {
    const x = random([6, 5, 4]);
    expectSame(() => tf.sum(x, -1));
    expectSame(() => tf.sum(x, [0, 2]));
    expectSame(() => tf.sum(x));
    const b = random([4]);
    expectSame(() => tf.grad((bb: tf.Tensor) => tf.sum(tf.mul(tf.add(x, bb), x)))(b));
    tf.dispose([x, b]);
  });

  it('leak nothing', () => {
    const x = random([64, 48]);
    const before = tf.memory().numTensors;
    tf.dispose([tf.transpose(x), tf.sum(x, 0), tf.sum(x, 0, true)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
