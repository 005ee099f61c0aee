import { describe, expect, it } from 'vitest';
import { metricsCsv, metricsJson } from './metricsExport';

describe('metrics export', () => {
  it('writes one CSV row per run and iteration with the union of metric columns', () => {
    const csv = metricsCsv([
      { label: 'PPO', points: [{ step: 1, values: { 'objective/kl': 0.5 } }] },
      { label: 'RTO', points: [{ step: 1, values: { 'objective/kl': 0.25, 'gold/reward': 0.1 } }] },
    ]);
    expect(csv).toBe('run,iteration,gold/reward,objective/kl\nPPO,1,,0.5\nRTO,1,0.1,0.25\n');
  });
  it('keeps the context in the JSON', () => {
    expect(JSON.parse(metricsJson([{ label: 'PPO', points: [] }], { preset: 'tiny' }))).toEqual({ preset: 'tiny', runs: [{ label: 'PPO', points: [] }] });
  });
});
