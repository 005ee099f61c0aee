import { describe, expect, it } from 'vitest';
import { efficiencyPoints, isCompleteRlRun, ppoReference, winRateAxis, winRateNoise } from './sampleEfficiency';
import { startStageRun, type StageRun } from './stageRuns';

// The tiny preset runs 20 RL iterations.
function run(runId: string, stage: 'ppo' | 'rto', fraction: number | undefined, winRate: number | null, iterations = 20): { run: StageRun; label: string } {
  const started = startStageRun({}, stage, runId, 0, 'tiny', fraction === undefined ? {} : { rlPromptFraction: fraction })[stage]!;
  const r: StageRun = winRate === null ? started : { ...started, status: 'done', summary: { stage, seconds: 1, values: { winRate, iterations } } };
  return { run: r, label: `${stage} ${runId}` };
}

describe('the sample-efficiency points', () => {
  const earlier = run('old', 'rto', 0.3, 0.7);
  const sweep = [run('s1', 'ppo', 1, 0.6), run('s2', 'rto', 1, 0.65), run('s3', 'rto', 0.5, 0.55), run('s4', 'rto', 0.25, null)];

  it('plots every finished run when no sweep ran', () => {
    const { points, fromSweep } = efficiencyPoints([earlier, ...sweep], null);
    expect(fromSweep).toBe(false);
    expect(points.map((p) => [p.method, p.fraction, p.winRate])).toEqual([['RTO', 0.3, 0.7], ['PPO', 1, 0.6], ['RTO', 1, 0.65], ['RTO', 0.5, 0.55]]);
  });

  it('plots only the finished runs of the sweep while any of them is in the page', () => {
    const { points, fromSweep } = efficiencyPoints([earlier, ...sweep], ['s1', 's2', 's3', 's4']);
    expect(fromSweep).toBe(true);
    expect(points.map((p) => p.label)).toEqual(['ppo s1', 'rto s2', 'rto s3']);
    expect(ppoReference(points)?.winRate).toBe(0.6);
    // Runs of a sweep no longer in the page (a new SFT model dropped them): back to every run.
    expect(efficiencyPoints([earlier], ['s1']).fromSweep).toBe(false);
  });

  it('leaves out runs stopped before their last iteration (they saw fewer episodes)', () => {
    const stopped = run('s5', 'rto', 0.125, 0.9, 3);
    expect(isCompleteRlRun(stopped.run)).toBe(false);
    expect(isCompleteRlRun(sweep[0]!.run)).toBe(true);
    const { points, stoppedEarly } = efficiencyPoints([...sweep, stopped], ['s1', 's2', 's3', 's4', 's5']);
    expect(points).toHaveLength(3);
    expect(stoppedEarly).toBe(1);
  });

  it('draws the win-rate axis in round steps around the points and SFT, within [0, 1]', () => {
    expect(winRateAxis([0.44, 0.56, 0.53])).toEqual({ domain: [0.4, 0.6], ticks: [0.4, 0.45, 0.5, 0.55, 0.6] });
    expect(winRateAxis([0.05, 0.98])).toEqual({ domain: [0, 1], ticks: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] });
    expect(winRateAxis([NaN]).domain).toEqual([0.45, 0.55]);
    expect(winRateNoise(100)).toBeCloseTo(0.1, 12);
  });

  it('carries the final gold, length and win-rate SE of each run’s last evaluation', () => {
    const r = run('e', 'rto', 1, 0.62);
    const evaluation = (step: number, gold: number, length: number) => ({ step, values: { episodes: step * 64, 'gold/reward': gold, 'gold/win_rate': 0.5, 'gold/win_rate_se': 0.03, 'eval/length': length } });
    r.run.points = [evaluation(0, 0.05, 7.6), { step: 1, values: { episodes: 64 } }, evaluation(20, 0.09, 13.2)];
    const [p] = efficiencyPoints([r], null).points;
    expect(p).toMatchObject({ winRate: 0.62, winRateSe: 0.03, gold: 0.09, length: 13.2 });
    expect(efficiencyPoints([sweep[0]!], null).points[0]?.length).toBeNaN(); // no evaluations in the page
  });

  it('has no PPO reference without a finished PPO run on all the prompts', () => {
    expect(ppoReference(efficiencyPoints([run('p', 'ppo', 0.5, 0.6), sweep[1]!], null).points)).toBeNull();
  });
});
