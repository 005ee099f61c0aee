/**
 * Tests of the worker's lab journal and autosave (labSession.ts): which run events are recorded where (an SFT run
 * waits until its lab exists, a stage run goes into the open lab, a backend check is never recorded), progress kept
 * as its latest line, the statuses the end events set, RL checkpoints; and the save queue: a full store is reported
 * (labSaveFailed, training goes on) and never throws, saves run in order, and each saves the lab as it stood when it
 * was queued. The store is an in-memory LabStore (lab-file bytes in a Map), handed in with useLabStore.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/nodeBackend';
import { artefactKey, Lab, type LabStore, type SavedLabInfo } from '../lab/lab/lab';
import { decodeLabFile, encodeLabFile } from '../lab/lab/labFile';
import { tensorsFor } from '../lab/lab/labFileFixture';
import type { LabSnapshot, RlResumeState } from '../lab/lab/snapshot';
import { resolveSettings } from '../lab/config';
import { initGpt, type GptConfig } from '../lab/model/gpt';
import { createRng } from '../lab/rng';
import { oracleTask } from '../lab/tasks/oracle';
import type { Task } from '../lab/tasks/task';
import { infoOf } from './idbLabStore';
import { currentLab, recordCheckpoint, recordEvent, replaceLab, saveSoon, savesDone, setPoster, useLabStore } from './labSession';
import type { Event, RunJob } from './protocol';

/** Lab-file bytes by id, as IdbLabStore keeps them; `fail` makes the next saves throw it. */
class MemoryLabStore implements LabStore {
  files = new Map<string, Uint8Array>();
  saved: LabSnapshot[] = [];
  fail: unknown = null;
  /** When set, a save waits for it (to see the queue run one save at a time). */
  gate: Promise<void> | null = null;
  log: string[] = [];

  async save(snapshot: LabSnapshot): Promise<{ bytes: number }> {
    this.log.push(`start ${snapshot.runs.length}`);
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    const bytes = encodeLabFile(snapshot);
    this.files.set(snapshot.id, bytes);
    this.saved.push(snapshot);
    this.log.push(`end ${snapshot.runs.length}`);
    return { bytes: bytes.byteLength };
  }
  async load(id: string): Promise<LabSnapshot | null> {
    const bytes = this.files.get(id);
    return bytes ? decodeLabFile(bytes) : null;
  }
  async list(): Promise<SavedLabInfo[]> {
    return [...this.files.values()].map((b) => {
      const s = decodeLabFile(b);
      return infoOf(s, b.byteLength);
    });
  }
  async remove(id: string): Promise<void> {
    this.files.delete(id);
  }
}

const tiny = resolveSettings('tiny', {}, 'oracle');
let task: Task;
let config: GptConfig;
let posted: Event[];
let runCount = 0;
const nextRunId = (what: string) => `${what}-${++runCount}`;

const sftJob: RunJob = { kind: 'sft', task: 'oracle', preset: 'tiny', overrides: { sftSteps: 5 }, dataUrl: '' };
const stageJob = (stage: 'preferences' | 'ppo'): RunJob => ({ kind: 'stage', stage, preset: 'tiny', overrides: {}, dataUrl: '' });
const started = (runId: string, job: RunJob): Event => ({ type: 'runStarted', runId, job, backend: 'wasm' });
const progress = (runId: string, done: number): Event => ({ type: 'runProgress', runId, done, total: 10, label: `step ${done}/10` });
const finished = (runId: string): Event => ({ type: 'runFinished', runId, result: { kind: 'stage', stage: 'preferences', seconds: 1.5, values: { pairs: 40 } } });
const stageEvent = (runId: string, step: number): Event => ({ type: 'stage', runId, event: { type: 'metrics', stage: 'ppo', step, totalSteps: 10, values: { gold: step / 10 } } as never });

/** A lab with a small SFT model (oracle vocabulary, tiny preset's shape), made the worker's lab. */
async function openLab(id = 'lab-session-test'): Promise<Lab> {
  const lab = new Lab({ id, task: 'oracle', preset: 'tiny', vocab: task.tokenizer.vocab, appVersion: '0.1.0' });
  await lab.setSft(initGpt(config, createRng(1)), config, artefactKey('sft', 'oracle', task, tiny), { steps: 5 });
  replaceLab(lab);
  return lab;
}

