import { saveInFlight, savesDone } from './labSession';

/**
 * Paused runs: a run awaits its gate before every step; Resume (or Stop) opens it. `held` is called once, when the
 * run reaches its gate and stops there: the worker says "paused" then, after the events of every step the run took,
 * so the page never sees a paused run's progress move on. Saying it when the command came was not enough: a step
 * that yields to the event loop inside (SFT's held-out evaluation) let the command in mid-step, and the page then
 * showed "paused at step 49" turn into "paused at step 50" (e2e, CI, 2026-12-07).
 */
const paused = new Map<string, { promise: Promise<void>; open: () => void; held: (() => void) | null }>();

export function pauseRun(runId: string, held: () => void = () => {}): void {
  if (paused.has(runId)) return;
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  paused.set(runId, { promise, open, held });
}

/** A Pause or Resume command for a run in this worker: Pause is said (`say(true)`) when the run holds, Resume at once. */
export function pauseCommand(runId: string, pause: boolean, say: (paused: boolean) => void): void {
  if (pause) return pauseRun(runId, () => say(true));
  resumeRun(runId);
  say(false);
}

export function resumeRun(runId: string): void {
  paused.get(runId)?.open();
  paused.delete(runId);
}

/**
 * Awaited before every training step. It first lets the worker's message queue run: wasm and cpu resolve their
 * read-backs as microtasks, so a training loop never yields to the event loop by itself, and Pause or Stop would
 * wait for the run to end. A MessageChannel round trip yields without setTimeout's 4 ms clamp.
 */
export async function pauseGate(runId: string): Promise<void> {
  // A save in flight (an autosave at the last checkpoint) lands before the next step: IndexedDB's callbacks are
  // tasks that a run yielding once per step would starve for many steps (measured: 3.7 s, 4 iterations, at small).
  if (saveInFlight()) await savesDone();
  else await new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
  const pause = paused.get(runId);
  if (!pause) return;
  pause.held?.();
  pause.held = null;
  await pause.promise;
}
