/**
 * What the Quick demo runs differently from the page's setup (the tiny preset): its RL curves take a point every
 * 4th iteration (6 points: 0, 4, …, 20) instead of every 2nd (11). An evaluation draws from its own seed, so this
 * changes no weight and no final number (rl.test.ts); it takes five of the ten evaluations out of each RL stage, about
 * a quarter of its work (docs/performance.md, "Fewer points on the Quick demo's curves"). The page, the CLI's
 * `experiment --quick-demo` and the timing scripts all read this row.
 */
import type { Settings } from './config';

export const QUICK_DEMO_SETTINGS: Readonly<Partial<Settings>> = { rlEvalEvery: 4 };

/** The demo's settings that the visitor has not set (in the URL): theirs win. */
export function quickDemoOverrides(set: Readonly<Partial<Settings>>): Partial<Settings> {
  return Object.fromEntries(Object.entries(QUICK_DEMO_SETTINGS).filter(([key]) => set[key as keyof Settings] === undefined));
}
