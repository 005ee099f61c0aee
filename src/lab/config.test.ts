import { describe, expect, it } from 'vitest';
import { brokenRules, CROSS_FIELD_RULES, PRESET_NAMES, resolveSettings, REWARD_PRESET_NAMES, ruleMessage, setupProblems, validateSettings } from './config';

describe('the cross-field rule table', () => {
  it('has one row per rule, each naming two settings', () => {
    expect(CROSS_FIELD_RULES.map((r) => r.fields.join('/'))).toEqual(['width/heads', 'rlPrompts/rlMinibatches', 'rlPrompts/groupSize']);
  });

  it('heads must divide the width: the exact message, and nothing when it does', () => {
    expect(validateSettings({ width: 64, heads: 3 })).toEqual(['Width (64) must be divisible by Heads (3)']);
    expect(validateSettings({ width: 64, heads: 4 })).toEqual([]);
    expect(validateSettings({ width: 30, heads: 6 })).toEqual([]);
    expect(validateSettings({ width: 30, heads: 4 })).toEqual(['Width (30) must be divisible by Heads (4)']);
  });

  it('minibatches must divide the prompts per rollout: the exact message, and nothing when they do', () => {
    expect(validateSettings({ rlPrompts: 64, rlMinibatches: 3 })).toEqual(['Prompts per rollout (64) must be divisible by Minibatches (3)']);
    expect(validateSettings({ rlPrompts: 64, rlMinibatches: 8 })).toEqual([]);
    expect(validateSettings({ rlPrompts: 6, rlMinibatches: 7 })).toEqual(['Prompts per rollout (6) must be divisible by Minibatches (7)']);
  });

  it('judges a rule only when both values are present and fine on their own', () => {
    expect(brokenRules({ heads: 3 })).toEqual([]);
    expect(validateSettings({ width: 64, heads: 0 })).toEqual(['Heads (heads) must be between 1 and 16, got 0']);
    expect(validateSettings({ width: 64.5, heads: 3 })).toEqual(['Width (width) must be a whole number, got 64.5']);
  });

  it('breaking every rule gives every message, in the table order', () => {
    const values = { width: 64, heads: 3, rlPrompts: 64, rlMinibatches: 3, groupSize: 3 };
    expect(brokenRules(values).map((b) => b.message)).toEqual(['Width (64) must be divisible by Heads (3)', 'Prompts per rollout (64) must be divisible by Minibatches (3)', 'Prompts per rollout (64) must be divisible by Group size (3)']);
    expect(brokenRules(values).map((b) => b.message)).toEqual(CROSS_FIELD_RULES.map((r) => ruleMessage(r, values)));
  });

  it('judges changed settings against the preset they sit on', () => {
    expect(setupProblems('tiny', { heads: 3 })).toEqual(['Width (32) must be divisible by Heads (3)']);
    expect(setupProblems('small', { heads: 3 })).toEqual(['Width (64) must be divisible by Heads (3)']);
    expect(setupProblems('tiny', { heads: 4 })).toEqual([]);
    expect(setupProblems('tiny', { width: 36 })).toEqual([]);
    expect(setupProblems('tiny', { width: 33 })).toEqual(['Width (33) must be divisible by Heads (2)']);
    expect(() => resolveSettings('tiny', { heads: 3 })).toThrow(new RangeError('invalid settings: Width (32) must be divisible by Heads (3)'));
  });

  it('every preset, task and reward preset keeps every rule', () => {
    for (const preset of PRESET_NAMES) for (const task of ['sentiment', 'oracle'] as const) for (const rewards of REWARD_PRESET_NAMES) {
      expect(setupProblems(preset, {}, task, rewards), `${preset}/${task}/${rewards}`).toEqual([]);
    }
  });
});
