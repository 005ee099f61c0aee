/** Paused runs: a run awaits its gate before every step; Resume (or Stop) opens it. */
const paused = new Map<string, { promise: Promise<void>; open: () => void }>();

export function pauseRun(runId: string): void {
  if (paused.has(runId)) return;
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  paused.set(runId, { promise, open });
}

export function resumeRun(runId: string): void {
  paused.get(runId)?.open();
  paused.delete(runId);
}

export function pauseGate(runId: string): Promise<void> {
  return paused.get(runId)?.promise ?? Promise.resolve();
}
