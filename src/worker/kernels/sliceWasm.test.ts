import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../../lab/rng';
import { registerSliceWasm } from './sliceWasm';
import { useLabWasmKernels } from './wasmOverride';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** `f` run with the lab's kernels (on) and with tfjs-wasm's own (off): the values, shapes and dtypes of each. */
function both(f: () => tf.Tensor | tf.Tensor[]): { ours: tf.TypedArray[]; theirs: tf.TypedArray[]; shapes: number[][] } {
  const run = (on: boolean) => {
    useLabWasmKernels(on);
    try {
      const out = tf.tidy(f);
      const list = Array.isArray(out) ? out : [out];
      const result = { values: list.map((t) => t.dataSync()), shapes: list.map((t) => t.shape), dtypes: list.map((t) => t.dtype) };
      tf.dispose(list);
      return result;
    } finally {
      useLabWasmKernels(true);
    }
  };
  const ours = run(true);
  const theirs = run(false);
  expect(ours.shapes).toEqual(theirs.shapes);
  expect(ours.dtypes).toEqual(theirs.dtypes);
  return { ours: ours.values, theirs: theirs.values, shapes: ours.shapes };
}

function expectSame(f: () => tf.Tensor | tf.Tensor[]): void {
  const { ours, theirs } = both(f);
  ours.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(theirs[i]!)));
}

const counting = (shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
  tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i + 1), shape, dtype);

describe('Slice and SplitV on wasm', () => {
  it('are in front of the wasm backend', () => {
    expect(registerSliceWasm()).toBe(true);
  });

  it("split as tfjs-wasm's kernels do: the flat update, q/k/v, uneven pieces, every axis", () => {
    const flat = counting([1000]);
    expectSame(() => tf.split(flat, [100, 1, 299, 600]));
    const qkv = counting([4, 12, 5, 3]);
    expectSame(() => tf.split(qkv, 3, 1));
    for (let axis = 0; axis < 4; axis++) expectSame(() => tf.split(qkv, [1, qkv.shape[axis]! - 1], axis));
    expectSame(() => tf.split(qkv, [2, 0, 3], 2)); // an empty piece
    tf.dispose([flat, qkv]);
  });

  it('slices ranks 1 to 6, in float32, int32 and bool', () => {
    const rng = createRng('slices');
    for (let rank = 1; rank <= 6; rank++) {
      for (let trial = 0; trial < 12; trial++) {
        const shape = Array.from({ length: rank }, () => 1 + rng.int(4));
        const begin = shape.map((d) => rng.int(d));
        const size = shape.map((d, i) => (rng.next() < 0.3 ? -1 : 1 + rng.int(d - begin[i]!)));
        for (const dtype of ['float32', 'int32'] as const) {
          const x = counting(shape, dtype);
          expectSame(() => tf.slice(x, begin, size));
          x.dispose();
        }
        const mask = tf.tidy(() => tf.greater(counting(shape), 2));
        expectSame(() => tf.slice(mask, begin, size));
        mask.dispose();
      }
    }
  });

  it("gives concat's and split's gradients as tfjs's kernels do, and leaks nothing", () => {
    const a = counting([3, 5]);
    const b = counting([3, 2]);
    const f = (x: tf.Tensor, y: tf.Tensor) => {
      const [p, q] = tf.split(tf.concat([x, y], 1).square(), [4, 3], 1);
      return p!.sum().add(q!.mul(3).sum());
    };
    const grads = () => tf.grads(f)([a, b]);
    expectSame(grads);
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    expectSame(grads);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([a, b]);
  });
});
