/**
 * A value that reaches its readers at most once per `ms` while it streams in, at once when `ms` is 0, and not at all
 * while `ms` is HELD (a chart off screen). The charts
 * read their data through it while a run goes on: on two cores the page's drawing takes its CPU from the lab's two
 * workers (docs/performance.md, "Two stages at once"), and a chart redrawn once a second reads the same as one
 * redrawn seven times. The latest value always arrives, at most `ms` late.
 */
import { useEffect, useState } from 'react';

/** How often a chart is redrawn while a run streams into it. */
export const CHART_EVERY_MS = 1000;
/** A chart off screen while a run streams into it: held until it scrolls into view or the run ends. */
export const HELD = Number.POSITIVE_INFINITY;

/** How often a chart that `live` data streams into is redrawn: once a second on screen, not at all off it, at once when the run ends. */
export const chartEveryMs = (live: boolean, onScreen: boolean): number => (!live ? 0 : onScreen ? CHART_EVERY_MS : HELD);

/** When a value that changed at `now` is shown: at once if the last showing is `ms` old, else when it will be. */
export function showAt(lastShown: number, now: number, ms: number): number {
  return Math.max(now, lastShown + ms);
}

export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState({ value, at: Number.NEGATIVE_INFINITY });
  useEffect(() => {
    if (ms === 0 || ms === HELD || value === shown.value) return;
    const now = performance.now();
    const timer = setTimeout(() => setShown({ value, at: performance.now() }), showAt(shown.at, now, ms) - now);
    return () => clearTimeout(timer);
  }, [value, ms, shown]);
  return ms === 0 ? value : shown.value;
}
