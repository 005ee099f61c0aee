/**
 * The sample-efficiency chart's points (the paper's Fig. 4c): one per finished PPO/RTO run, its share of the RL
 * prompts against its final gold win rate vs SFT. Pure, so what the chart plots is tested in Node.
 */
import { resolveSettings } from '../lab/config';
import { runEvaluationSummary } from './rlChartData';
import type { StageRun } from './stageRuns';

export interface EfficiencyPoint {
  method: 'PPO' | 'RTO';
  /** Share of the RL prompt pool the run trained on. */
  fraction: number;
  /** Final gold win rate against SFT's responses (0.5: as good as SFT), and its standard error over prompts. */
  winRate: number;
  winRateSe: number;
  /** Final gold reward and response length (tokens), from the run's last evaluation (NaN when it has none). */
  gold: number;
  length: number;
  /** The run's label on the other charts. */
  label: string;
  /** Held-out prompts the win rate was measured on. */
  evalPrompts: number;
}

/**
 * A PPO/RTO run that ran all its iterations. A stopped RL run ends "done" with what it learned so far, but it saw
 * fewer episodes than the others, so it is no point of the chart.
 */
export function isCompleteRlRun(run: StageRun): boolean {
  if ((run.stage !== 'ppo' && run.stage !== 'rto') || run.status !== 'done' || !run.summary) return false;
  const iterations = run.summary.values.iterations;
  return iterations === undefined || iterations >= resolveSettings(run.preset, run.overrides).rlIterations;
}

/**
 * The points of the runs of `sweepRunIds` when any of them is still in the page (so runs made earlier with other
 * settings do not mix in), else of every complete run; `stoppedEarly` counts the finished runs left out.
 */
export function efficiencyPoints(
  runs: readonly { run: StageRun; label: string }[],
  sweepRunIds: readonly string[] | null,
): { points: EfficiencyPoint[]; fromSweep: boolean; stoppedEarly: number } {
  const fromSweep = sweepRunIds !== null && runs.some(({ run }) => sweepRunIds.includes(run.runId));
  const candidates = runs.filter(({ run }) => (run.stage === 'ppo' || run.stage === 'rto') && run.status === 'done' && (!fromSweep || sweepRunIds.includes(run.runId)));
  const complete = candidates.filter(({ run }) => isCompleteRlRun(run));
  const points = complete
    .map(({ run, label }) => {
      const s = resolveSettings(run.preset, run.overrides);
      const e = runEvaluationSummary(run);
      return {
        method: run.stage === 'ppo' ? ('PPO' as const) : ('RTO' as const),
        fraction: s.rlPromptFraction,
        winRate: run.summary?.values.winRate ?? NaN,
        winRateSe: e?.winRateSe ?? NaN,
        gold: e?.gold ?? NaN,
        length: e?.length ?? NaN,
        label,
        evalPrompts: s.rlEvalPrompts,
      };
    });
  return { points, fromSweep, stoppedEarly: candidates.length - complete.length };
}

/**
 * The win-rate axis: round steps of 0.05 (0.1 for wide spreads) around the points and SFT's 0.5, within [0, 1].
 */
export function winRateAxis(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const finite = [...values.filter(Number.isFinite), 0.5];
  const spread = Math.max(...finite) - Math.min(...finite);
  const step = spread > 0.4 ? 0.1 : 0.05;
  const lo = Math.max(0, Math.floor((Math.min(...finite) - 0.01) / step) * step);
  const hi = Math.min(1, Math.ceil((Math.max(...finite) + 0.01) / step) * step);
  const ticks: number[] = [];
  for (let t = lo; t <= hi + 1e-9; t += step) ticks.push(Math.round(t * 100) / 100);
  return { domain: [ticks[0] ?? lo, ticks.at(-1) ?? hi], ticks };
}

/** About two standard errors of a win rate measured on n prompts (at most √(0.25/n) each): 1/√n. */
export const winRateNoise = (n: number): number => 1 / Math.sqrt(Math.max(1, n));

/** PPO on all the prompts: the level RTO on fewer prompts is compared with (the latest such run). */
export function ppoReference(points: readonly EfficiencyPoint[]): EfficiencyPoint | null {
  return points.filter((p) => p.method === 'PPO' && p.fraction === 1 && Number.isFinite(p.winRate)).at(-1) ?? null;
}
