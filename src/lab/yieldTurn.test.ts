import { describe, expect, it } from 'vitest';
import { yieldTurn } from './yieldTurn';

describe('yieldTurn', () => {
  it('lets a timer run inside a loop of already-resolved awaits, which alone never lets it', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const spin = async (ms: number, withYield: boolean) => {
      const start = Date.now();
      while (Date.now() - start < ms && !fired) {
        await Promise.resolve(); // what a wasm read-back amounts to
        if (withYield) await yieldTurn(20);
      }
    };
    await spin(100, false);
    expect(fired).toBe(false);
    await spin(1000, true);
    expect(fired).toBe(true);
  });
});
