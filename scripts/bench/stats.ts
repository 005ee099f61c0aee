/** Summaries of repeated timings (ms): median and spread. Shared by the Node and the browser benchmark. */
export interface Timing {
  /** What was timed, e.g. "ref step", "rl rto: sampling". */
  name: string;
  /** A stable id for the figures the page's expected times use (expectedTime.ts), when the row is one. */
  key?: string;
  /** The unit one sample covers, e.g. "step", "iteration", "1,000 prompts". */
  unit: string;
  n: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  samples: number[];
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarise(name: string, unit: string, samples: readonly number[], key?: string): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    name,
    ...(key ? { key } : {}),
    unit,
    n: sorted.length,
    median: r(quantile(sorted, 0.5)),
    min: r(sorted[0] ?? NaN),
    max: r(sorted[sorted.length - 1] ?? NaN),
    p25: r(quantile(sorted, 0.25)),
    p75: r(quantile(sorted, 0.75)),
    samples: samples.map(r),
  };
}

/** The markdown table of a run: one row per timing. */
export function markdownTable(backend: string, rows: readonly Timing[]): string {
  const head = `| ${backend} | per | median ms | min–max ms | IQR ms | n |\n|---|---|---:|---:|---:|---:|`;
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return [head, ...rows.map((t) => `| ${t.name} | ${t.unit} | ${f(t.median)} | ${f(t.min)}–${f(t.max)} | ${f(t.p25)}–${f(t.p75)} | ${t.n} |`)].join('\n');
}
