import { describe, expect, it } from 'vitest';
import { hashOfConfig, parseHashConfig } from './urlConfig';

describe('configuration in the URL hash', () => {
  it('round-trips a preset and changed settings', () => {
    const hash = hashOfConfig('small', { seed: 3, beta2: 0.05, rlIterations: 10 }, ['backend', 'score'], [1, 0.25]);
    expect(parseHashConfig(hash)).toEqual({ preset: 'small', overrides: { seed: 3, beta2: 0.05, rlIterations: 10 }, hide: new Set(['backend', 'score']), sweep: [1, 0.25], problems: [] });
    expect(parseHashConfig(hashOfConfig('tiny', {})).sweep).toBeNull();
  });

  it('reports bad values and unknown keys, and keeps the good ones', () => {
    const c = parseHashConfig('#preset=huge&seed=2&beta2=abc&layers=99&nonsense=1&hide=sft,bogus&sweep=1,2');
    expect(c.preset).toBe('tiny');
    expect(c.overrides).toEqual({ seed: 2 });
    expect(c.hide).toEqual(new Set(['sft']));
    expect(c.sweep).toBeNull();
    expect(c.problems).toHaveLength(6);
    for (const part of ['preset "huge"', 'beta2=abc', 'Layers (layers)', '"nonsense"', 'hide=bogus', 'sweep=1,2: "2" must be between']) {
      expect(c.problems.some((p) => p.includes(part)), part).toBe(true);
    }
  });
});
