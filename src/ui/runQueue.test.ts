import { describe, expect, it } from 'vitest';
import type { RlhfStage } from '../worker/protocol';
import { advanceQueue, chainOrder, type PostedRun, type QueuedRun } from './runQueue';
import type { StageRun } from './stageRuns';

type Status = StageRun['status'];
const statuses = (s: Partial<Record<RlhfStage, Status>>) => (stage: RlhfStage) => s[stage];
const always = () => true;
const run = (stage: RlhfStage, extra: Partial<QueuedRun> = {}): QueuedRun => ({ stage, ...extra });
const posted = (r: QueuedRun, status: Status | undefined): PostedRun => ({ run: r, status });

describe('the queue of stage runs, one at a time', () => {
  it('skips done stages for "Run all" but runs them again for a sweep', () => {
    const done = statuses({ preferences: 'done', rm: 'done', dpo: 'done', ppo: 'done' });
    const all: QueuedRun[] = (['preferences', 'rm', 'dpo', 'ppo', 'rto'] as const).map((stage) => ({ stage }));
    expect(advanceQueue(all, [], done, always)).toEqual({ start: [{ stage: 'rto' }], queue: [], outcome: 'started' });
    const sweep: QueuedRun[] = [{ stage: 'ppo', again: true, sweepIndex: 0 }, { stage: 'rto', again: true, overrides: { rlPromptFraction: 0.5 }, sweepIndex: 1 }];
    const step = advanceQueue(sweep, [], done, always);
    expect(step.start).toEqual([sweep[0]]);
    expect(step.queue).toEqual([sweep[1]]);
  });

  it('waits while its run goes on, goes on after a done run and ends when the queue runs out', () => {
    const last = run('ppo', { again: true });
    const next = run('rto', { again: true });
    for (const status of [undefined, 'running', 'paused'] as const) expect(advanceQueue([next], [posted(last, status)], statuses({ ppo: 'done' }), always)).toEqual({ start: [], queue: [next], outcome: 'waiting' });
    expect(advanceQueue([next], [posted(last, 'done')], statuses({ ppo: 'done', rto: 'done' }), always).start).toEqual([next]);
    expect(advanceQueue([], [posted(last, 'done'), posted(next, 'done')], statuses({ rto: 'done' }), always)).toEqual({ start: [], queue: [], outcome: 'finished' });
    expect(advanceQueue([], [], statuses({}), always).outcome).toBe('idle');
  });

  it('drops the queue when a run was stopped or failed, or the next cannot start', () => {
    const last = run('ppo', { again: true });
    const rest = [run('rto', { again: true })];
    for (const status of ['cancelled', 'failed'] as const) expect(advanceQueue(rest, [posted(last, status)], statuses({ ppo: status }), always)).toEqual({ start: [], queue: [], outcome: 'interrupted' });
    expect(advanceQueue(rest, [], statuses({}), (s) => s !== 'rto')).toEqual({ start: [], queue: [], outcome: 'blocked' });
    // With a run of its own going, the queue waits instead: that run may make what the next one needs.
    expect(advanceQueue(rest, [posted(run('dpo'), 'running')], statuses({}), (s) => s !== 'rto', 2).outcome).toBe('waiting');
  });
});

describe('the queue of stage runs, two at once', () => {
  // The Quick demo's chain as the page runs it with the side worker: what each stage needs (RlhfPanel's NEEDS).
  const NEEDS: Record<RlhfStage, RlhfStage[]> = { preferences: [], rm: ['preferences'], dpo: ['preferences'], ppo: ['rm'], rto: ['rm', 'dpo'] };
  const demo = (['rm', 'dpo', 'ppo', 'rto'] as const).map((s) => run(s));

  it('trains DPO beside the reward model, then PPO when the reward model is done, then RTO when DPO is', () => {
    const state: Partial<Record<RlhfStage, Status>> = { preferences: 'done' };
    const canStart = (s: RlhfStage) => NEEDS[s].every((n) => state[n] === 'done');
    let step = advanceQueue(demo, [], statuses(state), canStart, 2);
    expect(step.start.map((r) => r.stage)).toEqual(['rm', 'dpo']);
    const going: PostedRun[] = step.start.map((r) => posted(r, 'running'));
    // Both slots taken: PPO waits.
    step = advanceQueue(step.queue, going, statuses(state), canStart, 2);
    expect(step).toEqual({ start: [], queue: [run('ppo'), run('rto')], outcome: 'waiting' });
    // The reward model is done: PPO takes its slot; RTO still waits for DPO.
    state.rm = 'done';
    going[0]!.status = 'done';
    step = advanceQueue(step.queue, going, statuses(state), canStart, 2);
    expect(step.start.map((r) => r.stage)).toEqual(['ppo']);
    going.push(posted(step.start[0]!, undefined));
    step = advanceQueue(step.queue, going, statuses(state), canStart, 2);
    expect(step.outcome).toBe('waiting');
    state.dpo = 'done';
    going[1]!.status = 'done';
    step = advanceQueue(step.queue, going, statuses(state), canStart, 2);
    expect(step).toEqual({ start: [run('rto')], queue: [], outcome: 'started' });
    going.push(posted(run('rto'), 'running'));
    going[2]!.status = 'done';
    expect(advanceQueue([], going, statuses(state), canStart, 2).outcome).toBe('waiting');
    going[3]!.status = 'done';
    expect(advanceQueue([], going, statuses(state), canStart, 2).outcome).toBe('finished');
  });

  it('keeps the queue in order and never runs one stage twice at once', () => {
    // A sweep queues PPO and RTO runs again and again: the second PPO waits for the first.
    const sweep = [run('ppo', { again: true }), run('ppo', { again: true }), run('rto', { again: true })];
    const step = advanceQueue(sweep, [], statuses({}), always, 2);
    expect(step.start).toEqual([sweep[0]]);
    expect(step.queue).toEqual(sweep.slice(1));
  });

  it('drops the rest of the queue when one of two runs fails, whatever the other does', () => {
    const going = [posted(run('rm'), 'failed'), posted(run('dpo'), 'running')];
    expect(advanceQueue([run('ppo'), run('rto')], going, statuses({}), always, 2)).toEqual({ start: [], queue: [], outcome: 'interrupted' });
  });
});

describe('the order a chain is queued in', () => {
  it('puts DPO before the reward model with two slots, and keeps the pipeline order with one', () => {
    const all = ['preferences', 'rm', 'dpo', 'ppo', 'rto'] as const;
    expect(chainOrder(all, 1).map((r) => r.stage)).toEqual(all);
    expect(chainOrder(all, 2).map((r) => r.stage)).toEqual(['preferences', 'dpo', 'rm', 'ppo', 'rto']);
    expect(chainOrder(['rm', 'dpo', 'ppo', 'rto'], 2).map((r) => r.stage)).toEqual(['dpo', 'rm', 'ppo', 'rto']);
    // "Run all" on a lab with DPO done queues only what is left.
    expect(chainOrder(['rm', 'ppo', 'rto'], 2).map((r) => r.stage)).toEqual(['rm', 'ppo', 'rto']);
  });
});
