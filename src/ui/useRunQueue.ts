/**
 * Runs a queue of later-stage runs (runQueue.ts decides what comes next): whenever a slot is free, the next queued
 * run whose inputs are done is posted; a failed or stopped run, or a stage that cannot start, empties the queue.
 * A queue runs one stage at a time, or two at once where `enqueue` says so (the worker can run one beside another:
 * the Quick demo and "Run all"; a fraction sweep runs one after the other, as it says).
 */
import { useEffect, useRef, useState } from 'react';
import type { RlhfStage } from '../worker/protocol';
import { advanceQueue, type QueuedRun, type QueueOutcome } from './runQueue';
import type { StageRun, StageRuns } from './stageRuns';

export interface RunQueueOptions {
  /** Something runs that the queue did not start (SFT, a backend check, a Start button): the queue waits. */
  busy: boolean;
  runs: StageRuns;
  /** Whether the stage's inputs are there and its settings valid (not whether something runs). */
  canStart: (stage: RlhfStage) => boolean;
  /** Posts the run and returns its runId. */
  start: (run: QueuedRun) => string;
  onStarted?: (run: QueuedRun, runId: string) => void;
  /** The queue ended: finished, interrupted or blocked (never 'idle', 'started' or 'waiting'). */
  onEnded?: (outcome: QueueOutcome, last: QueuedRun | null) => void;
}

export function useRunQueue(options: RunQueueOptions): { enqueue: (runs: QueuedRun[], slots?: number) => void; clear: () => void } {
  const queue = useRef<QueuedRun[]>([]);
  const slots = useRef(1);
  /**
   * The runs this queue posted, with their runIds, until the queue ends; `ended`: how it ended, once seen (a later
   * run of the same stage takes its place in `runs`).
   */
  const posted = useRef<{ run: QueuedRun; runId: string; ended?: StageRun['status'] }[]>([]);
  // Bumped by enqueue, so the effect below runs even when nothing else changed.
  const [kick, setKick] = useState(0);
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const { busy, runs } = options;
  useEffect(() => {
    const o = latest.current;
    for (const p of posted.current) {
      const now = runs[p.run.stage];
      if (now?.runId === p.runId && (now.status === 'done' || now.status === 'failed' || now.status === 'cancelled')) p.ended = now.status;
    }
    const mine = posted.current.map((p) => ({ run: p.run, status: p.ended ?? (runs[p.run.stage]?.runId === p.runId ? runs[p.run.stage]?.status : undefined) }));
    const going = mine.filter((p) => p.status === undefined || p.status === 'running' || p.status === 'paused').length;
    if (busy && going === 0) return; // a run the queue did not start
    const step = advanceQueue(queue.current, mine, (s) => runs[s]?.status, o.canStart, slots.current);
    queue.current = step.queue;
    for (const run of step.start) {
      const runId = o.start(run);
      posted.current.push({ run, runId });
      o.onStarted?.(run, runId);
    }
    if (step.outcome === 'finished' || step.outcome === 'interrupted' || step.outcome === 'blocked') {
      o.onEnded?.(step.outcome, posted.current[posted.current.length - 1]?.run ?? null);
      posted.current = [];
    }
  }, [busy, runs, kick]);
  return {
    enqueue: (next, at = 1) => {
      queue.current = next;
      slots.current = at;
      setKick((k) => k + 1);
    },
    clear: () => {
      queue.current = [];
    },
  };
}
