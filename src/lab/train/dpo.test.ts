import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { cloneParams, disposeParams, initGpt, sequenceLogProbs, type GptConfig } from '../model/gpt';
import { dpoLoss, dpoTokenRewards, evaluateDpo, pairLogProbs } from './dpo';
import { bradleyTerry } from './rm';
import { packPairs } from './pairBatch';
import type { PreferencePair } from './preferences';

const config: GptConfig = { vocabSize: 12, contextLength: 10, layers: 1, heads: 2, width: 8, scalarHead: false };
const pairs: PreferencePair[] = [
  { prompt: [1, 4, 5], chosen: [6, 7, 2], rejected: [8, 2], goldChosen: 1, goldRejected: 0 },
  { prompt: [1, 9], chosen: [10, 11, 4, 2], rejected: [5, 5, 5, 2], goldChosen: 0.5, goldRejected: -0.5 },
];
const softplus = (x: number) => Math.log1p(Math.exp(x));

describe('reward-model and DPO losses, by hand on two pairs', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('Bradley–Terry: mean(−log σ(r_w − r_l)) and accuracy', () => {
    // Scores laid out [chosen₁, chosen₂, rejected₁, rejected₂].
    const { loss, metrics } = bradleyTerry(tf.tensor1d([2, -1, 0.5, 1]), 2);
    const expected = (softplus(-(2 - 0.5)) + softplus(-(-1 - 1))) / 2;
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(Array.from(metrics.dataSync())).toEqual([0.5, 0.5, 0.75].map((x) => expect.closeTo(x, 6)));
  });

  it('DPO: mean(−log σ(β z)) with z from summed log-probs, and TRL reward metrics', () => {
    const beta = 0.1;
    // policy and reference log-probs [chosen₁, chosen₂, rejected₁, rejected₂]
    const policy = [-10, -12, -9, -15];
    const reference = [-11, -12, -8, -14];
    const { loss, metrics } = dpoLoss(tf.tensor1d(policy), tf.tensor1d(reference), beta, 2);
    const z1 = (-10 + 11) - (-9 + 8); // 2
    const z2 = (-12 + 12) - (-15 + 14); // 1
    expect(loss.dataSync()[0]).toBeCloseTo((softplus(-beta * z1) + softplus(-beta * z2)) / 2, 6);
    const [chosen, rejected, margin, accuracy] = Array.from(metrics.dataSync());
    expect(chosen).toBeCloseTo((0.1 * 1 + 0.1 * 0) / 2, 6);
    expect(rejected).toBeCloseTo((0.1 * -1 + 0.1 * -1) / 2, 6);
    expect(margin).toBeCloseTo(0.15, 6);
    expect(accuracy).toBe(1);
  });

  it('is exactly ln 2 at step 0, when the policy is the reference', async () => {
    const sft = initGpt(config, createRng('dpo-step0'));
    const policy = cloneParams(sft);
    const ref = await pairLogProbs(sft, config, pairs);
    const e = await evaluateDpo(policy, config, pairs, ref, 0.1);
    expect(Math.abs(e.loss - Math.LN2)).toBeLessThan(1e-6);
    expect(e.margin).toBe(0);
    disposeParams(sft);
    disposeParams(policy);
  });

  it('token rewards sum to the implicit sentence reward β·(log π(y) − log πref(y))', () => {
    const ref = initGpt(config, createRng('ref'));
    const pol = initGpt(config, createRng('pol'));
    const b = packPairs(pairs, config.contextLength);
    const ids = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
    const mask = tf.tensor2d(b.mask, [b.batch, b.length]);
    const beta = 0.1;
    const tokens = dpoTokenRewards(pol, ref, config, ids, mask, beta).arraySync();
    const sentence = tf.mul(beta, tf.sub(sequenceLogProbs(pol, config, ids, b.mask), sequenceLogProbs(ref, config, ids, b.mask))).arraySync() as number[];
    tokens.forEach((row, i) => {
      expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(sentence[i]!, 5);
      // Prompt and padding carry no reward.
      row.forEach((x, t) => (b.mask[i * b.length + t] ? null : expect(x).toBe(0)));
    });
    expect(sentence.some((x) => Math.abs(x) > 1e-3)).toBe(true);
    disposeParams(ref);
    disposeParams(pol);
  });
});
