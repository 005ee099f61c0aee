import { describe, expect, it } from 'vitest';
import {
  allResponses,
  conditional,
  makeOracleTree,
  prefixLogProb,
  sampleBounds,
  sentenceLevelSearch,
  sentenceLogProb,
  tokenLevelSearch,
  type OracleTree,
} from './search';

/** The true argmax of the sentence reward, by brute force over all A^H responses. */
function bruteArgmax(tree: OracleTree): number[] {
  let best: number[] = [];
  let bestLogp = -Infinity;
  for (const y of allResponses(tree.A, tree.H)) {
    const logp = sentenceLogProb(tree, y);
    if (best.length === 0 || logp > bestLogp) {
      best = y;
      bestLogp = logp;
    }
  }
  return best;
}

describe('Proposition 3.2 on the Fig. 2 example (A = 2, H = 3, ξ = 1)', () => {
  for (const seed of [0, 1, 2, 'fig2']) {
    it(`seed ${seed}: token-level ≤ 4 samples, sentence-level 8, same true argmax`, () => {
      const tree = makeOracleTree(2, 3, 1, seed);
      const sentence = sentenceLevelSearch(tree);
      const token = tokenLevelSearch(tree, 1);
      const truth = bruteArgmax(tree);
      expect(sentence.samples).toBe(8);
      expect(sentence.order).toHaveLength(8);
      expect(token.samples).toBeLessThanOrEqual(4);
      expect(sampleBounds(2, 3, 1)).toEqual({ sentence: 8, token: 4 });
      expect(sentence.best).toEqual(truth);
      expect(token.best).toEqual(truth);
      expect(truth).toEqual(tree.good);
    });
  }
});

describe('oracle tree', () => {
  it('is deterministic in its seed and has normalised conditionals', () => {
    const a = makeOracleTree(3, 4, 2, 7);
    expect(makeOracleTree(3, 4, 2, 7)).toEqual(a);
    expect(makeOracleTree(3, 4, 2, 8).cond).not.toEqual(a.cond);
    for (let len = 0; len < a.H; len++) {
      for (const prefix of allResponses(a.A, len)) {
        const p = conditional(a, prefix);
        expect(p).toHaveLength(3);
        expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
        expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('prefix log-probabilities add up along the response', () => {
    const tree = makeOracleTree(2, 5, 3, 'sum');
    const y = [1, 0, 1, 1, 0];
    const tokens = y.map((a, h) => Math.log(conditional(tree, y.slice(0, h))[a]!));
    expect(prefixLogProb(tree, [])).toBe(0);
    expect(sentenceLogProb(tree, y)).toBeCloseTo(tokens.reduce((s, v) => s + v, 0), 12);
    const total = allResponses(2, 5).reduce((s, r) => s + Math.exp(sentenceLogProb(tree, r)), 0);
    expect(total).toBeCloseTo(1, 12);
  });
});

describe('property: every A, H, ξ, several seeds', () => {
  it('meets the premise, the bounds, and both searches find the brute-force argmax', () => {
    let cases = 0;
    for (const A of [2, 3, 4]) {
      for (let H = 1; H <= 6; H++) {
        if (A ** H > 4096) continue;
        for (let xi = 0; xi <= H; xi++) {
          for (const seed of [0, 1, 2, 3]) {
            const tree = makeOracleTree(A, H, xi, seed);
            const bounds = sampleBounds(A, H, xi);
            const logTau = -xi * Math.log(A);
            const truth = bruteArgmax(tree);
            // Premise: exactly one response (the planted one) at or above A^(−ξ).
            const above = allResponses(A, H).filter((y) => sentenceLogProb(tree, y) >= logTau - 1e-9);
            expect(above).toEqual([tree.good]);
            expect(truth).toEqual(tree.good);

            const sentence = sentenceLevelSearch(tree);
            expect(sentence.samples).toBe(bounds.sentence);
            expect(sentence.best).toEqual(truth);

            const token = tokenLevelSearch(tree, xi);
            expect(token.samples).toBeLessThanOrEqual(bounds.token);
            expect(token.best).toEqual(truth);
            expect(token.tokenEvaluations).toBe(token.visited.length);
            expect(token.widthByDepth.reduce((s, w) => s + w, 0)).toBe(token.visited.length);
            // Pruning is sound: a pruned prefix really is below A^(−ξ), a kept one is not.
            for (const v of token.visited) expect(prefixLogProb(tree, v.prefix) < logTau - 1e-9).toBe(v.pruned);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(250);
  });

  it('the count is order-free: each depth evaluates A children of every survivor above it', () => {
    const tree = makeOracleTree(2, 6, 3, 5);
    const { visited, widthByDepth } = tokenLevelSearch(tree);
    for (let h = 1; h <= 6; h++) {
      const survivorsAbove = h === 1 ? 1 : visited.filter((v) => v.prefix.length === h - 1 && !v.pruned).length;
      expect(widthByDepth[h - 1]).toBe(2 * survivorsAbove);
    }
  });

  it('a larger ξ than the tree was built for keeps more prefixes but still finds y*', () => {
    const tree = makeOracleTree(3, 4, 1, 9);
    const tight = tokenLevelSearch(tree, 1);
    const loose = tokenLevelSearch(tree, 4);
    expect(loose.tokenEvaluations).toBeGreaterThanOrEqual(tight.tokenEvaluations);
    expect(loose.best).toEqual(tree.good);
  });
});

describe('input validation', () => {
  it.each([
    [1, 3, 1],
    [5, 3, 1],
    [2.5, 3, 1],
    [2, 0, 0],
    [2, 7, 1],
    [2, 3, -1],
    [2, 3, 4],
    [2, 3, 1.5],
    [Number.NaN, 3, 1],
  ])('A=%s H=%s ξ=%s throws a RangeError', (A, H, xi) => {
    expect(() => makeOracleTree(A, H, xi, 0)).toThrow(RangeError);
    expect(() => sampleBounds(A, H, xi)).toThrow(RangeError);
  });

  it('rejects a bad ξ, prefix or response length in the helpers', () => {
    const tree = makeOracleTree(2, 3, 1, 0);
    expect(() => tokenLevelSearch(tree, 4)).toThrow(RangeError);
    expect(() => tokenLevelSearch(tree, -1)).toThrow(RangeError);
    expect(() => sentenceLogProb(tree, [0, 1])).toThrow(RangeError);
    expect(() => prefixLogProb(tree, [0, 2])).toThrow(RangeError);
    expect(() => conditional(tree, [0, 1, 0])).toThrow(RangeError);
  });
});
