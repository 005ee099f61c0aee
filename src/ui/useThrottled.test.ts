import { describe, expect, it } from 'vitest';
import { CHART_EVERY_MS, chartEveryMs, HELD, showAt } from './useThrottled';

describe('a chart redrawn at most once a second while a run streams', () => {
  it('shows a change at once after a quiet second, else when the second is up', () => {
    expect(showAt(Number.NEGATIVE_INFINITY, 5, CHART_EVERY_MS)).toBe(5); // the first change
    expect(showAt(1000, 2500, CHART_EVERY_MS)).toBe(2500); // more than a second since the last redraw
    expect(showAt(1000, 1200, CHART_EVERY_MS)).toBe(2000); // 0.2 s after it: waits until 2.0 s
    expect(showAt(1000, 1200, 0)).toBe(1200); // not throttled
  });

  it('holds a chart off screen while its run streams, and shows every chart at once when the run ends', () => {
    expect(chartEveryMs(true, true)).toBe(CHART_EVERY_MS);
    expect(chartEveryMs(true, false)).toBe(HELD);
    expect(chartEveryMs(false, false)).toBe(0);
    expect(chartEveryMs(false, true)).toBe(0);
  });
});
