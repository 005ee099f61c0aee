/**
 * What the rollout viewer's components draw, from a log's view (lab/rollouts runView.ts): a label per series, the
 * reward-per-step chart rows, a histogram of a step's values, the response table's rows and the heatmap's runs.
 * Pure, so the numbers are tested in Node.
 */
import { isMethodName, methodOf } from '../lab/train/methods';
import type { RolloutSeries, RolloutTableRow, StepSamples } from '../lab/rollouts';
import type { HeatmapSnapshot } from './heatmapScale';
import { hasRepeatedWord, SHARED_SHARE, type TableRow } from './responseTable';

const SERIES_COLORS = ['#2f5bd3', '#c2410c', '#15803d', '#7c3aed', '#b45309', '#0e7490', '#be185d', '#4b5563'];

/** "RTO" for a lab log's rto records, the method as written for another engine's, "log" without one. */
export function seriesLabel(s: RolloutSeries): string {
  if (s.method === null) return 'log';
  return isMethodName(s.method) ? methodOf(s.method).label : s.method;
}

export const seriesColor = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length]!;

/** One chart row per step: each series' mean reward, its ± 1 std band, mean ref_reward, mean KL and mean gold. */
export type RewardChartRow = { step: number } & Record<string, number | [number, number] | null>;

export function rewardChartRows(series: readonly RolloutSeries[]): RewardChartRow[] {
  const rows = new Map<number, RewardChartRow>();
  series.forEach((s, k) => {
    for (const r of s.steps) {
      let row = rows.get(r.step);
      if (!row) {
        row = { step: r.step };
        rows.set(r.step, row);
      }
      row[`reward${k}`] = r.meanReward;
      row[`band${k}`] = r.meanReward !== null && r.stdReward !== null ? [r.meanReward - r.stdReward, r.meanReward + r.stdReward] : null;
      row[`ref${k}`] = r.meanRefReward;
      row[`kl${k}`] = r.meanKl;
      row[`gold${k}`] = r.meanGold;
    }
  });
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

export interface HistogramBin {
  /** The bin's lower and upper edge. */
  from: number;
  to: number;
  count: number;
}

/** Equal-width bins over [min, max] (the last bin closed); one bin for a single value; none for no values. */
export function histogram(values: readonly number[], bins = 20): HistogramBin[] {
  if (values.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [{ from: min, to: max, count: values.length }];
  const width = (max - min) / bins;
  const out = Array.from({ length: bins }, (_, i) => ({ from: min + i * width, to: i === bins - 1 ? max : min + (i + 1) * width, count: 0 }));
  for (const v of values) out[Math.min(bins - 1, Math.floor((v - min) / width))]!.count++;
  return out;
}

const nan = (x: number | null) => (x === null ? NaN : x);

/**
 * The response table's rows of a step: Reward as the score column, ref_reward beside it, KL as Σ log-ratio, the
 * length in response_tokens, and the reference model's response in the last column. A log has no length cap,
 * so no row is flagged at the cap; repeated words and shared responses are flagged as in the lab's table.
 */
export function logTableRows(rows: readonly RolloutTableRow[]): TableRow[] {
  const uses = new Map<string, number>();
  for (const r of rows) uses.set(r.response, (uses.get(r.response) ?? 0) + 1);
  const sharedAt = Math.max(2, Math.ceil(SHARED_SHARE * rows.length));
  return rows.map((r, index) => ({
    index,
    prompt: r.prompt,
    text: r.response,
    gold: nan(r.gold),
    score: nan(r.reward),
    refScore: nan(r.refReward),
    kl: nan(r.kl),
    length: r.tokens ? r.tokens.length : NaN,
    flags: { atCap: false, repeated: hasRepeatedWord(r.tokens ?? r.response.split(/\s+/)), shared: (uses.get(r.response) ?? 0) >= sharedAt },
    sft: r.refResponse === null ? null : { response: [], gold: nan(r.refReward), length: NaN, text: r.refResponse, atCap: false },
  }));
}

/** The heatmap's snapshots of a series: its token rows by step. */
export function heatmapSnapshots(samples: readonly StepSamples[]): HeatmapSnapshot[] {
  return samples.filter((s) => s.heatmap.length > 0).map((s) => ({ step: s.step, rows: s.heatmap }));
}

/** "12.3 MB" */
export function sizeText(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
