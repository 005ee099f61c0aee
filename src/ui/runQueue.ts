/**
 * A queue of later-stage runs started one after the other ("Run all", the Quick demo's chain, the fraction sweep),
 * each as the same stage job a Start button posts. Pure: which run comes next, given how the last one ended.
 */
import type { Settings } from '../lab/config';
import type { RlhfStage } from '../worker/protocol';
import type { StageRun } from './stageRuns';

export interface QueuedRun {
  stage: RlhfStage;
  /** Settings on top of the panel's for this run alone (a sweep's prompt fraction). */
  overrides?: Partial<Settings>;
  /** Run even when the stage is done already (a sweep re-runs PPO and RTO); otherwise a done stage is skipped. */
  again?: boolean;
  /** The run's place in a fraction sweep's plan. */
  sweepIndex?: number;
}

/**
 * started: `start` is to be posted now. finished: the queue ran out after its last run succeeded. interrupted: the
 * last run failed or was stopped, so the queue is dropped. blocked: the next stage cannot start (its inputs are
 * missing), so the queue is dropped. idle: there was nothing to do.
 */
export type QueueOutcome = 'started' | 'finished' | 'interrupted' | 'blocked' | 'idle';

/** The next step of the queue; called only while nothing runs. `last` is the run the queue started before. */
export function advanceQueue(
  queue: readonly QueuedRun[],
  last: QueuedRun | null,
  statusOf: (stage: RlhfStage) => StageRun['status'] | undefined,
  canStart: (stage: RlhfStage) => boolean,
): { start: QueuedRun | null; queue: QueuedRun[]; outcome: QueueOutcome } {
  if (last && statusOf(last.stage) !== 'done') return { start: null, queue: [], outcome: 'interrupted' };
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i]!;
    if (!next.again && statusOf(next.stage) === 'done') continue;
    if (!canStart(next.stage)) return { start: null, queue: [], outcome: 'blocked' };
    return { start: next, queue: queue.slice(i + 1), outcome: 'started' };
  }
  return { start: null, queue: [], outcome: last ? 'finished' : 'idle' };
}