function resumeState(iteration: number): RlResumeState {
  const rng = createRng(iteration);
  const actor = tensorsFor(config, rng);
  const zeros = () => actor.map((t) => ({ name: t.name, shape: [...t.shape], data: new Float32Array(t.data.length) }));
  return {
    iteration,
    step: iteration * 4,
    episodes: iteration * 256,
    actor,
    critic: null,
    actorAdam: { t: iteration * 4, m: zeros(), v: zeros() },
    criticAdam: null,
    rng: rng.state(),
    promptStream: { order: [1, 0, 2], index: 1 },
    history: [{ iteration: 0, episodes: 0, gold: 0.1, goldSe: 0.01, winRate: 0.5, winRateSe: 0.02, kl: 0, length: 10 }],
  };
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  task = oracleTask({ seed: tiny.seed, sftExamples: 200 });
  config = { vocabSize: task.tokenizer.size, contextLength: task.maxPromptLength + task.horizon, layers: tiny.layers, heads: tiny.heads, width: tiny.width, scalarHead: false };
});

beforeEach(() => {
  posted = [];
  setPoster((e) => posted.push(e));
});

afterEach(async () => {
  await savesDone();
  useLabStore(null);
  replaceLab(null);
});

describe('labSession: the journal', () => {
  it('keeps an SFT run pending until replaceLab adopts it, then it is the new lab’s run', async () => {
    const old = await openLab('lab-old');
    const runId = nextRunId('sft');
    recordEvent(started(runId, sftJob));
    recordEvent(progress(runId, 3));
    // An SFT run makes a new lab: it is not recorded into the lab open while it trains.
    expect(old.run(runId)).toBeUndefined();
    expect(old.runs).toHaveLength(0);
    const next = new Lab({ id: 'lab-new', task: 'oracle', preset: 'tiny', vocab: task.tokenizer.vocab, appVersion: '0.1.0' });
    await next.setSft(initGpt(config, createRng(2)), config, 'k', {});
    const oldSft = old.sft!.model.params;
    replaceLab(next, [runId]);
    expect(currentLab()).toBe(next);
    for (const v of oldSft.values()) expect(v.isDisposed).toBe(true); // the previous lab was freed
    const record = next.run(runId)!;
    expect(record).toBeDefined();
    expect(record.job).toEqual(sftJob);
    expect(record.status).toBe('running');
    expect(record.events).toEqual([progress(runId, 3)]);
    recordEvent(progress(runId, 4));
    recordEvent({ type: 'runFinished', runId, result: { kind: 'sft', task: 'oracle', preset: 'tiny', steps: 5, stopped: false, heldOutLoss: 2, heldOutPerplexity: 7.4, unigramLoss: 2.9, parameters: 1000, seconds: 1, settings: tiny, backend: 'wasm' } });
    expect(record.status).toBe('finished');
    expect(record.events.map((e) => e.type)).toEqual(['runProgress', 'runFinished']);
    expect((record.events[0] as { done: number }).done).toBe(4);
  });

  it('a pending run that is never adopted is forgotten when it ends (no lab holds it)', async () => {
    const runId = nextRunId('sft');
    recordEvent(started(runId, sftJob));
    recordEvent({ type: 'runFailed', runId, message: 'diverged' });
    const lab = await openLab();
    replaceLab(lab, [runId]);
    expect(lab.run(runId)).toBeUndefined();
  });

  it('records a stage run into the open lab at once', async () => {
    const lab = await openLab();
    const runId = nextRunId('prefs');
    recordEvent(started(runId, stageJob('preferences')));
    const record = lab.run(runId)!;
    expect(record).toMatchObject({ runId, job: stageJob('preferences'), status: 'running', events: [], resume: null });
  });

  it('keeps only the latest of consecutive progress events, and every other event in order', async () => {
    const lab = await openLab();
    const runId = nextRunId('ppo');
    recordEvent(started(runId, stageJob('ppo')));
    for (let i = 1; i <= 50; i++) recordEvent(progress(runId, i));
    expect(lab.run(runId)!.events).toEqual([progress(runId, 50)]);
    recordEvent(stageEvent(runId, 1));
    recordEvent(progress(runId, 51));
    recordEvent(progress(runId, 52));
    recordEvent(stageEvent(runId, 2));
    expect(lab.run(runId)!.events).toEqual([progress(runId, 50), stageEvent(runId, 1), progress(runId, 52), stageEvent(runId, 2)]);
  });

  it('runFinished, runFailed and runCancelled set the status (each drops the resume state: only a run stopped by a reload or a crash goes on)', async () => {
    const lab = await openLab();
    const ids = { finished: nextRunId('a'), failed: nextRunId('b'), cancelled: nextRunId('c') };
    for (const id of Object.values(ids)) {
      recordEvent(started(id, stageJob('ppo')));
      recordCheckpoint(id, resumeState(2));
    }
    recordEvent(finished(ids.finished));
    recordEvent({ type: 'runFailed', runId: ids.failed, message: 'NaN at step 3' });
    recordEvent({ type: 'runCancelled', runId: ids.cancelled });
    expect(lab.run(ids.finished)).toMatchObject({ status: 'finished', resume: null });
    expect(lab.run(ids.failed)!.status).toBe('failed');
    expect(lab.run(ids.failed)!.resume).toBeNull(); // a failed run (a non-finite loss) is run again, not continued
    expect(lab.run(ids.failed)!.events.at(-1)).toEqual({ type: 'runFailed', runId: ids.failed, message: 'NaN at step 3' });
    expect(lab.run(ids.cancelled)).toMatchObject({ status: 'cancelled', resume: null });
  });

  it('a continued run (runStarted again under its id) goes back to running in the same record', async () => {
    const lab = await openLab();
    const runId = nextRunId('ppo');
    recordEvent(started(runId, stageJob('ppo')));
    recordEvent(stageEvent(runId, 1));
    recordEvent({ type: 'runFailed', runId, message: 'interrupted' });
    recordEvent(started(runId, stageJob('ppo')));
    expect(lab.runs.filter((r) => r.runId === runId)).toHaveLength(1);
    expect(lab.run(runId)!.status).toBe('running');
    expect(lab.run(runId)!.events).toHaveLength(2);
  });

  it('never records a backend check, nor events of runs it does not know, nor events without a run', async () => {
    const lab = await openLab();
    const runId = nextRunId('check');
    recordEvent(started(runId, { kind: 'backendCheck' }));
    recordEvent(progress(runId, 1));
    recordEvent({ type: 'runFinished', runId, result: { kind: 'backendCheck', backend: 'wasm', reference: 'cpu', comparisons: [], maxAbsDiff: 0, elapsedMs: 3 } });
    recordEvent(progress('never-started', 1));
    recordEvent({ type: 'heartbeat' });
    replaceLab(lab, [runId]);
    expect(lab.runs).toEqual([]);
  });

  it('recordCheckpoint keeps the resume state in the run and saves the lab with it', async () => {
    const store = new MemoryLabStore();
    useLabStore(store);
    const lab = await openLab();
    const runId = nextRunId('ppo');
    recordEvent(started(runId, stageJob('ppo')));
    const state = resumeState(4);
    recordCheckpoint(runId, state);
    expect(lab.run(runId)!.resume).toBe(state);
    await savesDone();
    expect(posted.filter((e) => e.type === 'labSaved')).toHaveLength(1);
    const back = (await store.load(lab.id))!;
    const resume = back.runs.find((r) => r.runId === runId)!.resume!;
    expect(resume.iteration).toBe(4);
    expect(resume.rng).toEqual(state.rng);
    expect(resume.actor.map((t) => t.data)).toEqual(state.actor.map((t) => t.data));
    // A checkpoint of a run the lab does not hold is ignored.
    recordCheckpoint('no-such-run', resumeState(1));
    await savesDone();
    expect(posted.filter((e) => e.type === 'labSaved')).toHaveLength(1);
  });
});

