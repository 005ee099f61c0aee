import { describe, expect, it } from 'vitest';
import { bestPointWithinKl as reportBest, type EvalPoint } from '../cli/experimentReport';
import { defaultKlBudgets, evaluationPoints, matchedKlTable, type MatchedKlRunInput } from './matchedKl';

// A run as the page holds it: every iteration's metrics, gold/* and eval/* only on evaluations (8 episodes each).
function run(label: string, evals: [iteration: number, gold: number, se: number, kl: number, length: number][], visible = true): MatchedKlRunInput {
  const last = Math.max(...evals.map((e) => e[0]));
  const points = Array.from({ length: last + 1 }, (_, it) => {
    const e = evals.find((x) => x[0] === it);
    const values: Record<string, number> = { episodes: 8 * it, 'objective/kl': 0.1 * it };
    if (e) Object.assign(values, { 'gold/reward': e[1], 'gold/reward_se': e[2], 'eval/kl': e[3], 'eval/length': e[4] });
    return { episodes: 8 * it, values };
  });
  return { label, visible, points };
}

const ppo = run('PPO', [[0, 0.05, 0.02, 0, 8], [2, 0.12, 0.02, 0.8, 9], [4, 0.3, 0.03, 3.1, 15], [6, 0.34, 0.03, 6.2, 15.5]]);
const rto = run('RTO (β1 0.5, c 0.2)', [[0, 0.05, 0.02, 0, 8], [2, 0.2, 0.025, 0.6, 8.5], [4, 0.22, 0.03, 1.7, 9], [6, 0.25, 0.03, 2.4, 9.2]]);

