import { describe, expect, it } from 'vitest';
import { actionBatcher, type Timers } from './actionBatcher';

/** A fake clock: set() records the callback, tick() runs the due ones. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set: (fn, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clear: (h) => void due.delete(h as number),
  };
  const tick = (ms: number) => {
    now += ms;
    for (const [id, t] of [...due]) if (t.at <= now) {
      due.delete(id);
      t.fn();
    }
  };
  return { timers, tick, pending: () => due.size };
}

/** A batcher on a fake clock that records each delivered batch. */
function recorded(delayMs: number, deferrable: (a: string) => boolean) {
  const clock = fakeTimers();
  const batches: string[][] = [];
  const b = actionBatcher((xs: string[]) => batches.push(xs), deferrable, delayMs, clock.timers);
  return { ...clock, batches, b };
}

describe('actionBatcher', () => {
  const deferrable = (a: string) => a.startsWith('progress');

  it('holds deferrable actions until the delay, then delivers them in one batch', () => {
    const { b, batches, tick, pending } = recorded(150, deferrable);
    b.push('progress 1');
    b.push('progress 2');
    b.push('progress 3');
    expect(batches).toEqual([]);
    expect(pending()).toBe(1); // one timer for the whole batch
    tick(149);
    expect(batches).toEqual([]);
    tick(1);
    expect(batches).toEqual([['progress 1', 'progress 2', 'progress 3']]);
    expect(pending()).toBe(0);
    tick(1000);
    expect(batches).toHaveLength(1);
  });

  it('delivers the waiting actions before any other, in the order they were pushed', () => {
    const { b, batches, tick, pending } = recorded(150, deferrable);
    b.push('progress 1');
    b.push('finished');
    expect(batches).toEqual([['progress 1', 'finished']]);
    expect(pending()).toBe(0); // the timer went with the batch
    b.push('started');
    expect(batches).toEqual([['progress 1', 'finished'], ['started']]);
    b.push('progress 2');
    tick(150);
    expect(batches.at(-1)).toEqual(['progress 2']);
  });

  it('flush delivers what waits and drops the timer, and delivers nothing when nothing waits', () => {
    const { b, batches, tick } = recorded(150, deferrable);
    b.flush();
    expect(batches).toEqual([]);
    b.push('progress 1');
    b.flush();
    expect(batches).toEqual([['progress 1']]);
    tick(1000);
    expect(batches).toHaveLength(1);
  });

  it('delivers every action once, in the order sent, whatever the timing', () => {
    // 500 pushes, a fifth not deferrable, the clock moving at random: the concatenated batches are the pushes.
    const { b, batches, tick } = recorded(100, deferrable);
    const sent: string[] = [];
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const a = seed % 5 === 0 ? `event ${i}` : `progress ${i}`;
      sent.push(a);
      b.push(a);
      if (seed % 3 === 0) tick(40);
    }
    b.flush();
    expect(batches.flat()).toEqual(sent);
    expect(batches.length).toBeLessThan(sent.length); // and it did batch
  });
});
