import { describe, expect, it } from 'vitest';
import { initialLabState, labReducer, type LabState } from './labState';
import type { BackendSelection, Event } from '../worker/protocol';

const selection: BackendSelection = {
  choice: 'auto',
  info: { backend: 'wasm', adapter: null, wasm: { simd: true, threads: false, threadsWhy: 'x' }, initMs: 3 },
  reason: 'fastest',
  probe: null,
  probeFromCache: false,
};
const apply = (state: LabState, ...events: Event[]) => events.reduce((s, event) => labReducer(s, { type: 'event', event }), state);

describe('lab UI state', () => {
  it('goes from starting to a ready backend', () => {
    let s = initialLabState('auto');
    s = apply(s, { type: 'workerReady' });
    expect(s.worker).toBe('ready');
    s = labReducer(s, { type: 'selecting', choice: 'wasm' });
    expect(s.backendStatus).toBe('selecting');
    s = apply(s, { type: 'backendSelected', requestId: 'r1', selection, stagesAtOnce: 2 });
    expect(s.backendStatus).toBe('ready');
    expect(s.stagesAtOnce).toBe(2);
    expect(s.selection?.info.backend).toBe('wasm');
  });

  it('reduces a batch of actions to the state of dispatching each in turn', () => {
    const start = labReducer(initialLabState('wasm'), { type: 'checkRequested', runId: 'run-1' });
    const events: Event[] = [
      { type: 'console', level: 'warn', message: 'first' },
      { type: 'runProgress', runId: 'run-1', done: 2, total: 14, label: 'softmax' },
      { type: 'console', level: 'error', message: 'second' },
    ];
    const batched = labReducer(start, { type: 'batch', actions: events.map((event) => ({ type: 'event', event })) });
    expect(batched).toEqual(apply(start, ...events));
    // Every action, each once, in order: both log lines in the order sent, and the progress.
    expect(batched.logs.map((l) => l.message)).toEqual(['first', 'second']);
    expect(batched.check).toMatchObject({ done: 2, label: 'softmax' });
  });

  it('follows a check run by runId and ignores events of other runs', () => {
    let s = labReducer(initialLabState('wasm'), { type: 'checkRequested', runId: 'run-1' });
    s = apply(s, { type: 'runProgress', runId: 'run-9', done: 5, total: 14, label: 'stale' });
    expect(s.check?.done).toBe(0);
    s = apply(s, { type: 'runProgress', runId: 'run-1', done: 3, total: 14, label: 'softmax on wasm' });
    expect(s.check).toMatchObject({ done: 3, total: 14, label: 'softmax on wasm', status: 'running' });
    s = apply(s, { type: 'runFailed', runId: 'run-1', message: 'NaN loss' });
    expect(s.check).toMatchObject({ status: 'failed', error: 'NaN loss' });
  });

  it('marks a crashed worker, fails its running check, and keeps the log across a restart', () => {
    let s = apply(initialLabState('auto'), { type: 'workerReady' }, { type: 'console', level: 'warn', message: 'slow' });
    s = labReducer(s, { type: 'checkRequested', runId: 'run-1' });
    s = labReducer(s, { type: 'workerCrashed', message: 'boom' });
    expect(s).toMatchObject({ worker: 'crashed', workerError: 'boom', backendStatus: 'failed' });
    expect(s.check?.status).toBe('failed');
    s = labReducer(s, { type: 'workerRestarting' });
    expect(s.worker).toBe('starting');
    expect(s.backendStatus).toBe('idle');
    expect(s.logs).toHaveLength(1);
  });

  it('reports a lost GPU device and caps the log', () => {
    let s = apply(initialLabState('webgpu'), { type: 'backendSelected', requestId: 'r', selection, stagesAtOnce: 1 });
    s = apply(s, { type: 'deviceLost', backend: 'webgpu', reason: 'unknown', message: 'GPU process crashed' });
    expect(s.backendStatus).toBe('failed');
    expect(s.deviceLost).toBe('The WebGPU device was lost: GPU process crashed. Choose a backend to continue.');
    const gl = apply(apply(initialLabState('webgl'), { type: 'backendSelected', requestId: 'r', selection, stagesAtOnce: 1 }), { type: 'deviceLost', backend: 'webgl', reason: 'unknown', message: 'no reason given by the browser' });
    expect(gl.deviceLost).toBe('The WebGL context was lost: no reason given by the browser. Choose a backend to continue.');
    expect(apply(s, { type: 'deviceLost', backend: 'webgpu', reason: 'destroyed', message: 'x' }).deviceLost).toContain('WebGPU device was lost (destroyed): x.');
    for (let i = 0; i < 250; i++) s = apply(s, { type: 'uncaught', source: 'error', message: `e${i}`, stack: null });
    expect(s.logs).toHaveLength(200);
    expect(s.logs.at(-1)?.message).toContain('e249');
  });

  it('follows an SFT run: loss points, held-out points, samples, and the finished model', () => {
    let s = labReducer(initialLabState('wasm'), { type: 'runRequested', runId: 'run-2', job: { kind: 'sft', task: 'sentiment', preset: 'tiny', overrides: {}, dataUrl: 'x' } });
    expect(s.sft?.status).toBe('running');
    s = apply(
      s,
      { type: 'stage', runId: 'run-2', event: { type: 'metrics', stage: 'sft', step: 1, totalSteps: 2, values: { loss: 6.9 } } },
      { type: 'stage', runId: 'run-2', event: { type: 'metrics', stage: 'sft', step: 2, totalSteps: 2, values: { loss: 6.5, 'eval/loss': 6.4, 'eval/unigram_loss': 4.6 } } },
      { type: 'stage', runId: 'run-2', event: { type: 'samples', stage: 'sft', step: 2, samples: [{ prompt: 'the', response: 'end.', gold: 0 }] } },
      { type: 'stage', runId: 'other', event: { type: 'metrics', stage: 'sft', step: 3, totalSteps: 3, values: { loss: 1 } } },
    );
    expect(s.sft?.points).toEqual([{ step: 1, loss: 6.9 }, { step: 2, loss: 6.5, evalLoss: 6.4 }]);
    expect(s.sft?.unigramLoss).toBe(4.6);
    expect(s.sft?.samples?.samples[0]?.response).toBe('end.');
    expect(s.sftModel).toBeNull();
    const summary = { task: 'sentiment' as const, preset: 'tiny' as const, steps: 2, stopped: false, heldOutLoss: 6.4, heldOutPerplexity: 600, unigramLoss: 4.6, parameters: 10, seconds: 1, settings: {} as never, backend: 'wasm' };
    s = apply(s, { type: 'runFinished', runId: 'run-2', result: { kind: 'sft', ...summary } });
    expect(s.sft?.status).toBe('done');
    expect(s.sftModel?.heldOutLoss).toBe(6.4);
  });

  it('adds a notice once', () => {
    let s = labReducer(initialLabState('auto'), { type: 'notice', message: 'quota' });
    s = labReducer(s, { type: 'notice', message: 'quota' });
    expect(s.notices).toEqual(['quota']);
  });
});
