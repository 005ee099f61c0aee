/**
 * Recharts wants one data array per chart, one row per x value and one key per series; the worker gives one list of
 * metric points per run. These pure helpers do the reshaping so RlCharts only draws.
 *
 * The worker→UI contract (src/lab/train/rlMetrics.ts, rl.ts): evaluation iterations carry gold/reward, gold/reward_se,
 * gold/win_rate, gold/win_rate_se, eval/kl and eval/length; iteration 0 (the SFT policy) also eval/length_cap, the
 * horizon; every iteration carries response/length (the rollout's) and TRL's objective/* metrics.
 */

/** One RL iteration's metrics (gold/* keys only on evaluation iterations). */
export interface RlPoint {
  episodes: number;
  values: Record<string, number>;
}

export interface RlRunSeries {
  label: string;
  color: string;
  visible: boolean;
  points: RlPoint[];
}

/**
 * A chart row: `episodes` plus, per run with a finite value there, the value (`seriesKey`), its length in tokens
 * (`lengthKey`) and for metrics with a standard error the SE (`seKey`) and the band [mean − SE, mean + SE] (`bandKey`).
 */
export type RlChartRow = { episodes: number } & Record<string, number | [number, number]>;

/** The data key of the run with index `i`: run labels may hold dots, which Recharts reads as paths. */
export const seriesKey = (i: number): string => `run${i}`;
export const bandKey = (i: number): string => `run${i}_band`;
export const seKey = (i: number): string => `run${i}_se`;
export const lengthKey = (i: number): string => `run${i}_len`;

/** The standard-error metric of a metric, where the worker reports one. */
export const SE_METRIC: Record<string, string> = { 'gold/reward': 'gold/reward_se', 'gold/win_rate': 'gold/win_rate_se' };

/** Evaluation metrics pair with the evaluation's length; per-iteration ones with the rollout's. */
const lengthMetricOf = (metric: string) => (metric.startsWith('gold/') || metric.startsWith('eval/') ? 'eval/length' : 'response/length');

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/**
 * The rows of one metric's line chart, sorted by episodes, with the number of finite points of visible runs.
 * A run missing the metric at some episodes (gold/* between evaluations) just lacks the keys in those rows.
 */
export function lineChartData(runs: RlRunSeries[], metric: string): { rows: RlChartRow[]; count: number } {
  const byEpisodes = new Map<number, RlChartRow>();
  const seMetric = SE_METRIC[metric];
  const lengthMetric = lengthMetricOf(metric);
  let count = 0;
  runs.forEach((run, i) => {
    if (!run.visible) return;
    for (const p of run.points) {
      const v = p.values[metric];
      if (!finite(v) || !Number.isFinite(p.episodes)) continue;
      let row = byEpisodes.get(p.episodes);
      if (!row) byEpisodes.set(p.episodes, (row = { episodes: p.episodes } as RlChartRow));
      row[seriesKey(i)] = v;
      const length = p.values[lengthMetric];
      if (finite(length)) row[lengthKey(i)] = length;
      const se = seMetric ? p.values[seMetric] : undefined;
      if (finite(se)) {
        row[seKey(i)] = se;
        row[bandKey(i)] = [v - se, v + se];
      }
      count += 1;
    }
  });
  return { rows: [...byEpisodes.values()].sort((a, b) => a.episodes - b.episodes), count };
}

/** The points of one run where both metrics are finite, as { x, y, episodes, length }, in episode order. */
export function scatterData(run: RlRunSeries, xMetric: string, yMetric: string): { x: number; y: number; episodes: number; length: number }[] {
  return run.points.flatMap((p) => {
    const x = p.values[xMetric];
    const y = p.values[yMetric];
    return finite(x) && finite(y) ? [{ x, y, episodes: p.episodes, length: p.values['eval/length'] ?? NaN }] : [];
  });
}

/** A run's first and last evaluation: where it started (the SFT policy) and where it ended. */
export interface RunEvaluationSummary {
  sftGold: number;
  sftLength: number;
  /** The horizon (most response tokens, <eos> included); NaN when the run did not report it. */
  lengthCap: number;
  episodes: number;
  gold: number;
  goldSe: number;
  winRate: number;
  winRateSe: number;
  kl: number;
  length: number;
}

/** The summary of a run's evaluations, or null before it has two (iteration 0 and a later one). */
export function runEvaluationSummary(run: { points: readonly { episodes?: number; values: Record<string, number> }[] }): RunEvaluationSummary | null {
  const evals = run.points.filter((p) => finite(p.values['gold/reward']));
  const first = evals[0];
  const last = evals.at(-1);
  if (!first || !last || evals.length < 2) return null;
  const v = last.values;
  return {
    sftGold: first.values['gold/reward'] ?? NaN,
    sftLength: first.values['eval/length'] ?? NaN,
    lengthCap: run.points.map((p) => p.values['eval/length_cap']).find(finite) ?? NaN,
    episodes: last.values.episodes ?? last.episodes ?? NaN,
    gold: v['gold/reward'] ?? NaN,
    goldSe: v['gold/reward_se'] ?? NaN,
    winRate: v['gold/win_rate'] ?? NaN,
    winRateSe: v['gold/win_rate_se'] ?? NaN,
    kl: v['eval/kl'] ?? NaN,
    length: v['eval/length'] ?? NaN,
  };
}
