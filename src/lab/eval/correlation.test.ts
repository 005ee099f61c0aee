import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from './correlation';

describe('pearson', () => {
  it('matches a hand-computed value', () => {
    // x̄ = 2, ȳ = 13/3: Σdxdy = 5, Σdx² = 2, Σdy² = 114/9, so r = 5 / √(228/9) = 15/√228.
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(15 / Math.sqrt(228), 14);
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(0.993399, 6);
  });

  it('is exactly ±1 on lines and ignores offset and scale', () => {
    expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBe(1);
    expect(pearson([1, 2, 3, 4], [-2, -4, -6, -8])).toBe(-1);
    // A large offset would cancel catastrophically in a one-pass Σxy − n·x̄ȳ.
    const x = [0.1, 0.5, 0.2, 0.9, 0.3];
    const y = [1, 3, 2, 2, 0];
    const shifted = x.map((v) => 1e9 + 7 * v);
    expect(pearson(shifted, y)).toBeCloseTo(pearson(x, y), 6);
  });

  it('accepts typed arrays', () => {
    expect(pearson(Float32Array.from([1, 2, 3]), new Float64Array([2, 4, 7]))).toBeCloseTo(15 / Math.sqrt(228), 6);
  });

  it('is NaN when undefined and throws on mismatched lengths', () => {
    expect(pearson([], [])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});

describe('spearman', () => {
  it('averages tied ranks', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5, 20]))).toEqual([2, 4, 4, 1, 4]);
  });

  it('matches a hand-computed value with ties', () => {
    // Ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5, so ρ = 4.5/√22.5 = 3/√10.
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 14);
    // No ties: the textbook 1 − 6Σd²/(n(n²−1)); ranks [1..5] vs [2,1,4,3,5] give Σd² = 4, ρ = 1 − 24/120 = 0.8.
    expect(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50])).toBeCloseTo(0.8, 14);
  });

  it('is unchanged by strictly monotone transforms, and ±1 on any monotone relation', () => {
    const x = [0.3, -1.2, 2.5, 0.7, 0.7, -0.1, 4];
    const y = [1, 0.2, 3, 3, 2, -5, 0];
    const rho = spearman(x, y);
    expect(spearman(x.map(Math.exp), y.map((v) => v * v * v - 10))).toBe(rho);
    expect(spearman(x.map((v) => -v), y)).toBeCloseTo(-rho, 14);
    expect(spearman([1, 2, 3, 4], [1, 10, 100, 1000])).toBe(1);
    expect(pearson([1, 2, 3, 4], [1, 10, 100, 1000])).toBeLessThan(0.95);
  });

  it('is NaN when undefined and throws on mismatched lengths', () => {
    expect(spearman([3], [1])).toBeNaN();
    expect(spearman([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(spearman([1, NaN, 3], [1, 2, 3])).toBeNaN();
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});
