import { describe, expect, it } from 'vitest';
import { resolveSettings } from './config';
import { QUICK_DEMO_SETTINGS, quickDemoOverrides } from './quickDemoSettings';

describe("the Quick demo's own settings", () => {
  it('apply where the visitor set none, and yield to what the URL sets', () => {
    expect(quickDemoOverrides({})).toEqual(QUICK_DEMO_SETTINGS);
    expect(quickDemoOverrides({ seed: 3 })).toEqual(QUICK_DEMO_SETTINGS);
    expect(quickDemoOverrides({ rlEvalEvery: 1 })).toEqual({});
  });

  it('are valid on the tiny sentiment preset, and give curves of 6 points (iterations 0, 4, …, 20)', () => {
    const s = resolveSettings('tiny', { ...QUICK_DEMO_SETTINGS }, 'sentiment');
    const points = Array.from({ length: s.rlIterations + 1 }, (_, i) => i).filter((i) => i % s.rlEvalEvery === 0 || i === s.rlIterations);
    expect(points).toEqual([0, 4, 8, 12, 16, 20]);
  });
});
