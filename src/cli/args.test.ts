import { describe, expect, it } from 'vitest';
import { keyValue, parseSets } from './args';

describe('command-line key=value flags', () => {
  it('parses settings and names the first bad item', () => {
    expect(parseSets(['beta2=0.05', 'rlIterations=40'])).toEqual({ overrides: { beta2: 0.05, rlIterations: 40 } });
    expect(parseSets(['beta2'])).toEqual({ problem: '--set takes key=value, got "beta2"' });
    expect(parseSets(['beta2=x'])).toEqual({ problem: '--set beta2 needs a number, got "x"' });
    expect(keyValue('beta1=0.05,0.5')).toEqual({ key: 'beta1', value: '0.05,0.5' });
  });
});
