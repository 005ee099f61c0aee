import { describe, expect, it } from 'vitest';
import { MAX_ARCHIVED_RUNS } from './labState';
import { chartSweepIds, DEFAULT_SWEEP_FRACTIONS, describeStep, formatFraction, fractionsText, MAX_SWEEP_FRACTIONS, parseSweepFractions, sweepPlan, sweepStatusText } from './sweepPlan';

describe('the fraction sweep plan', () => {
  it('reads decimals and a/b shares, largest first', () => {
    expect(parseSweepFractions('1/8, 1, 0.5;1/4')).toEqual({ fractions: [1, 0.5, 0.25, 0.125], problems: [] });
    expect(parseSweepFractions(' 1  0.3 ').fractions).toEqual([1, 0.3]);
  });

  it('names each problem: not a number, out of range, twice, none, too many', () => {
    const bad = parseSweepFractions('1, x, 2, 0, 1/2, 0.5');
    expect(bad.fractions).toEqual([1, 0.5]);
    expect(bad.problems).toHaveLength(4);
    for (const part of ['"x"', '"2"', '"0"', '1/2 is listed twice']) expect(bad.problems.some((p) => p.includes(part)), part).toBe(true);
    expect(parseSweepFractions(' , ').problems).toEqual(['list at least one fraction, e.g. 1, 1/2, 1/4']);
    const many = parseSweepFractions('1, 1/2, 1/3, 1/4, 1/5, 1/6');
    expect(many.problems.some((p) => p.includes(`at most ${MAX_SWEEP_FRACTIONS}`))).toBe(true);
  });

  it('fits the run archive: the runs from before and every run of the sweep but the current PPO and RTO', () => {
    // k fractions archive the earlier PPO and RTO runs and the sweep's first k − 1 RTO runs.
    expect(MAX_SWEEP_FRACTIONS + 1).toBeLessThanOrEqual(MAX_ARCHIVED_RUNS);
    expect(DEFAULT_SWEEP_FRACTIONS.length).toBeLessThanOrEqual(MAX_SWEEP_FRACTIONS);
    expect(parseSweepFractions(fractionsText(DEFAULT_SWEEP_FRACTIONS))).toEqual({ fractions: [...DEFAULT_SWEEP_FRACTIONS], problems: [] });
  });

  it('runs PPO on all the prompts, then RTO at each share', () => {
    expect(sweepPlan([0.25, 1, 0.5])).toEqual([
      { stage: 'ppo', fraction: 1 },
      { stage: 'rto', fraction: 1 },
      { stage: 'rto', fraction: 0.5 },
      { stage: 'rto', fraction: 0.25 },
    ]);
    expect(formatFraction(0.125)).toBe('1/8');
    expect(formatFraction(0.3)).toBe('0.3');
    expect(describeStep({ stage: 'ppo', fraction: 1 })).toBe('PPO on all the prompts (the reference)');
  });

  it('says which run of the sweep is going, and how it ended', () => {
    const plan = sweepPlan(DEFAULT_SWEEP_FRACTIONS);
    const at = (runIds: string[], outcome: 'running' | 'done' | 'stopped') => sweepStatusText({ plan, runIds, outcome, before: null });
    expect(at([], 'running')).toBe('sweep 1/5: starting');
    expect(at(['a', 'b', 'c'], 'running')).toBe('sweep 3/5: RTO at 1/2 of the prompts');
    expect(at(['a', 'b'], 'stopped')).toContain('stopped at run 2/5 (RTO on all the prompts)');
    expect(at(['a', 'b', 'c', 'd', 'e'], 'done')).toContain('sweep done: 5 runs');
  });

  it("charts the sweep's runs, or the previous sweep's when this one was stopped before any run finished", () => {
    const plan = sweepPlan([1]);
    const finished = (id: string) => id === 'old' || id === 'p';
    expect(chartSweepIds(null, finished)).toBeNull();
    expect(chartSweepIds({ plan, runIds: ['p'], outcome: 'running', before: ['old'] }, finished)).toEqual(['p']);
    expect(chartSweepIds({ plan, runIds: ['q'], outcome: 'running', before: ['old'] }, finished)).toEqual(['q']);
    expect(chartSweepIds({ plan, runIds: ['q'], outcome: 'stopped', before: ['old'] }, finished)).toEqual(['old']);
    expect(chartSweepIds({ plan, runIds: ['p', 'q'], outcome: 'stopped', before: ['old'] }, finished)).toEqual(['p', 'q']);
  });
});
