import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { timeProbe } from './probe';

describe('backend probe', () => {
  it('times warm-up and passes on wasm, and leaves no tensors behind', async () => {
    await useNodeBackend('wasm');
    const before = tf.memory().numTensors;
    const t = await timeProbe({ now: () => performance.now(), passes: 2, budgetMs: 60_000 });
    expect(t.passes).toBe(2);
    expect(t.overBudget).toBe(false);
    expect(t.warmupMs).toBeGreaterThan(0);
    expect(t.stepMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops at the budget, and gives up after one pass slower than the bar', async () => {
    await useNodeBackend('wasm');
    // A fake clock that advances 100 ms per reading makes the budget arithmetic exact.
    let clock = 0;
    const now = () => (clock += 100);
    const none = await timeProbe({ now, budgetMs: 150, passes: 3 });
    expect(none).toMatchObject({ passes: 0, stepMs: null, overBudget: true });
    const one = await timeProbe({ now, budgetMs: 10_000, passes: 3, giveUpAboveMs: 50 });
    expect(one.passes).toBe(1);
    expect(one.overBudget).toBe(true);
  });
});
