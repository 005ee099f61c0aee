/** The RL runs' per-iteration metrics as files a user can take elsewhere (CSV for spreadsheets, JSON with context). */
import type { MetricPoint } from './stageRuns';

export interface ExportRun {
  label: string;
  points: MetricPoint[];
}

const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : String(v));

/** One row per run and iteration; one column per metric any run reported (missing values left empty). */
export function metricsCsv(runs: readonly ExportRun[]): string {
  const keys = [...new Set(runs.flatMap((r) => r.points.flatMap((p) => Object.keys(p.values))))].sort();
  const quote = (k: string) => (/[",\n]/.test(k) ? `"${k.replaceAll('"', '""')}"` : k);
  const lines = [['run', 'iteration', ...keys].map(quote).join(',')];
  for (const r of runs) for (const p of r.points) lines.push([quote(r.label), String(p.step), ...keys.map((k) => cell(p.values[k]))].join(','));
  return `${lines.join('\n')}\n`;
}

export function metricsJson(runs: readonly ExportRun[], context: Record<string, unknown>): string {
  return JSON.stringify({ ...context, runs: runs.map((r) => ({ label: r.label, points: r.points })) }, null, 1);
}
