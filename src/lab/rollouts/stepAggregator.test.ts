/** Tests of the per-step aggregator: merging files by step, the statistics and the bounded sample. */
import { describe, expect, it } from 'vitest';
import { readRolloutText } from './fileReader';
import { sequenceLogRatio, StepAggregator } from './stepAggregator';

const line = (o: object): string => JSON.stringify(o);

describe('StepAggregator', () => {
  it('merges two files of one run by step', () => {
    const a = [
      line({ step: 1, reward: 1, ref_reward: 0, logprobs: [-1, -1], ref_logprobs: [-2, -1.5] }),
      line({ step: 0, reward: 4 }),
      line({ step: 1, reward: 3, ref_reward: 1 }),
    ].join('\n');
    const b = [line({ step: 1, reward: 5, logprobs: [-1], ref_logprobs: [-1.25] }), line({ step: 2, reward: -1 }), line({ reward: 9 })].join('\n');
    const agg = new StepAggregator(2);
    agg.addAll(readRolloutText(a).records);
    agg.addAll(readRolloutText(b).records);
    const rows = agg.rows();
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2]);
    const s1 = rows[1]!;
    expect(s1.responses).toBe(3);
    expect(s1.meanReward).toBeCloseTo(3, 12);
    expect(s1.stdReward).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect([s1.minReward, s1.maxReward]).toEqual([1, 5]);
    expect(s1.refRewardCount).toBe(2);
    expect(s1.meanRefReward).toBeCloseTo(0.5, 12);
    // KL: (1 + 0.5) and 0.25 → mean 0.875.
    expect(s1.klCount).toBe(2);
    expect(s1.meanKl).toBeCloseTo(0.875, 12);
    expect(s1.sample.map((r) => r.reward)).toEqual([1, 3]);
    expect(rows[0]).toMatchObject({ responses: 1, meanReward: 4, stdReward: 0, meanRefReward: null, meanKl: null });
    expect(agg.withoutStep).toBe(1);
  });

  it('keeps at most maxSampled records in all', () => {
    const agg = new StepAggregator(3, 4);
    for (let s = 0; s < 5; s++) for (let k = 0; k < 5; k++) agg.add({ line: s * 5 + k + 1, step: s, reward: k });
    const rows = agg.rows();
    expect(rows.map((r) => r.sample.length)).toEqual([3, 1, 0, 0, 0]);
    expect(rows.every((r) => r.responses === 5 && r.meanReward === 2)).toBe(true);
  });

  it('sums the log-ratio over the tokens', () => {
    expect(sequenceLogRatio({ line: 1, logprobs: [-1, -2, -3], ref_logprobs: [-1.5, -2.5, -2] })).toBeCloseTo(0, 12);
    expect(sequenceLogRatio({ line: 1, logprobs: [-1] })).toBeNull();
  });
});
