import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { decodeStep, disposeKvCache, emptyKvCache } from './decode';
import { initGpt, logits, type GptConfig, type Params } from './gpt';

const config: GptConfig = { vocabSize: 17, contextLength: 10, layers: 2, heads: 2, width: 8, scalarHead: false };

describe('decoding with a key/value cache', () => {
  let params: Params;
  beforeAll(async () => {
    await useNodeBackend('cpu');
    params = initGpt(config, createRng('decode-test'));
    // Far from GPT-2's small init, so attention is sharp and a wrong key or position would show.
    for (const p of params.values()) if (p.shape.length === 2) p.assign(tf.mul(p, 30));
  });

  it('gives the full forward pass’s logits at every position, and frees what it replaces', () => {
    const B = 3;
    const L = 9;
    const rng = createRng(4);
    const ids = Int32Array.from({ length: B * L }, () => Math.floor(rng.next() * config.vocabSize));
    const full = logits(params, config, tf.tensor2d(ids, [B, L], 'int32')).arraySync();
    const before = tf.memory().numTensors;
    let cache = emptyKvCache(config, B, L);
    let worst = 0;
    let scale = 0;
    for (let t = 0; t < L; t++) {
      const column = Int32Array.from({ length: B }, (_, b) => ids[b * L + t] ?? 0);
      const step = decodeStep(params, config, cache, column, t, true);
      cache = step.cache;
      const got = step.logits?.arraySync() ?? [];
      step.logits?.dispose();
      for (let b = 0; b < B; b++) {
        for (let v = 0; v < config.vocabSize; v++) {
          const want = full[b]?.[t]?.[v] ?? NaN;
          worst = Math.max(worst, Math.abs((got[b]?.[v] ?? NaN) - want));
          scale = Math.max(scale, Math.abs(want));
        }
      }
    }
    disposeKvCache(cache);
    expect(scale).toBeGreaterThan(1); // logits far from 0: the comparison means something
    expect(worst).toBeLessThan(1e-4 * scale);
    expect(tf.memory().numTensors).toBe(before); // every replaced cache and the last one are disposed
  });

  it('skips the output layer when no logits are wanted, and refuses positions outside the cache', () => {
    const cache = emptyKvCache(config, 2, 4);
    const step = decodeStep(params, config, cache, Int32Array.from([1, 2]), 0, false);
    expect(step.logits).toBeNull();
    expect(() => decodeStep(params, config, step.cache, Int32Array.from([1, 2]), 4, true)).toThrow(/outside the cache/);
    disposeKvCache(step.cache);
  });
});
