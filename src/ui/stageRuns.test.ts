import { describe, expect, it } from 'vitest';
import { initialLabState, labReducer } from './labState';

const job = (stage: 'preferences' | 'ppo') => ({ kind: 'stage' as const, stage, preset: 'tiny' as const, overrides: {}, dataUrl: 'x' });

describe('later-stage runs in the UI state', () => {
  it('follows a run from request to finish: progress, metrics, heatmap rows, summary', () => {
    let s = labReducer(initialLabState('auto'), { type: 'runRequested', runId: 'r1', job: job('ppo'), at: 1000 });
    expect(s.stages.ppo?.status).toBe('running');
    s = labReducer(s, { type: 'event', event: { type: 'runProgress', runId: 'r1', done: 1, total: 4, label: 'iteration 1' }, at: 3000 });
    // 2 s for the first of 4 iterations: about 6 s to go.
    expect(s.stages.ppo?.etaSeconds).toBeCloseTo(6, 9);
    s = labReducer(s, { type: 'event', event: { type: 'runProgress', runId: 'r1', done: 1, total: 2, label: 'iteration 1' } });
    s = labReducer(s, { type: 'event', event: { type: 'stage', runId: 'r1', event: { type: 'metrics', stage: 'ppo', step: 1, totalSteps: 2, values: { 'objective/kl': 0.5 } } } });
    const channels = { logpPolicy: [-1], logpRef: [-1], dpo: [0], kl: [0], score: [1], total: [1], value: [0], advantage: [1] };
    s = labReducer(s, { type: 'event', event: { type: 'stage', runId: 'r1', event: { type: 'tokens', stage: 'ppo', step: 1, rows: [{ prompt: 'a', tokens: ['<eos>'], gold: 0, channels }] } } });
    // Events of another run change nothing.
    const same = labReducer(s, { type: 'event', event: { type: 'runProgress', runId: 'other', done: 9, total: 9, label: 'x' } });
    expect(same.stages).toBe(s.stages);
    s = labReducer(s, { type: 'event', event: { type: 'runFinished', runId: 'r1', result: { kind: 'stage', stage: 'ppo', seconds: 2, values: { gold: 0.1 } } } });
    const run = s.stages.ppo!;
    expect(run).toMatchObject({ status: 'done', done: 1, total: 2, summary: { values: { gold: 0.1 } } });
    expect(run.points).toEqual([{ step: 1, values: { 'objective/kl': 0.5 } }]);
    expect(run.tokens[0]?.rows[0]?.channels.score).toEqual([1]);
  });

  it("adds a report made after its stage (DPO's, in the second worker) to that run's summary, and to no other", () => {
    const dpo = { ...job('ppo'), stage: 'dpo' as const };
    let s = labReducer(initialLabState('auto'), { type: 'runRequested', runId: 'd1', job: dpo });
    s = labReducer(s, { type: 'event', event: { type: 'runFinished', runId: 'd1', result: { kind: 'stage', stage: 'dpo', seconds: 3, values: { heldOutAccuracy: 0.68, steps: 202 }, reportPending: true } } });
    expect(s.stages.dpo).toMatchObject({ status: 'done', summary: { reportPending: true, values: { heldOutAccuracy: 0.68, steps: 202 } } });
    const other = labReducer(s, { type: 'event', event: { type: 'runReport', runId: 'elsewhere', values: { gold: 1 } } });
    expect(other.stages).toBe(s.stages);
    s = labReducer(s, { type: 'event', event: { type: 'runReport', runId: 'd1', values: { trainAccuracy: 0.76, gold: 0.105 } } });
    expect(s.stages.dpo?.summary).toEqual({ kind: 'stage', stage: 'dpo', seconds: 3, values: { heldOutAccuracy: 0.68, steps: 202, trainAccuracy: 0.76, gold: 0.105 }, reportPending: false });
  });

  it('marks a run the worker started beside another (its second worker), and only that one', () => {
    let s = labReducer(initialLabState('auto'), { type: 'runRequested', runId: 'r1', job: job('ppo') });
    s = labReducer(s, { type: 'runRequested', runId: 'r2', job: job('preferences') });
    s = labReducer(s, { type: 'event', event: { type: 'runStarted', runId: 'r1', job: job('ppo'), backend: 'wasm', beside: true } });
    s = labReducer(s, { type: 'event', event: { type: 'runStarted', runId: 'r2', job: job('preferences'), backend: 'wasm' } });
    expect(s.stages.ppo).toMatchObject({ status: 'running', beside: true });
    expect(s.stages.preferences?.beside).toBe(false);
    // A run the side worker could not start, started again in the lab's worker.
    s = labReducer(s, { type: 'event', event: { type: 'runStarted', runId: 'r1', job: job('ppo'), backend: 'wasm' } });
    expect(s.stages.ppo).toMatchObject({ status: 'running', beside: false });
  });

  it('drops the runs built on pairs or an SFT model that were replaced, and fails running ones on a crash', () => {
    let s = labReducer(initialLabState('auto'), { type: 'runRequested', runId: 'r1', job: job('ppo') });
    s = labReducer(s, { type: 'event', event: { type: 'runFinished', runId: 'r1', result: { kind: 'stage', stage: 'ppo', seconds: 1, values: {} } } });
    s = labReducer(s, { type: 'runRequested', runId: 'r2', job: job('preferences') });
    s = labReducer(s, { type: 'event', event: { type: 'runFinished', runId: 'r2', result: { kind: 'stage', stage: 'preferences', seconds: 1, values: {} } } });
    expect(s.stages.ppo).toBeUndefined();
    expect(s.stages.preferences?.status).toBe('done');
    s = labReducer(s, { type: 'runRequested', runId: 'r3', job: job('ppo') });
    s = labReducer(s, { type: 'workerCrashed', message: 'boom' });
    expect(s.stages.ppo).toMatchObject({ status: 'failed', error: 'the worker crashed' });
  });

  it("keeps the latest evaluation's responses of each run, and only that run's", () => {
    let s = labReducer(initialLabState('auto'), { type: 'runRequested', runId: 'r1', job: job('ppo') });
    expect(s.stages.ppo?.responses).toBeNull();
    const row = (gold: number) => ({ prompt: 'the film', response: ['good', '<eos>'], gold, score: 0.5, kl: 0.1, length: 2 });
    const sft = [{ response: ['bad', '<eos>'], gold: -0.4, length: 2 }];
    const responses = (runId: string, step: number, gold: number) => labReducer(s, { type: 'event', event: { type: 'stage', runId, event: { type: 'responses', stage: 'ppo', run: 'ppo', step, rows: [row(gold)], sft } } });
    s = responses('r1', 0, -0.4);
    s = responses('r1', 2, 0.7);
    expect(s.stages.ppo?.responses).toEqual({ step: 2, rows: [row(0.7)], sft });
    // Another run's table changes nothing; the heatmap snapshots are untouched.
    expect(responses('other', 4, 0.9).stages).toBe(s.stages);
    expect(s.stages.ppo?.tokens).toEqual([]);
  });
});
