import { describe, expect, it, vi } from 'vitest';
import { pauseCommand, pauseGate, pauseRun, resumeRun } from './pauses';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 10));
  return done;
};

describe('Pause and Resume of a run', () => {
  it('say "paused" when the run reaches its gate, not when the command comes, and hold it there until Resume', async () => {
    const said: string[] = [];
    const held = vi.fn(() => said.push('paused'));
    // A step in flight when Pause comes (one that yields inside, as SFT's held-out evaluation does) still posts its
    // events; "paused" must come after them.
    pauseRun('run-1', held);
    said.push('metrics of the step in flight');
    expect(held).not.toHaveBeenCalled();
    const gate = pauseGate('run-1');
    expect(await settled(gate)).toBe(false);
    expect(said).toEqual(['metrics of the step in flight', 'paused']);
    // A second Pause while held neither says it again nor opens the gate.
    pauseRun('run-1', held);
    expect(await settled(gate)).toBe(false);
    expect(held).toHaveBeenCalledTimes(1);
    resumeRun('run-1');
    expect(await settled(gate)).toBe(true);
    // Resumed, the next gate passes without a word; a new Pause is said again at the gate after it.
    expect(await settled(pauseGate('run-1'))).toBe(true);
    pauseRun('run-1', held);
    const again = pauseGate('run-1');
    expect(await settled(again)).toBe(false);
    expect(held).toHaveBeenCalledTimes(2);
    resumeRun('run-1');
    expect(await settled(again)).toBe(true);
  });

  it("as the workers' commands: Pause said at the gate, Resume at once", async () => {
    const said: boolean[] = [];
    pauseCommand('run-c', true, (p) => said.push(p));
    expect(said).toEqual([]);
    const gate = pauseGate('run-c');
    expect(await settled(gate)).toBe(false);
    expect(said).toEqual([true]);
    pauseCommand('run-c', false, (p) => said.push(p));
    expect(said).toEqual([true, false]);
    expect(await settled(gate)).toBe(true);
  });

  it('leave other runs alone', async () => {
    const held = vi.fn();
    pauseRun('run-a', held);
    expect(await settled(pauseGate('run-b'))).toBe(true);
    expect(held).not.toHaveBeenCalled();
    resumeRun('run-a');
  });
});
