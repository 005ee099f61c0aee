import { describe, expect, it } from 'vitest';
import { rolloutRunViewOf } from '../lab/rollouts';
import { heatmapSnapshots, histogram, logTableRows, rewardChartRows, seriesLabel, sizeText } from './rolloutViewData';
import { sortRows } from './responseTable';

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

describe('the rollout viewer’s data', () => {
  it('bins values with equal widths, the last bin closed', () => {
    expect(histogram([])).toEqual([]);
    expect(histogram([2, 2, 2])).toEqual([{ from: 2, to: 2, count: 3 }]);
    const bins = histogram([0, 1, 2, 3, 4], 4);
    expect(bins.map((b) => [b.from, b.to, b.count])).toEqual([[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 4, 2]]);
    expect(histogram([-1, 0.5, 0.49], 2).map((b) => b.count)).toEqual([1, 2]);
  });

  it('charts each series per step, the band ± 1 std', () => {
    const text = line({ step: 0, reward: 1, ref_reward: 0, method: 'rto' }) + line({ step: 0, reward: 3, method: 'rto' }) + line({ step: 1, reward: 2, method: 'ppo' });
    const view = rolloutRunViewOf([{ name: 'a', text }]);
    expect(view.series.map(seriesLabel)).toEqual(['RTO', 'PPO']);
    expect(rewardChartRows(view.series)).toEqual([
      { step: 0, reward0: 2, band0: [1, 3], ref0: 0, kl0: null, gold0: null },
      { step: 1, reward1: 2, band1: [2, 2], ref1: null, kl1: null, gold1: null },
    ]);
    expect(seriesLabel({ ...view.series[0]!, method: null })).toBe('log');
    expect(seriesLabel({ ...view.series[0]!, method: 'my-grpo' })).toBe('my-grpo');
  });

  it('makes the response table’s rows: reward as the score, KL, length, the reference response, sorted like the lab’s', () => {
    const text =
      line({ step: 0, prompt: 'p', response: 'a a a', reward: 0.5, ref_reward: 0.1, ref_response: 'r' }) +
      line({ step: 0, prompt: 'q', response: 'b', response_tokens: ['b', '<eos>'], logprobs: [-1, -1], ref_logprobs: [-2, -1.5], reward: -1 }) +
      line({ step: 0, prompt: 'q', response: 'b', reward: 2 });
    const rows = logTableRows(rolloutRunViewOf([{ name: 'a', text }]).series[0]!.samples[0]!.table);
    expect(rows.map((r) => [r.prompt, r.text, r.score, r.refScore, r.kl, r.length, r.flags.repeated, r.sft?.text ?? null])).toEqual([
      ['p', 'a a a', 0.5, 0.1, NaN, NaN, true, 'r'],
      ['q', 'b', -1, NaN, 1.5, 2, false, null],
      ['q', 'b', 2, NaN, NaN, NaN, false, null],
    ]);
    expect(rows.map((r) => r.flags.shared)).toEqual([false, true, true]);
    expect(sortRows(rows, { column: 'score', direction: 'descending' }).map((r) => r.index)).toEqual([2, 0, 1]);
    expect(sortRows(rows, { column: 'kl', direction: 'ascending' }).map((r) => r.index)).toEqual([1, 0, 2]);
  });

  it('gives the heatmap only the steps with token rows', () => {
    const text = line({ step: 0, reward: 1 }) + line({ step: 1, response_tokens: ['x'], values: [0.5] });
    const snaps = heatmapSnapshots(rolloutRunViewOf([{ name: 'a', text }]).series[0]!.samples);
    expect(snaps.map((s) => [s.step, s.rows.length, s.rows[0]!.channels])).toEqual([[1, 1, { value: [0.5] }]]);
  });

  it('writes sizes', () => {
    expect([sizeText(12), sizeText(32_500), sizeText(200_000_000), sizeText(2_500_000_000)]).toEqual(['12 B', '32.5 kB', '200.0 MB', '2.50 GB']);
  });
});
