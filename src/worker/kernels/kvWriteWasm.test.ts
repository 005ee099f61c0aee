import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { decodeStep, disposeKvCache, emptyKvCache, KV_WRITE_KERNEL } from '../../lab/model/decode';
import { initGpt, type GptConfig } from '../../lab/model/gpt';
import { createRng } from '../../lab/rng';
import './kvWriteWasm';
import { useLabWasmKernels } from './wasmOverride';

beforeAll(async () => {
  await useNodeBackend('wasm');
});
afterEach(() => useLabWasmKernels(true));

const randomTensor = (shape: number[], seed: string) => {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.next() * 4 - 2), shape);
};

/** The decoder's fallback: the one-hot blend. */
function blend(cache: tf.Tensor4D, x: tf.Tensor4D, t: number): tf.Tensor {
  return tf.tidy(() => {
    const at = new Float32Array(cache.shape[2]);
    at[t] = 1;
    const write = tf.tensor4d(at, [1, 1, cache.shape[2], 1]);
    return tf.add(tf.mul(cache, tf.sub(1, write)), tf.mul(write, x));
  });
}

describe('the wasm key/value cache write', () => {
  it('equals the one-hot blend exactly, at every position, and leaves its input unchanged', () => {
    const cache = randomTensor([3, 2, 5, 4], 'cache') as tf.Tensor4D;
    const x = randomTensor([3, 2, 1, 4], 'x') as tf.Tensor4D;
    const before = Array.from(cache.dataSync());
    for (let t = 0; t < 5; t++) {
      const ours = tf.engine().runKernel(KV_WRITE_KERNEL, { cache, x }, { position: t }) as tf.Tensor;
      const theirs = blend(cache, x, t);
      expect(ours.shape).toEqual(cache.shape);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
      // Row 1, head 0, position t holds x's row 1, head 0.
      expect(Array.from(ours.dataSync().subarray((2 * 5 + t) * 4, (2 * 5 + t) * 4 + 4))).toEqual(Array.from(x.dataSync().subarray(8, 12)));
      tf.dispose([ours, theirs]);
    }
    expect(Array.from(cache.dataSync())).toEqual(before);
    tf.dispose([cache, x]);
  });

  it('refuses a position outside the cache and a value of the wrong shape', () => {
    const cache = tf.zeros([2, 2, 4, 3]);
    const x = tf.zeros([2, 2, 1, 3]);
    expect(() => tf.engine().runKernel(KV_WRITE_KERNEL, { cache, x }, { position: 4 })).toThrow(/position 4/);
    expect(() => tf.engine().runKernel(KV_WRITE_KERNEL, { cache, x: tf.zeros([2, 2, 1, 2]) }, { position: 0 })).toThrow(/x \[2, 2, 1, 2\]/);
    tf.dispose([cache, x]);
  });

  it('gives the decoder the same logits and cache as the blend, with no tensor left behind', () => {
    const config: GptConfig = { vocabSize: 23, contextLength: 9, layers: 2, heads: 2, width: 8, scalarHead: false };
    const params = initGpt(config, createRng('kv-write'));
    const tokens = Int32Array.from([4, 7, 11]);
    const run = () => {
      let cache = emptyKvCache(config, 3, 9);
      const out: number[][] = [];
      for (let t = 0; t < 9; t++) {
        const step = decodeStep(params, config, cache, tokens.map((v) => (v + t) % 23), t, true);
        cache = step.cache;
        out.push(Array.from(step.logits!.dataSync()));
        step.logits!.dispose();
      }
      out.push(...cache.keys.map((k) => Array.from(k.dataSync())), ...cache.values.map((v) => Array.from(v.dataSync())));
      disposeKvCache(cache);
      return out;
    };
    const start = tf.memory().numTensors;
    const ours = run();
    useLabWasmKernels(true, [KV_WRITE_KERNEL]); // the blend
    expect(tf.getKernel(KV_WRITE_KERNEL, 'wasm')).toBeUndefined();
    const theirs = run();
    expect(ours).toEqual(theirs);
    expect(tf.memory().numTensors).toBe(start);
    params.forEach((p) => p.dispose());
  });
});
