import { describe, expect, it } from 'vitest';
import { bestWithinKl, formatMeanCi, meanCi, quantile, tQuantile975 } from './stats';

describe('experiment statistics', () => {
  it('gives the t-based 95% interval (hand-computed for 1, 2, 3, 4, 5)', () => {
    // mean 3, sample sd √2.5 = 1.5811, t(4) = 2.776 → 2.776·1.5811/√5 = 1.9630
    const m = meanCi([1, 2, 3, 4, 5]);
    expect(m.mean).toBe(3);
    expect(m.ci).toBeCloseTo(1.963, 3);
    expect(formatMeanCi(m, 2)).toBe('3.00 ± 1.96');
    expect(meanCi([2]).ci).toBeNaN();
    expect(meanCi([NaN, 4, 6]).mean).toBe(5);
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(100)).toBe(1.96);
  });

  it('finds the best value within a KL budget, and quantiles', () => {
    const pts = [{ kl: 0, y: 1 }, { kl: 0.5, y: 3 }, { kl: 1.5, y: 9 }, { kl: 0.9, y: 2 }];
    expect(bestWithinKl(pts, 1)).toBe(3);
    expect(bestWithinKl(pts, 2)).toBe(9);
    expect(bestWithinKl(pts, -1)).toBeNaN();
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3], 1)).toBe(3);
  });
});
