import { describe, expect, it } from 'vitest';
import type { TokenRow } from '../lab/events';
import {
  CHANNELS,
  availableChannels,
  channelValues,
  divergingColor,
  returnParts,
  rowSum,
  scaleMax,
  snapshotAt,
  textColorOn,
  tokenDetails,
  unionSteps,
  hasRewardTerms,
  type HeatRow,
} from './heatmapScale';

const row = (total: number[], extra: Partial<TokenRow['channels']> = {}): TokenRow => {
  const zeros = total.map(() => 0);
  return {
    prompt: 'the film',
    tokens: total.map((_, i) => (i === total.length - 1 ? '<eos>' : `w${i}`)),
    gold: 0.5,
    channels: { logpPolicy: zeros, logpRef: zeros, dpo: zeros, kl: zeros, score: zeros, total, value: zeros, advantage: zeros, ...extra },
  };
};

describe('heatmap colour scale', () => {
  it('is white at 0 and hits the two PuOr ends exactly at ±max', () => {
    expect(divergingColor(0, 1)).toBe('rgb(255, 255, 255)');
    expect(divergingColor(-1, 1)).toBe('rgb(33, 102, 172)');
    expect(divergingColor(1, 1)).toBe('rgb(179, 88, 6)');
    expect(divergingColor(-2.5, 2.5)).toBe('rgb(33, 102, 172)');
    expect(divergingColor(2.5, 2.5)).toBe('rgb(179, 88, 6)');
  });

  it('interpolates linearly in RGB and clamps beyond max', () => {
    expect(divergingColor(0.5, 1)).toBe('rgb(217, 172, 131)');
    expect(divergingColor(-0.5, 1)).toBe('rgb(144, 179, 214)');
    expect(divergingColor(7, 1)).toBe(divergingColor(1, 1));
    expect(divergingColor(-7, 1)).toBe(divergingColor(-1, 1));
    expect(divergingColor(Infinity, 1)).toBe(divergingColor(1, 1));
  });

  it('falls back to a unit scale for a zero or broken max, and to white for NaN', () => {
    expect(divergingColor(1, 0)).toBe(divergingColor(1, 1));
    expect(divergingColor(NaN, 1)).toBe('rgb(255, 255, 255)');
  });

  it('puts white text on the dark ends only', () => {
    expect(textColorOn(0, 1)).toBe('#111');
    expect(textColorOn(0.2, 1)).toBe('#111');
    expect(textColorOn(-1, 1)).toBe('#fff');
    expect(textColorOn(1, 1)).toBe('#fff');
  });
});

