/**
 * Summaries over seeds for the experiment tables: mean and a 95% confidence interval from Student's t (the seed
 * count is small, so the normal 1.96 would be too narrow), and the matched-KL view.
 */

/** Two-sided 97.5% quantiles of Student's t by degrees of freedom 1–30; beyond that the normal value. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) return NaN;
  return T975[df - 1] ?? 1.96;
}

export interface MeanCi {
  n: number;
  mean: number;
  /** Half-width of the 95% interval (NaN for a single value). */
  ci: number;
}

export function meanCi(xs: readonly number[]): MeanCi {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: NaN, ci: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, ci: NaN };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { n, mean, ci: (tQuantile975(n - 1) * sd) / Math.sqrt(n) };
}

export function formatMeanCi(m: MeanCi, digits = 3): string {
  if (!Number.isFinite(m.mean)) return '—';
  return Number.isFinite(m.ci) ? `${m.mean.toFixed(digits)} ± ${m.ci.toFixed(digits)}` : m.mean.toFixed(digits);
}

/** The best value of `y` among points whose `kl` is within the budget (NaN when none is). */
export function bestWithinKl(points: readonly { kl: number; y: number }[], budget: number): number {
  let best = NaN;
  for (const p of points) if (p.kl <= budget && !(p.y <= best)) best = p.y;
  return best;
}

/** The q-quantile (0–1) of values, linear between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (v[lo] ?? NaN) + ((v[hi] ?? NaN) - (v[lo] ?? NaN)) * (pos - lo);
}
