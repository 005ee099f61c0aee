/**
 * Correlation coefficients, for comparing a learned reward with the true one (e.g. DPO's implicit token reward with
 * the oracle's r*). Pearson measures a linear fit; Spearman only the order, which is what a reward needs to get right
 * for a policy that ranks responses.
 */

function checkLengths(x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new RangeError(`correlation needs equal lengths, got ${x.length} and ${y.length}`);
}

/** Pearson's r; NaN for fewer than 2 points or when either side is constant (r is undefined there). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  // Two passes (centre, then sum products) rather than Σxy − n·x̄ȳ, which cancels catastrophically on large offsets.
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  // Rounding can push |r| a hair past 1 on perfectly linear data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** 1-based ranks; tied values share the average of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => (values[a] as number) - (values[b] as number),
  );
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's ρ: Pearson on average ranks; NaN for fewer than 2 points, a constant side, or any NaN value. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  // NaN breaks the sort's ordering, so the ranks would be arbitrary.
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]) || Number.isNaN(y[i])) return NaN;
  return pearson(averageRanks(x), averageRanks(y));
}
