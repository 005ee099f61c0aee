import { describe, expect, it } from 'vitest';
import type { RlhfStage } from '../worker/protocol';
import { advanceQueue, type QueuedRun } from './runQueue';
import type { StageRun } from './stageRuns';

type Status = StageRun['status'];
const statuses = (s: Partial<Record<RlhfStage, Status>>) => (stage: RlhfStage) => s[stage];
const always = () => true;

describe('the queue of stage runs', () => {
  it('skips done stages for "Run all" but runs them again for a sweep', () => {
    const done = statuses({ preferences: 'done', rm: 'done', dpo: 'done', ppo: 'done' });
    const all: QueuedRun[] = (['preferences', 'rm', 'dpo', 'ppo', 'rto'] as const).map((stage) => ({ stage }));
    expect(advanceQueue(all, null, done, always)).toEqual({ start: { stage: 'rto' }, queue: [], outcome: 'started' });
    const sweep: QueuedRun[] = [{ stage: 'ppo', again: true, sweepIndex: 0 }, { stage: 'rto', again: true, overrides: { rlPromptFraction: 0.5 }, sweepIndex: 1 }];
    const step = advanceQueue(sweep, null, done, always);
    expect(step.start).toEqual(sweep[0]);
    expect(step.queue).toEqual([sweep[1]]);
  });

  it('goes on after a done run and ends when the queue runs out', () => {
    const last: QueuedRun = { stage: 'ppo', again: true };
    const next: QueuedRun = { stage: 'rto', again: true };
    expect(advanceQueue([next], last, statuses({ ppo: 'done', rto: 'done' }), always).start).toBe(next);
    expect(advanceQueue([], next, statuses({ rto: 'done' }), always)).toEqual({ start: null, queue: [], outcome: 'finished' });
    expect(advanceQueue([], null, statuses({}), always).outcome).toBe('idle');
  });

  it('drops the queue when the last run was stopped or failed, or the next cannot start', () => {
    const last: QueuedRun = { stage: 'ppo', again: true };
    const rest: QueuedRun[] = [{ stage: 'rto', again: true }];
    for (const status of ['cancelled', 'failed'] as const) expect(advanceQueue(rest, last, statuses({ ppo: status }), always)).toEqual({ start: null, queue: [], outcome: 'interrupted' });
    expect(advanceQueue(rest, null, statuses({}), (s) => s !== 'rto')).toEqual({ start: null, queue: [], outcome: 'blocked' });
  });
});
