import { describe, expect, it } from 'vitest';
import { klBudgets, resultsCsv, resultsMarkdown, type ExperimentResults, type RunRecord } from './experimentReport';

const point = (iteration: number, gold: number, kl: number) => ({ iteration, episodes: iteration * 64, gold, winRate: 0.5 + gold / 10, kl, length: 8 + iteration + gold });
const runOf = (seed: number, mode: string, fraction: number, gold: number, kl: number): RunRecord => ({
  seed,
  mode,
  fraction,
  prompts: 100,
  iterations: 2,
  episodes: 128,
  seconds: 3,
  final: point(2, gold, kl),
  history: [point(0, 0, 0), point(1, gold / 2, kl / 2), point(2, gold, kl)],
});

const results: ExperimentResults = {
  task: 'oracle',
  preset: 'tiny',
  rewards: 'lab',
  settings: {},
  seeds: [1, 2].map((seed) => ({ seed, sft: { gold: -1, length: 7.5 }, dpo: { gold: 0, winRate: 0.6, kl: 1, length: 8 + seed }, rm: { heldOutAccuracy: 0.6 }, dpoAccuracy: 0.7 })),
  runs: [runOf(1, 'ppo', 1, 1, 2), runOf(2, 'ppo', 1, 3, 2), runOf(1, 'rto', 1, 2, 4), runOf(2, 'rto', 1, 2, 4), runOf(1, 'rto', 0.125, 1, 1), runOf(2, 'rto', 0.125, 1, 1)],
};

describe('experiment report', () => {
  it('prints mean ± 95% CI per mode and fraction, with SFT and DPO rows', () => {
    const md = resultsMarkdown(results, [1, 2]);
    // ppo golds 1 and 3: mean 2, sd √2, t(1) = 12.706 → 12.706·√2/√2 = 12.706
    // Lengths 8 + 2 + gold: PPO 11 and 13 → 12.0 ± 12.7.
    expect(md).toContain('| PPO | 1 | 128 | 2.000 ± 12.706 | 0.000 ± 0.000 | 0.700 ± 1.271 | 2.00 ± 0.00 | 12.0 ± 12.7 |');
    // Paired by seed against PPO on all prompts: RTO 2 − 1 and 2 − 3 → mean 0, sd √2 → ± 12.706.
    expect(md).toContain('| RTO | 1 | 128 | 2.000 ± 0.000 | 0.000 ± 12.706 |');
    expect(md).toContain('| RTO | 1/8 | 128 | 1.000 ± 0.000 | -1.000 ± 12.706 |');
    expect(md).toContain('| SFT | – | – | -1.000 ± 0.000 | -3.000 ± 12.706 | 0.5 | 0 | 7.5 ± 0.0 |');
    expect(md).toContain('| DPO | – | – | 0.000 ± 0.000 | -2.000 ± 12.706 | 0.600 ± 0.000 | 1.00 ± 0.00 | 9.5 ± 6.4 |');
    // Matched KL: within KL 1, PPO's best is its half-way point (gold 0.5 and 1.5 → 1.0); RTO's is iteration 0 (0).
    // With the length of those points: PPO's half-way points 8 + 1 + 0.5 and 8 + 1 + 1.5 → 10.0 ± 6.4.
    expect(md).toContain('| PPO | 1 | 1.000 ± 6.353 (10.0 ± 6.4 tok) | 2.000 ± 12.706 (12.0 ± 12.7 tok) |');
    expect(md).toContain('| RTO | 1 | 0.000 ± 0.000 (8.0 ± 0.0 tok) | 1.000 ± 0.000 (10.0 ± 0.0 tok) |');
  });

  it('shows "—" for the length of results files made before it was recorded', () => {
    const old: ExperimentResults = { ...results, seeds: results.seeds.map((x) => ({ ...x, sft: { gold: x.sft.gold } })), runs: results.runs.map((x) => ({ ...x, final: { ...x.final, length: undefined } })) };
    const md = resultsMarkdown(old, [1]);
    expect(md).toContain('| SFT | – | – | -1.000 ± 0.000 | -3.000 ± 12.706 | 0.5 | 0 | — |');
    expect(md).toContain('| RTO | 1/8 | 128 | 1.000 ± 0.000 | -1.000 ± 12.706 | 0.600 ± 0.000 | 1.00 ± 0.00 | — |');
  });

  it('writes one CSV row per run plus the reference rows, and picks KL budgets from the runs', () => {
    const csv = resultsCsv(results).trim().split('\n');
    expect(csv[0]).toBe('seed,mode,fraction,prompts,iterations,episodes,gold,win_rate,kl,seconds,length,gold_se,win_rate_se');
    expect(csv[1]).toBe('1,ppo,1,100,2,128,1,0.6,2,3.0,11,,');
    expect(csv.at(-1)).toBe('2,dpo,,,,,0,0.6,1,,10,,');
    expect(csv).toHaveLength(1 + 6 + 4);
    // Quartiles of the final KLs 1, 1, 2, 2, 4, 4 (linear between order statistics: 1.25 → 1.3 at 2 digits), 2, 4.
    expect(klBudgets(results)).toEqual([1.3, 2, 4]);
  });
});
