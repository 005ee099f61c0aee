import { describe, expect, it } from 'vitest';
import { hashOfConfig, parseHashConfig } from './urlConfig';

describe('configuration in the URL hash', () => {
  it('round-trips a task, a preset and changed settings', () => {
    const hash = hashOfConfig({ task: 'oracle', preset: 'small', overrides: { seed: 3, beta2: 0.05, rlIterations: 10 }, hide: ['backend', 'score'], sweep: [1, 0.25] });
    expect(hash).toBe('#preset=small&task=oracle&seed=3&beta2=0.05&rlIterations=10&hide=backend%2Cscore&sweep=1%2C0.25');
    expect(parseHashConfig(hash)).toEqual({ task: 'oracle', preset: 'small', overrides: { seed: 3, beta2: 0.05, rlIterations: 10 }, hide: new Set(['backend', 'score']), sweep: [1, 0.25], problems: [] });
    expect(parseHashConfig(hashOfConfig({ task: 'sentiment', preset: 'tiny', overrides: {} })).sweep).toBeNull();
  });

  it('defaults to the sentiment task on tiny when the hash names neither', () => {
    const c = parseHashConfig('#sftSteps=3');
    expect(c).toMatchObject({ task: 'sentiment', preset: 'tiny', overrides: { sftSteps: 3 }, problems: [] });
    expect(parseHashConfig('').task).toBe('sentiment');
    expect(parseHashConfig('#task=oracle').task).toBe('oracle');
  });

  it('reports bad values and unknown keys, and keeps the good ones', () => {
    const c = parseHashConfig('#preset=huge&task=chess&seed=2&beta2=abc&layers=99&nonsense=1&hide=sft,bogus&sweep=1,2');
    expect(c.preset).toBe('tiny');
    expect(c.task).toBe('sentiment');
    expect(c.overrides).toEqual({ seed: 2 });
    expect(c.hide).toEqual(new Set(['sft']));
    expect(c.sweep).toBeNull();
    expect(c.problems).toHaveLength(7);
    for (const part of ['preset "huge"', 'task "chess" is not one of sentiment, oracle; using sentiment', 'beta2=abc', 'Layers (layers)', '"nonsense"', 'hide=bogus', 'sweep=1,2: "2" must be between']) {
      expect(c.problems.some((p) => p.includes(part)), part).toBe(true);
    }
  });

  it('judges the cross-field rules at load, on the preset with the address on top, and drops the values that break one', () => {
    expect(parseHashConfig('#preset=tiny&heads=3')).toMatchObject({ overrides: {}, problems: ['Width (32) must be divisible by Heads (3); heads=3 ignored'] });
    expect(parseHashConfig('#heads=3&preset=small')).toMatchObject({ overrides: {}, problems: ['Width (64) must be divisible by Heads (3); heads=3 ignored'] });
    expect(parseHashConfig('#preset=tiny&width=30&heads=4&seed=5')).toMatchObject({ overrides: { seed: 5 }, problems: ['Width (30) must be divisible by Heads (4); width=30, heads=4 ignored'] });
    expect(parseHashConfig('#rlMinibatches=3')).toMatchObject({ overrides: {}, problems: ['Prompts per rollout (64) must be divisible by Minibatches (3); rlMinibatches=3 ignored'] });
    expect(parseHashConfig('#preset=tiny&heads=4&rlPrompts=48&rlMinibatches=6')).toMatchObject({ overrides: { heads: 4, rlPrompts: 48, rlMinibatches: 6 }, problems: [] });
  });
});
