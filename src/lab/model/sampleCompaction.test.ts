import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng, type Rng } from '../rng';
import { decodeStep, disposeKvCache, emptyKvCache, KV_WRITE_KERNEL } from './decode';
import { initGpt, type GptConfig, type Params } from './gpt';
import { chooseToken, decodeRowsFor, sampleResponses, type SampleBatch, type SampleOptions } from './sample';

const config: GptConfig = { vocabSize: 12, contextLength: 12, layers: 2, heads: 2, width: 8, scalarHead: false };
const options: SampleOptions = { temperature: 1.5, topK: 0, topP: 1, maxNewTokens: 7, eos: 2, pad: 0, forbidden: [0, 1, 3], eosAllowedFrom: 1 };

/** The decoder before rows left the batch: every row decoded at every step until all have ended. */
async function fullBatchReference(params: Params, prompts: number[][], rng: Rng): Promise<{ ids: number[]; responses: number[][] }> {
  const B = prompts.length;
  const L = Math.max(...prompts.map((p) => p.length)) + options.maxNewTokens;
  const ids = new Int32Array(B * L).fill(options.pad);
  prompts.forEach((p, b) => ids.set(p, b * L));
  const done = prompts.map(() => false);
  const responses: number[][] = prompts.map(() => []);
  let cache = emptyKvCache(config, B, L);
  for (let t = 0; t < L - 1 && done.some((d) => !d); t++) {
    const column = Int32Array.from({ length: B }, (_, b) => ids[b * L + t]!);
    const choosing = prompts.map((p, b) => t >= p.length - 1 && !done[b]);
    const step = decodeStep(params, config, cache, column, t, choosing.some(Boolean));
    cache = step.cache;
    if (!step.logits) continue;
    const rows = step.logits.dataSync() as Float32Array;
    step.logits.dispose();
    for (let b = 0; b < B; b++) {
      if (!choosing[b]) continue;
      const token = chooseToken(rows.subarray(b * config.vocabSize, (b + 1) * config.vocabSize), responses[b]!.length, options, rng);
      ids[b * L + t + 1] = token;
      responses[b]!.push(token);
      if (token === options.eos) done[b] = true;
    }
  }
  disposeKvCache(cache);
  return { ids: Array.from(ids), responses };
}

describe('the decoder drops rows that have ended', () => {
  let params: Params;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    params = initGpt(config, createRng('compaction-test'));
    for (const p of params.values()) if (p.shape.length === 2) p.assign(tf.mul(p, 20));
  });

  it('shrinks the batch along a ladder of at most eight sizes', () => {
    expect(decodeRowsFor(256, 256)).toBe(256);
    expect(decodeRowsFor(225, 256)).toBe(256);
    expect(decodeRowsFor(224, 256)).toBe(224);
    expect(decodeRowsFor(1, 256)).toBe(32);
    expect(decodeRowsFor(0, 256)).toBe(0);
    expect(decodeRowsFor(3, 5)).toBe(3);
    expect(new Set(Array.from({ length: 65 }, (_, live) => decodeRowsFor(live, 64)).filter((n) => n > 0)).size).toBe(8);
  });

  it('samples the same tokens as the full batch, and frees every cache it replaces', async () => {
    const rng = createRng('compaction-prompts');
    const prompts = Array.from({ length: 40 }, () => [1, ...Array.from({ length: 1 + rng.int(4) }, () => 4 + rng.int(8))]);
    for (const seed of [1, 2, 3]) {
      const before = tf.memory().numTensors;
      const sampled: { batch?: SampleBatch } = {};
      const profile = await tf.profile(async () => {
        sampled.batch = await sampleResponses(params, config, prompts, options, createRng(seed));
      });
      expect(tf.memory().numTensors).toBe(before);
      const got = sampled.batch!;
      const want = await fullBatchReference(params, prompts, createRng(seed));
      expect(got.responses).toEqual(want.responses);
      expect(Array.from(got.ids)).toEqual(want.ids);
      // The batch did shrink: the cache writes ran on more than one batch size, each one of the ladder's.
      const sizes = new Set(profile.kernels.filter((k) => k.name === KV_WRITE_KERNEL).map((k) => k.inputShapes[0]?.[0]));
      expect(sizes.size).toBeGreaterThan(1);
      for (const n of sizes) expect([40, 35, 30, 25, 20, 15, 10, 5]).toContain(n);
    }
  });
});
