import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { cloneParams, disposeParams, initGpt, logits, sequenceLogProbs, type GptConfig } from '../model/gpt';
import type { SampleOptions } from '../model/sample';
import { dpoLoss, dpoTokenRewards, evaluateDpo } from './dpo';
import { pairLogProbs } from './pairLogProbs';
import { bradleyTerry } from './rm';
import { packPairs } from './pairBatch';
import type { PreferencePair } from './preferences';

const config: GptConfig = { vocabSize: 12, contextLength: 10, layers: 1, heads: 2, width: 8, scalarHead: false };
const pairs: PreferencePair[] = [
  { prompt: [1, 4, 5], chosen: [6, 7, 2], rejected: [8, 2], goldChosen: 1, goldRejected: 0 },
  { prompt: [1, 9], chosen: [10, 11, 4, 2], rejected: [5, 5, 5, 2], goldChosen: 0.5, goldRejected: -0.5 },
];
const softplus = (x: number) => Math.log1p(Math.exp(x));
// The action space: <pad> 0, <bos> 1 and <unk> 3 never, <eos> 2 from response position 1 on, forced at position 3.
const space: SampleOptions = { temperature: 1, topK: 0, topP: 1, maxNewTokens: 4, eos: 2, pad: 0, forbidden: [0, 1, 3], eosAllowedFrom: 1 };

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
    const ref = await pairLogProbs(sft, config, pairs, space);
    const e = await evaluateDpo(policy, config, pairs, ref, 0.1, space);
    expect(Math.abs(e.loss - Math.LN2)).toBeLessThan(1e-6);
    expect(e.margin).toBe(0);
    disposeParams(sft);
    disposeParams(policy);
  });

  it('scores responses in the action space RL samples from: illegal tokens out, the rest renormalised, a forced <eos> at 0', async () => {
    const model = initGpt(config, createRng('space'));
    const b = packPairs(pairs, config.contextLength);
    const x = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
    const all = logits(model, config, x).arraySync();
    x.dispose();
    // By hand: log-softmax over the legal actions at each response position only.
    const byHand = [...pairs.map((p) => [p.prompt, p.chosen] as const), ...pairs.map((p) => [p.prompt, p.rejected] as const)].map(([prompt, response], row) =>
      response.reduce((sum, v, h) => {
        const z = all[row]![prompt.length + h - 1]!;
        const legal = z.map((_, u) => (u === 0 || u === 1 || u === 3 ? false : u === 2 ? h >= 1 : h < 3));
        const lse = Math.log(z.reduce((a, zu, u) => a + (legal[u] ? Math.exp(zu) : 0), 0));
        return sum + (h === 3 ? 0 : (z[v] ?? NaN) - lse);
      }, 0),
    );
    const masked = await pairLogProbs(model, config, pairs, space);
    const n = pairs.length;
    [...masked.subarray(0, n)].forEach((lp, i) => expect(lp).toBeCloseTo(byHand[i]!, 4));
    [...masked.subarray(n)].forEach((lp, i) => expect(lp).toBeCloseTo(byHand[n + i]!, 4));
    // The raw softmax gives every response less probability (mass on illegal tokens is not renormalised away).
    const raw = tf.tidy(() => sequenceLogProbs(model, config, tf.tensor2d(b.ids, [b.batch, b.length], 'int32'), b.mask)).arraySync();
    raw.forEach((lp, i) => expect(lp).toBeLessThan((masked[i] ?? 0) - 1e-3)); // both laid out chosen₁, chosen₂, rejected₁, rejected₂
    disposeParams(model);
  });

  it('refuses a response with an illegal action instead of scoring it at −1e9', async () => {
    const model = initGpt(config, createRng('illegal'));
    const unk: PreferencePair = { prompt: [1, 4], chosen: [6, 3, 2], rejected: [8, 2], goldChosen: 1, goldRejected: 0 };
    await expect(pairLogProbs(model, config, [unk], space)).rejects.toThrow(/"3" at position 1.*never emits <pad>, <bos> or <unk>/);
    const early: PreferencePair = { prompt: [1, 4], chosen: [6, 2], rejected: [2], goldChosen: 1, goldRejected: 0 };
    await expect(pairLogProbs(model, config, [early], space)).rejects.toThrow(/may end \(<eos>\) from response position 1 on, here it ends at 0/);
    const long: PreferencePair = { prompt: [1, 4], chosen: [6, 7, 8, 9, 2], rejected: [8, 2], goldChosen: 1, goldRejected: 0 };
    await expect(pairLogProbs(model, config, [long], space)).rejects.toThrow(/only <eos> may follow at response position 3/);
    disposeParams(model);
  });

  it('token rewards sum to the implicit sentence reward β·(log π(y) − log πref(y)) of pairLogProbs, in the same space', async () => {
    const ref = initGpt(config, createRng('ref'));
    const pol = initGpt(config, createRng('pol'));
    const b = packPairs(pairs, config.contextLength);
    const beta = 0.1;
    const before = tf.memory().numTensors;
    const t = dpoTokenRewards(pol, ref, config, b, beta, space);
    const tokens = t.arraySync();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const lpPol = await pairLogProbs(pol, config, pairs, space);
    const lpRef = await pairLogProbs(ref, config, pairs, space);
    const sentence = [0, 1, 2, 3].map((k) => beta * ((lpPol[k] ?? 0) - (lpRef[k] ?? 0))); // chosen₁, chosen₂, rejected₁, rejected₂, as the rows
    tokens.forEach((row, i) => {
      expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(sentence[i]!, 5);
      // Prompt and padding carry no reward, and the forced <eos> of chosen₂ none either (log-prob 0 in both).
      row.forEach((x, t) => (b.mask[i * b.length + t] ? null : expect(x).toBe(0)));
    });
    expect(tokens[1]![pairs[1]!.prompt.length + 3]).toBe(0);
    expect(sentence.some((x) => Math.abs(x) > 1e-3)).toBe(true);
    disposeParams(ref);
    disposeParams(pol);
  });
});