describe('the page’s matched-KL reading', () => {
  it('reads a run’s evaluations with their iteration from episodes', () => {
    const ps = evaluationPoints(ppo);
    expect(ps.map((p) => p.iteration)).toEqual([0, 2, 4, 6]);
    expect(ps[2]).toEqual({ iteration: 4, episodes: 32, gold: 0.3, goldSe: 0.03, kl: 3.1, length: 15 });
    // A point's own step wins over the episodes.
    expect(evaluationPoints({ label: 'x', points: [{ step: 7, episodes: 3, values: { 'gold/reward': 1, 'eval/kl': 0 } }] })[0]?.iteration).toBe(7);
  });

  it('picks the best gold within each budget, as the experiment report does', () => {
    const table = matchedKlTable([ppo, rto], [0.5, 1, 2, 4]);
    expect(table.runs).toEqual(['PPO', 'RTO (β1 0.5, c 0.2)']);
    expect(table.rows.map((r) => r.cells.map((c) => c?.iteration))).toEqual([[0, 0], [2, 2], [2, 4], [4, 6]]);
    // The same choice as the CLI's bestPointWithinKl on the same evaluations.
    for (const r of [ppo, rto]) {
      const ps = evaluationPoints(r);
      const asReport: EvalPoint[] = ps.map((p) => ({ iteration: p.iteration, episodes: p.episodes, gold: p.gold, winRate: 0.5, kl: p.kl, length: p.length, goldSe: p.goldSe }));
      for (const b of [0.5, 1, 2, 4, 8]) expect(matchedKlTable([r], [b]).rows[0]?.cells[0]?.iteration).toBe(reportBest(asReport, b)?.iteration);
    }
  });

  it('says who is ahead, by how much, and when the gap is within one standard error', () => {
    const [b05, b1, b2, b4] = matchedKlTable([ppo, rto], [0.5, 1, 2, 4]).rows;
    // Both still at SFT's evaluation: a gap of 0.
    expect(b05?.sentence).toBe('At KL ≤ 0.5, PPO and RTO (β1 0.5, c 0.2) are within one standard error: best gold 0.050 ± 0.020 (8.0 tokens, KL 0.00, iteration 0) against 0.050 ± 0.020 (8.0 tokens, KL 0.00, iteration 0), a gap of 0.000.');
    expect(b05?.clear).toBe(false);
    // 0.20 against 0.12: a gap of 0.08, above the larger SE (0.025).
    expect(b1?.sentence).toBe('At KL ≤ 1, RTO (β1 0.5, c 0.2) is ahead of PPO by 0.080 gold: 0.200 ± 0.025 (8.5 tokens, KL 0.6, iteration 2) against 0.120 ± 0.020 (9.0 tokens, KL 0.8, iteration 2).');
    expect(b1?.leader).toBe(1);
    expect(b2?.leader).toBe(1);
    // At KL ≤ 4 PPO leads by 0.05 (0.30 against 0.25) with responses 6 tokens longer: the length caveat.
    expect(b4?.leader).toBe(0);
    expect(b4?.clear).toBe(true);
    expect(b4?.sentence).toContain('PPO is ahead of RTO (β1 0.5, c 0.2) by 0.050 gold');
    expect(b4?.sentence).toContain("PPO's responses are 5.8 tokens longer, so part of this lead may be length rather than better text: a gain that is only length is reward hacking.");
    expect(b1?.sentence).not.toContain('longer');
    expect(matchedKlTable([run('PPO', [[1, 0.1, 0.01, 0.0265, 8]])], [0.027]).rows[0]?.sentence).toContain('KL 0.026, iteration 1'); // two digits, as the budget: not "KL 0.03"
  });

  it('calls a gap smaller than the larger standard error a tie, and names a budget no run reaches', () => {
    const a = run('PPO', [[1, 0.3, 0.05, 1, 9]]);
    const b = run('RTO', [[1, 0.26, 0.02, 1, 9]]);
    const [within, none] = matchedKlTable([a, b], [1, 0.5]).rows;
    expect(within?.sentence).toContain('PPO and RTO are within one standard error');
    expect(within?.sentence).toContain('a gap of 0.040');
    expect(none?.sentence).toBe('No run reaches KL ≤ 0.5.');
    expect(none?.cells).toEqual([null, null]);
    expect(none?.leader).toBeNull();
  });

  it('leaves hidden runs out and chooses budgets from the KL range', () => {
    expect(matchedKlTable([ppo, { ...rto, visible: false }], [1]).runs).toEqual(['PPO']);
    // Largest KL 6.2, first move to KL 0.6: the ladder's 1, 2, 4 and 6.2 itself; from a first move to 0.3, 0.5 too.
    expect(defaultKlBudgets([ppo, rto])).toEqual([1, 2, 4, 6.2]);
    expect(defaultKlBudgets([ppo, run('RTO', [[0, 0, 0, 0, 8], [1, 0.1, 0.01, 0.3, 8]])])).toEqual([0.5, 1, 2, 4, 6.2]);
    // Rounded up at two digits, so the largest evaluation fits the last budget.
    expect(defaultKlBudgets([run('PPO', [[0, 0, 0, 0, 8], [1, 0.1, 0.01, 0.0011, 8], [2, 0.1, 0.01, 0.02134, 8]])])).toEqual([0.002, 0.005, 0.01, 0.02, 0.022]);
    expect(defaultKlBudgets([run('PPO', [[0, 0, 0, 0, 8], [1, 0.1, 0.01, 0.05, 8], [2, 0.1, 0.01, 2, 8]])])).toEqual([0.1, 0.2, 0.5, 1, 2]);
    // Rungs below the first KL above 0 would only read SFT: left out (RTO's first move is to KL 0.6).
    expect(defaultKlBudgets([rto])).toEqual([1, 2, 2.4]);
    expect(defaultKlBudgets([run('PPO', [[0, 0, 0, 0, 8], [1, 0.1, 0.01, 0.0198, 8], [2, 0.1, 0.01, 0.0265, 8]])])).toEqual([0.02, 0.027]);
    // Only SFT's own evaluation (KL 0): nothing to compare yet.
    expect(defaultKlBudgets([run('PPO', [[0, 0, 0, 0, 8]])])).toEqual([]);
    const table = matchedKlTable([ppo, rto]);
    expect(table.rows.at(-1)?.cells.map((c) => c?.iteration)).toEqual([6, 6]); // every evaluation fits the last budget
  });
});
