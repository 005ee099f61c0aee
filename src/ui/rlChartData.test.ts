import { describe, expect, it } from 'vitest';
import { bandKey, lengthKey, lineChartData, runEvaluationSummary, scatterData, seKey, seriesKey, type RlRunSeries } from './rlChartData';

// Two runs as the worker reports them: an evaluation at iterations 0 and 2 (episodes 0 and 16), none at 1.
const evalAt = (episodes: number, gold: number, se: number, win: number, length: number, extra: Record<string, number> = {}) => ({
  episodes,
  values: { episodes, 'gold/reward': gold, 'gold/reward_se': se, 'gold/win_rate': win, 'gold/win_rate_se': 0.02, 'eval/kl': episodes / 10, 'eval/length': length, 'response/length': length + 1, ...extra },
});
const ppo: RlRunSeries = {
  label: 'PPO',
  color: '#00f',
  visible: true,
  points: [evalAt(0, 0.05, 0.01, 0.5, 7.6, { 'eval/length_cap': 16 }), { episodes: 8, values: { episodes: 8, 'objective/kl': 0.3, 'response/length': 9 } }, evalAt(16, 0.08, 0.012, 0.6, 12.1)],
};
const rto: RlRunSeries = { ...ppo, label: 'RTO', color: '#f80', points: [evalAt(0, 0.05, 0.01, 0.5, 7.6, { 'eval/length_cap': 16 }), evalAt(16, 0.04, 0.011, 0.45, 14.9)] };

describe('the RL charts’ data', () => {
  it('puts each run’s value, its ± SE band and its length in the rows of a gold chart', () => {
    const { rows, count } = lineChartData([ppo, rto], 'gold/reward');
    expect(count).toBe(4);
    expect(rows.map((r) => r.episodes)).toEqual([0, 16]);
    const last = rows[1]!;
    expect(last[seriesKey(0)]).toBe(0.08);
    expect(last[seKey(0)]).toBe(0.012);
    expect(last[bandKey(0)]).toEqual([0.08 - 0.012, 0.08 + 0.012]);
    expect(last[lengthKey(0)]).toBe(12.1); // the evaluation's length, not the rollout's
    expect(last[lengthKey(1)]).toBe(14.9);
  });

  it('pairs per-iteration metrics with the rollout’s length and draws no band without an SE', () => {
    const { rows } = lineChartData([ppo], 'objective/kl');
    expect(rows).toEqual([{ episodes: 8, [seriesKey(0)]: 0.3, [lengthKey(0)]: 9 }]);
  });

  it('leaves hidden runs out', () => {
    expect(lineChartData([ppo, { ...rto, visible: false }], 'gold/win_rate').count).toBe(2);
  });

  it('gives the frontier its points with their length', () => {
    expect(scatterData(rto, 'eval/kl', 'gold/reward')).toEqual([
      { x: 0, y: 0.05, episodes: 0, length: 7.6 },
      { x: 1.6, y: 0.04, episodes: 16, length: 14.9 },
    ]);
  });

  it('summarises a run by its first evaluation (SFT) and its last', () => {
    expect(runEvaluationSummary(ppo)).toEqual({ sftGold: 0.05, sftLength: 7.6, lengthCap: 16, episodes: 16, gold: 0.08, goldSe: 0.012, winRate: 0.6, winRateSe: 0.02, kl: 1.6, length: 12.1 });
    expect(runEvaluationSummary({ points: ppo.points.slice(0, 2) })).toBeNull(); // only iteration 0 so far
  });
});
