/**
 * Runs a queue of later-stage runs one after the other (runQueue.ts decides what comes next): whenever nothing
 * runs, the next queued run is posted; a failed or stopped run, or a stage that cannot start, empties the queue.
 */
import { useEffect, useRef, useState } from 'react';
import type { RlhfStage } from '../worker/protocol';
import { advanceQueue, type QueuedRun, type QueueOutcome } from './runQueue';
import type { StageRuns } from './stageRuns';

export interface RunQueueOptions {
  busy: boolean;
  runs: StageRuns;
  canStart: (stage: RlhfStage) => boolean;
  /** Posts the run and returns its runId. */
  start: (run: QueuedRun) => string;
  onStarted?: (run: QueuedRun, runId: string) => void;
  /** The queue ended: finished, interrupted or blocked (never 'idle' or 'started'). */
  onEnded?: (outcome: QueueOutcome, last: QueuedRun | null) => void;
}

export function useRunQueue(options: RunQueueOptions): { enqueue: (runs: QueuedRun[]) => void; clear: () => void } {
  const queue = useRef<QueuedRun[]>([]);
  const awaiting = useRef<QueuedRun | null>(null);
  // Bumped by enqueue, so the effect below runs even when nothing else changed.
  const [kick, setKick] = useState(0);
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const { busy, runs } = options;
  useEffect(() => {
    if (busy) return;
    const o = latest.current;
    const last = awaiting.current;
    const step = advanceQueue(queue.current, last, (s) => runs[s]?.status, o.canStart);
    queue.current = step.queue;
    awaiting.current = step.start;
    if (step.start) o.onStarted?.(step.start, o.start(step.start));
    else if (step.outcome !== 'idle') o.onEnded?.(step.outcome, last);
  }, [busy, runs, kick]);
  return {
    enqueue: (next) => {
      queue.current = next;
      setKick((k) => k + 1);
    },
    clear: () => {
      queue.current = [];
    },
  };
}
