import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../lab/config';
import { keyValue, parseSets, settingFlagsAsSets } from './args';

describe('command-line key=value flags', () => {
  it('parses settings and names the first bad item', () => {
    expect(parseSets(['beta2=0.05', 'rlIterations=40'])).toEqual({ overrides: { beta2: 0.05, rlIterations: 40 } });
    expect(parseSets(['beta2'])).toEqual({ problem: '--set takes key=value, got "beta2"' });
    expect(parseSets(['beta2=x'])).toEqual({ problem: '--set beta2 needs a number, got "x"' });
    expect(keyValue('beta1=0.05,0.5')).toEqual({ key: 'beta1', value: '0.05,0.5' });
  });
});

describe('a flag for every setting', () => {
  it('rewrites --<setting> value and --<setting>=value as --set, leaving other flags alone', () => {
    expect(settingFlagsAsSets(['sft', '--heads', '3', '--preset', 'tiny', '--beta2=0.05', '--set', 'width=30'])).toEqual(['sft', '--set', 'heads=3', '--preset', 'tiny', '--set', 'beta2=0.05', '--set', 'width=30']);
    expect(settingFlagsAsSets(['rl', '--beta2', '-1'])).toEqual(['rl', '--set', 'beta2=-1']);
  });

  it('keeps reserved flags, a setting flag without a value, and everything after --', () => {
    expect(settingFlagsAsSets(['sft', '--seed', '3', '--steps', '9'], new Set(['seed']))).toEqual(['sft', '--seed', '3', '--steps', '9']);
    expect(settingFlagsAsSets(['sft', '--heads'])).toEqual(['sft', '--heads']);
    expect(settingFlagsAsSets(['sft', '--heads', '--preset', 'tiny'])).toEqual(['sft', '--heads', '--preset', 'tiny']);
    expect(settingFlagsAsSets(['sft', '--', '--heads', '3'])).toEqual(['sft', '--', '--heads', '3']);
  });

  it('--heads 3 reaches the settings check with the rule message before anything trains', () => {
    const args = settingFlagsAsSets(['sft', '--heads', '3']);
    const sets = parseSets(args.filter((_, i) => args[i - 1] === '--set'));
    expect(sets).toEqual({ overrides: { heads: 3 } });
    if ('problem' in sets) throw new Error(sets.problem);
    expect(() => resolveSettings('tiny', sets.overrides)).toThrow('invalid settings: Width (32) must be divisible by Heads (3)');
    expect(() => resolveSettings('small', { rlMinibatches: 5 })).toThrow('invalid settings: Prompts per rollout (64) must be divisible by Minibatches (5)');
  });
});
