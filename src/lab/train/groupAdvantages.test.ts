/**
 * The group estimators (gae.ts groupAdvantages; formulas in methods.ts and docs/method.md) on hand-made groups,
 * golden values worked out by hand in the comments; GRPO's k3 KL in the loss and Dr. GRPO's token weights (ppo.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { groupAdvantages } from './gae';
import { makeMinibatch, policyLoss, type Minibatch } from './ppo';
import type { RolloutTargets } from './advantages';
import type { Rollout } from './rollout';

const close = (got: number[][], want: number[][]) => {
  expect(got.map((r) => r.length)).toEqual(want.map((r) => r.length));
  got.forEach((row, i) => row.forEach((x, t) => expect(x).toBeCloseTo(want[i]![t]!, 6)));
};
const on = { groupSize: 3, stdNorm: true };

describe('group advantages on a hand-made group', () => {
  // Sparse rewards (the score on the last token): returns R = 1, 2, 3; a second group with R = 5, 5, 5.
  const sparse = [[0, 1], [0, 0, 2], [3], [5], [0, 5], [0, 0, 5]];

  it('GRPO outcome: (R − mean)/(std + 1e-8) on every token, per group', () => {
    // Group 1: mean 2, population std √(2/3) = 0.8164966, so ±1/0.8164966 = ±1.2247449. Group 2: std 0, all 0.
    const a = 1 / Math.sqrt(2 / 3);
    close(groupAdvantages('grpo', sparse, on), [[-a, -a], [0, 0, 0], [a], [0], [0, 0], [0, 0, 0]]);
    // Dr. GRPO (no std division): R − mean = −1, 0, 1.
    close(groupAdvantages('grpo', sparse, { ...on, stdNorm: false }), [[-1, -1], [0, 0, 0], [1], [0], [0, 0], [0, 0, 0]]);
  });

  it('GRPO process: step rewards normalised over the group’s real steps, then summed to go; padding never counts', () => {
    // Steps 1, 3 | 2 | 4, 0, 2: mean 12/6 = 2, population std √((1+1+0+4+4+0)/6) = √(10/6) = 1.2909944.
    // r̂ = (−1, 1)/s | 0 | (2, −2, 0)/s; to go: (0, 1/s) | 0 | (0, −2/s, 0) with 1/s = 0.7745967.
    // Padding the short responses to length 3 with zeros would give mean 12/9 instead: every value would differ.
    const s = Math.sqrt(10 / 6);
    close(groupAdvantages('grpo-process', [[1, 3], [2], [4, 0, 2]], on), [[0, 1 / s], [0], [0, -2 / s, 0]]);
    // Without the std: r − 2 = (−1, 1) | 0 | (2, −2, 0); to go (0, 1) | 0 | (0, −2, 0).
    close(groupAdvantages('grpo-process', [[1, 3], [2], [4, 0, 2]], { ...on, stdNorm: false }), [[0, 1], [0], [0, -2, 0]]);
  });

  it('RLOO: R_i − mean of the others’ R on every token', () => {
    // R = 1, 2, 3: 1 − (2+3)/2 = −1.5, 2 − (1+3)/2 = 0, 3 − (1+2)/2 = 1.5. Group 2: all 0.
    close(groupAdvantages('rloo', sparse, on), [[-1.5, -1.5], [0, 0, 0], [1.5], [0], [0, 0], [0, 0, 0]]);
  });

  it('RLOO dense: reward-to-go minus the mean reward-to-go of the others still running at that position', () => {
    // Rewards (1,1,1) | (2,0) | (0,4); to go (3,2,1) | (2,0) | (4,4).
    // y1: t0 3 − (2+4)/2 = 0; t1 2 − (0+4)/2 = 0; t2: no other response has a third token, so 1 − 0 = 1.
    // y2: t0 2 − (3+4)/2 = −1.5; t1 0 − (2+4)/2 = −3.   y3: t0 4 − (3+2)/2 = 1.5; t1 4 − (2+0)/2 = 3.
    close(groupAdvantages('rloo-dense', [[1, 1, 1], [2, 0], [0, 4]], on), [[0, 0, 1], [-1.5, -3], [1.5, 3]]);
  });

  it('refuses a group of one, and a batch that does not split into groups', () => {
    expect(() => groupAdvantages('grpo', [[1], [2]], { groupSize: 1, stdNorm: true })).toThrow('GRPO needs at least 2 responses per prompt (groupSize), got 1');
    expect(() => groupAdvantages('rloo-dense', [[1], [2]], { groupSize: 1, stdNorm: true })).toThrow('RLOO needs at least 2 responses per prompt (groupSize), got 1');
    expect(() => groupAdvantages('grpo-process', [[1], [2], [3]], { groupSize: 2, stdNorm: true })).toThrow(/3 responses do not split into groups of 2/);
  });
});

describe('GRPO in the loss', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  // Two responses of 2 and 1 tokens in a [2, 4] batch (prompt of 2 tokens each).
  const rollout = {
    batch: { ids: Int32Array.from([1, 5, 6, 2, 1, 5, 2, 0]), length: 4, promptLengths: [2, 2] },
    positions: Int32Array.from([2, 3, 6]),
    responseIndex: Int32Array.from([0, 1, 0]),
    offsets: Int32Array.from([0, 2, 3]),
    logpOld: Float32Array.from([Math.log(0.5), Math.log(0.5), Math.log(0.5)]),
    logpRef: Float32Array.from([Math.log(0.25), Math.log(0.5), Math.log(0.25)]),
    values: new Float32Array(3),
  } as unknown as Rollout;
  const targets = { advantagesWhitened: new Float32Array(3), returns: new Float32Array(3) } as unknown as RolloutTargets;

  it('token weights: 1/(|y_i|·G) as the paper, 1/(horizon·G) for Dr. GRPO', () => {
    expect(Array.from(makeMinibatch(rollout, targets, [0, 1]).weights)).toEqual([0.25, 0.25, 0.5]);
    expect(Array.from(makeMinibatch(rollout, targets, [0, 1], 8).weights)).toEqual([1 / 16, 1 / 16, 1 / 16]);
  });

  it('k3 = π_ref/π − log(π_ref/π) − 1 per token, weighted by β', () => {
    // With Â = 0 the clipped term is 0. Tokens: π = 0.5, π_ref = 0.25: 0.5 − log 0.5 − 1 = 0.1931472; π_ref = π: 0.
    // Weights 0.25, 0.25, 0.5: Σ w·k3 = 0.25·0.1931472 + 0.5·0.1931472 = 0.1448604; β = 0.04 gives 0.0057944.
    const mb: Minibatch = makeMinibatch(rollout, targets, [0, 1]);
    const k3 = 0.5 - Math.log(0.5) - 1;
    const { loss, metrics } = policyLoss(tf.tensor1d(mb.logpOld), mb, 0.2, 0.04);
    expect(loss.dataSync()[0]).toBeCloseTo(0.04 * 0.75 * k3, 7);
    expect(metrics.dataSync()[2]).toBeCloseTo((2 * k3) / 3, 6); // the token mean, reported for every method
    const none = policyLoss(tf.tensor1d(mb.logpOld), mb, 0.2);
    expect(none.loss.dataSync()[0]).toBe(0);
    tf.dispose([loss, metrics, none.loss, none.metrics]);
  });
});