describe('heatmap data helpers', () => {
  it('takes the max |value| over every row and token', () => {
    expect(scaleMax([row([0.1, -0.4]), row([0.3, 0.2, -0.05])], 'total')).toBe(0.4);
    expect(scaleMax([row([0.1]), row([2, -3])], 'total')).toBe(3);
  });

  it('returns 1 when there are no values or they are all 0', () => {
    expect(scaleMax([], 'total')).toBe(1);
    expect(scaleMax([row([0, 0])], 'total')).toBe(1);
    expect(scaleMax([row([0.5])], 'trueReward')).toBe(1);
  });

  it('ignores non-finite values in the max', () => {
    expect(scaleMax([row([NaN, 0.25, -Infinity])], 'total')).toBe(0.25);
  });

  it('gives undefined for a missing optional channel', () => {
    expect(channelValues(row([1, 2]), 'trueReward')).toBeUndefined();
    expect(channelValues(row([1, 2]), 'logpDpo')).toBeUndefined();
    expect(channelValues(row([1, 2], { trueReward: [0, 1] }), 'trueReward')).toEqual([0, 1]);
    expect(channelValues(row([1, 2]), 'total')).toEqual([1, 2]);
  });

  it('sums a row', () => {
    expect(rowSum([])).toBe(0);
    expect(rowSum([0.5, -0.25, 1])).toBe(1.25);
  });

  it('offers the oracle channel only with a true reward and log π_dpo only when present', () => {
    const keys = (rows: TokenRow[], truth: boolean) => availableChannels(rows, truth).map((c) => c.key);
    expect(keys([row([1])], false)).not.toContain('trueReward');
    expect(keys([row([1])], false)).not.toContain('logpDpo');
    expect(keys([row([1], { logpDpo: [-1] })], true)).toEqual(CHANNELS.map((c) => c.key));
    expect(CHANNELS.slice(-5).map((c) => c.key)).toEqual(['logpPolicy', 'logpRef', 'logpDpo', 'logRatio', 'probGap']);
  });

  it("offers a rollout log's rows only the channels they hold or can compute, and the terms view only with RTO's channels", () => {
    const log: HeatRow = { prompt: 'p', tokens: ['a', 'b'], channels: { total: [0.1, 0.2], logpPolicy: [-1, -2], logpRef: [-1.5, -2] } };
    expect(availableChannels([log], false).map((c) => c.key)).toEqual(['total', 'logpPolicy', 'logpRef', 'logRatio', 'probGap']);
    expect(availableChannels([{ ...log, channels: { value: [1, 2] } }], false).map((c) => c.key)).toEqual(['value']);
    expect(channelValues(log, 'logRatio')).toEqual([0.5, 0]);
    expect(channelValues(log, 'probGap')![0]).toBeCloseTo(Math.exp(-1) - Math.exp(-1.5), 15);
    expect(channelValues({ ...log, channels: { logpPolicy: [-1] } }, 'logRatio')).toBeUndefined();
    expect(hasRewardTerms([log])).toBe(false);
    expect(hasRewardTerms([row([1])])).toBe(true);
    expect(returnParts(log).total).toBeCloseTo(0.3, 15);
    expect(tokenDetails(log, 0).split('\n')).toEqual([
      'Total reward: 0.1000', 'log π: -1.0000', 'log π_ref: -1.5000', 'Log-ratio log π − log π_ref: 0.5000', 'Probability π − π_ref: 0.1447', 'Probability π: 0.3679', 'Probability π_ref: 0.2231',
    ]);
  });

  it('merges snapshot steps and picks the latest snapshot at or before a step', () => {
    const a = [{ step: 0, rows: [] }, { step: 10, rows: [] }];
    const b = [{ step: 5, rows: [] }, { step: 10, rows: [] }, { step: 20, rows: [] }];
    expect(unionSteps([a, b])).toEqual([0, 5, 10, 20]);
    expect(snapshotAt(a, 20)?.step).toBe(10);
    expect(snapshotAt(a, 5)?.step).toBe(0);
    expect(snapshotAt(b, 3)).toBeUndefined();
  });

  it('lists every present channel with 4 decimals in the tooltip', () => {
    const text = tokenDetails(row([0.5, 0.123456], { trueReward: [0, -1] }), 1);
    expect(text.split('\n')).toContain('Total reward: 0.1235');
    expect(text.split('\n')).toContain('True token reward r* (oracle): -1.0000');
    expect(text).not.toContain('log π_dpo');
    expect(text.split('\n')).toHaveLength(13);
  });

  it('splits a return into the three reward terms with shares of |return| (PPO: KL and score only)', () => {
    // An RTO-like row: DPO term on every token, KL term, RM score on <eos>.
    const rto = row([0.15, -0.05, 1.1], { dpo: [0.2, -0.1, 0.1], kl: [-0.05, 0.05, 0], score: [0, 0, 1] });
    const parts = returnParts(rto);
    expect(parts.dpo).toBeCloseTo(0.2, 12);
    expect(parts.kl).toBeCloseTo(0, 12);
    expect(parts.score).toBe(1);
    expect(parts.total).toBeCloseTo(1.2, 12);
    expect(parts.shares.dpo).toBeCloseTo(0.2 / 1.2, 12);
    expect(parts.shares.score).toBeCloseTo(1 / 1.2, 12);
    // PPO: no DPO term; a negative score still counts by its size.
    const ppo = returnParts(row([-0.1, -1.6], { kl: [-0.1, 0.4], score: [0, -2] }));
    expect(ppo.shares).toEqual({ dpo: 0, kl: expect.closeTo(0.3 / 2.3, 12), score: expect.closeTo(2 / 2.3, 12) });
    expect(ppo.shares.dpo + ppo.shares.kl + ppo.shares.score).toBeCloseTo(1, 12);
    expect(returnParts(row([0, 0])).shares).toEqual({ dpo: 0, kl: 0, score: 0 });
  });
});