describe('labSession: the autosave queue', () => {
  it('a full store posts labSaveFailed with the plain message and does not throw; the next save with a working store posts labSaved', async () => {
    const store = new MemoryLabStore();
    store.fail = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    useLabStore(store);
    const lab = await openLab('lab-quota');
    expect(() => saveSoon()).not.toThrow();
    await expect(savesDone()).resolves.toBeUndefined();
    expect(posted).toHaveLength(1);
    const failure = posted[0] as Extract<Event, { type: 'labSaveFailed' }>;
    expect(failure.type).toBe('labSaveFailed');
    expect(failure.id).toBe('lab-quota');
    expect(failure.message).toMatch(/storage for this site is full.*training goes on/);
    expect(store.files.size).toBe(0);

    // Firefox's name for it on a plain Error, the same message.
    const named = new Error('the disk is full');
    named.name = 'QuotaExceededError';
    store.fail = named;
    saveSoon();
    await savesDone();
    expect(posted[1]).toMatchObject({ type: 'labSaveFailed', id: 'lab-quota' });
    expect((posted[1] as { message: string }).message).toMatch(/storage for this site is full.*training goes on/);

    store.fail = null;
    saveSoon();
    await savesDone();
    expect(posted).toHaveLength(3);
    const saved = posted[2] as Extract<Event, { type: 'labSaved' }>;
    expect(saved.type).toBe('labSaved');
    expect(saved.id).toBe('lab-quota');
    expect(saved.bytes).toBe(store.files.get('lab-quota')!.byteLength);
    expect(saved.ms).toBeGreaterThanOrEqual(0);
    expect((await store.load('lab-quota'))!.sft!.model.tensors).toHaveLength(lab.sft!.model.blob.tensors.length);
  });

  it('another storage error says so and that training goes on', async () => {
    const store = new MemoryLabStore();
    store.fail = new Error('the database connection is closing');
    useLabStore(store);
    await openLab();
    saveSoon();
    await savesDone();
    expect(posted).toEqual([{ type: 'labSaveFailed', id: 'lab-session-test', message: expect.stringContaining('(the database connection is closing); training goes on') }]);
  });

  it('saves the lab as it was when saveSoon was called, not what is recorded after', async () => {
    const store = new MemoryLabStore();
    useLabStore(store);
    const lab = await openLab();
    const runId = nextRunId('ppo');
    recordEvent(started(runId, stageJob('ppo')));
    recordEvent(stageEvent(runId, 1));
    saveSoon();
    // Before the queued save runs: more events, a new status, another run, a new reward model.
    recordEvent(stageEvent(runId, 2));
    recordEvent({ type: 'runFailed', runId, message: 'x' });
    const other = nextRunId('prefs');
    recordEvent(started(other, stageJob('preferences')));
    await lab.setRm(initGpt({ ...config, scalarHead: true }, createRng(5)), { ...config, scalarHead: true }, { mean: 0, std: 1 }, 'rm', {});
    await savesDone();
    // Two saves: the one asked for, and the one runFailed queued (after it, with what was recorded by then).
    expect(store.saved).toHaveLength(2);
    const [first, second] = store.saved.map((s) => decodeLabFile(encodeLabFile(s)));
    expect(first!.runs).toHaveLength(1);
    expect(first!.runs[0]!.status).toBe('running');
    expect(first!.runs[0]!.events).toEqual([stageEvent(runId, 1)]);
    expect(first!.rm).toBeNull();
    expect(second!.runs).toHaveLength(1);
    expect(second!.runs[0]!.status).toBe('failed');
    expect(second!.runs[0]!.events.map((e) => e.type)).toEqual(['stage', 'stage', 'runFailed']);
    expect(second!.rm).toBeNull();
    expect(lab.run(runId)!.events).toHaveLength(3);
    expect(lab.runs).toHaveLength(2);
  });

  it('runs saves one at a time, in order, each with its own snapshot; a finished stage run queues one', async () => {
    const store = new MemoryLabStore();
    let open!: () => void;
    store.gate = new Promise<void>((resolve) => (open = resolve));
    useLabStore(store);
    const lab = await openLab();
    const runId = nextRunId('prefs');
    recordEvent(started(runId, stageJob('preferences')));
    saveSoon(); // 1 run
    recordEvent(started(nextRunId('ppo'), stageJob('ppo')));
    recordEvent(finished(runId)); // queues a save with 2 runs
    await new Promise((r) => setTimeout(r, 10));
    expect(store.log).toEqual(['start 1']); // the second waits for the first
    open();
    await savesDone();
    expect(store.log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(store.saved.map((s) => s.runs.map((r) => r.status))).toEqual([['running'], ['finished', 'running']]);
    expect(posted.filter((e) => e.type === 'labSaved')).toHaveLength(2);
    expect(lab.runs).toHaveLength(2);
  });

  it('saves nothing without a store (no IndexedDB in Node) or without a lab', async () => {
    await openLab();
    useLabStore(null);
    saveSoon();
    await savesDone();
    const store = new MemoryLabStore();
    useLabStore(store);
    replaceLab(null);
    saveSoon();
    await savesDone();
    expect(store.log).toEqual([]);
    expect(posted).toEqual([]);
  });

  it('frees every tensor when the lab is replaced', async () => {
    replaceLab(null);
    const start = tf.memory().numTensors;
    await openLab();
    expect(tf.memory().numTensors).toBeGreaterThan(start);
    replaceLab(null);
    expect(tf.memory().numTensors).toBe(start);
  });
});
