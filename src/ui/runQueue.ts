/**
 * A queue of later-stage runs started in order ("Run all", the Quick demo's chain, the fraction sweep), each as the
 * same stage job a Start button posts, one at a time or two at once. Pure: which runs start next, given how the
 * runs it started stand.
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
 * started: runs are to be posted now. waiting: runs the queue posted are still going, and the next one waits for
 * them (for a free slot, or for a stage it needs). finished: the queue ran out after its last run succeeded.
 * interrupted: a run failed or was stopped, so the rest of the queue is dropped (a run beside it goes on).
 * blocked: the next stage cannot start (its inputs are missing) and nothing the queue runs will make them, so the
 * queue is dropped. idle: there was nothing to do.
 */
export type QueueOutcome = 'started' | 'waiting' | 'finished' | 'interrupted' | 'blocked' | 'idle';

/** What the queue posted: the run, and how it stands (undefined: posted, not started yet). */
export interface PostedRun {
  run: QueuedRun;
  status: StageRun['status'] | undefined;
}

const ended = (s: PostedRun['status']) => s === 'done' || s === 'failed' || s === 'cancelled';

/**
 * The next step of the queue. `posted`: the runs it posted and has not seen end before (each with its status now);
 * `slots`: how many stages may run at once (2 when the worker runs a stage beside another: src/worker/sideRuns.ts).
 * Runs start in the queue's order, each once the stages it needs are done and a slot is free: with two slots the
 * Quick demo's DPO trains beside the reward model, and RTO beside PPO.
 */
export function advanceQueue(
  queue: readonly QueuedRun[],
  posted: readonly PostedRun[],
  statusOf: (stage: RlhfStage) => StageRun['status'] | undefined,
  canStart: (stage: RlhfStage) => boolean,
  slots = 1,
): { start: QueuedRun[]; queue: QueuedRun[]; outcome: QueueOutcome } {
  if (posted.some((p) => ended(p.status) && p.status !== 'done')) return { start: [], queue: [], outcome: 'interrupted' };
  const going = posted.filter((p) => !ended(p.status)).map((p) => p.run);
  const start: QueuedRun[] = [];
  let i = 0;
  for (; i < queue.length && going.length + start.length < slots; i++) {
    const next = queue[i]!;
    if (!next.again && statusOf(next.stage) === 'done') continue;
    const stageBusy = [...going, ...start].some((r) => r.stage === next.stage);
    if (stageBusy || !canStart(next.stage)) {
      if (going.length + start.length > 0) break; // what it waits for may be running now
      return { start: [], queue: [], outcome: 'blocked' };
    }
    start.push(next);
  }
  const rest = queue.slice(i);
  if (start.length) return { start, queue: rest, outcome: 'started' };
  if (going.length) return { start, queue: rest, outcome: 'waiting' };
  return { start, queue: [], outcome: posted.length ? 'finished' : 'idle' };
}

/**
 * A chain of stages as the queue runs it. With two slots DPO goes before the reward model: DPO is the longer of
 * the two and RTO waits for it, so it starts first, in the lab worker, and the reward model, whose branch (then
 * PPO) is the shorter, takes the side worker's start (tfjs and the task made anew there). One slot keeps the
 * pipeline's order.
 */
export function chainOrder(stages: readonly RlhfStage[], slots: number): QueuedRun[] {
  const order = slots > 1 && stages.includes('rm') && stages.includes('dpo') ? [...stages.filter((s) => s !== 'rm' && s !== 'ppo' && s !== 'rto'), 'rm' as const, ...stages.filter((s) => s === 'ppo' || s === 'rto')] : stages;
  return order.map((stage) => ({ stage }));
}
