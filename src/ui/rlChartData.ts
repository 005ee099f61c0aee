/**
 * Recharts wants one data array per chart, one row per x value and one key per series; the worker gives one list of
 * metric points per run. These pure helpers do the reshaping so RlCharts only draws.
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

/** A chart row: `episodes` plus one key per run that has a finite value there (see `seriesKey`). */
export type RlChartRow = { episodes: number } & Record<string, number>;

/** The data key of the run with index `i`: run labels may hold dots, which Recharts reads as paths. */
export const seriesKey = (i: number): string => `run${i}`;

/**
 * The rows of one metric's line chart, sorted by episodes, with the number of finite points of visible runs.
 * A run missing the metric at some episodes (gold/* between evaluations) just lacks the key in those rows.
 */
export function lineChartData(runs: RlRunSeries[], metric: string): { rows: RlChartRow[]; count: number } {
  const byEpisodes = new Map<number, RlChartRow>();
  let count = 0;
  runs.forEach((run, i) => {
    if (!run.visible) return;
    for (const p of run.points) {
      const v = p.values[metric];
      if (v === undefined || !Number.isFinite(v) || !Number.isFinite(p.episodes)) continue;
      let row = byEpisodes.get(p.episodes);
      if (!row) byEpisodes.set(p.episodes, (row = { episodes: p.episodes } as RlChartRow));
      row[seriesKey(i)] = v;
      count += 1;
    }
  });
  return { rows: [...byEpisodes.values()].sort((a, b) => a.episodes - b.episodes), count };
}

/** The points of one run where both metrics are finite, as { x, y, episodes }, in episode order. */
export function scatterData(run: RlRunSeries, xMetric: string, yMetric: string): { x: number; y: number; episodes: number }[] {
  return run.points.flatMap((p) => {
    const x = p.values[xMetric];
    const y = p.values[yMetric];
    return x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? [{ x, y, episodes: p.episodes }] : [];
  });
}
