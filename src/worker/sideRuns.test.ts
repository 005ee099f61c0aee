import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Event } from './protocol';
import type { SideCommand, SideReply, StageJob } from './sideProtocol';

/** A stand-in for the side worker: `script` answers each command the lab worker posts. */
type Script = (command: SideCommand, worker: FakeWorker) => void;
let script: Script = () => {};
class FakeWorker {
  static made = 0;
  private listeners: Record<string, ((e: unknown) => void)[]> = {};
  terminated = false;
  constructor() {
    FakeWorker.made += 1;
  }
  addEventListener(type: string, f: (e: unknown) => void) {
    (this.listeners[type] ??= []).push(f);
  }
  postMessage(command: SideCommand) {
    queueMicrotask(() => script(command, this));
  }
  reply(r: SideReply) {
    for (const f of this.listeners.message ?? []) f({ data: r });
  }
  die(message: string) {
    for (const f of this.listeners.error ?? []) f({ message, preventDefault: () => {} });
  }
  terminate() {
    this.terminated = true;
  }
}

const job: StageJob = { kind: 'stage', stage: 'ppo', preset: 'tiny', overrides: {}, dataUrl: 'x' };

/** sideRuns.ts afresh (its side worker and flags are module state), with a lab open and two cores. */
async function fresh() {
  vi.resetModules();
  const { replaceLab } = await import('./labSession');
  const { Lab } = await import('../lab/lab/lab');
  replaceLab(new Lab({ id: 'lab-test', task: 'sentiment', preset: 'tiny', vocab: [], appVersion: 'test' }));
  return import('./sideRuns');
}

describe('a stage run beside another, in the side worker', () => {
  beforeEach(() => {
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('navigator', { hardwareConcurrency: 2 });
    FakeWorker.made = 0;
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is offered on wasm and cpu with two cores, never for the preferences stage, one at a time', async () => {
    const side = await fresh();
    expect(side.stagesAtOnce('wasm')).toBe(2);
    expect(side.stagesAtOnce('cpu')).toBe(2);
    expect(side.stagesAtOnce('webgpu')).toBe(1);
    expect(side.canRunBeside('wasm', job)).toBe(true);
    expect(side.canRunBeside('wasm', { ...job, stage: 'preferences' })).toBe(false);
    expect(side.canRunBeside('wasm', { kind: 'backendCheck' })).toBe(false);
    vi.stubGlobal('navigator', { hardwareConcurrency: 1 });
    expect(side.stagesAtOnce('wasm')).toBe(1);
  });

  it("posts the side worker's events as its own and ends the run as the lab worker would, marked beside", async () => {
    const side = await fresh();
    script = (c, w) => {
      if (c.type !== 'run') return;
      expect(c.lab.runs).toEqual([]); // the models only, not the journal
      expect(c.baselines).toEqual([]); // no SFT model in this lab: no SFT evaluations to hand over
      w.reply({ type: 'event', event: { type: 'runProgress', runId: c.runId, done: 1, total: 2, label: 'iteration 1' } });
      w.reply({ type: 'finished', runId: c.runId, result: { kind: 'stage', stage: 'ppo', seconds: 1, values: { gold: 0.5 } }, made: { rm: null, dpo: null } });
    };
    const posted: Event[] = [];
    const runHere = vi.fn();
    await side.runBeside('r1', job, 'wasm', (e) => posted.push(e), runHere);
    expect(posted.map((e) => e.type)).toEqual(['runStarted', 'runProgress', 'runFinished']);
    expect(posted[0]).toMatchObject({ beside: true });
    expect(posted[2]).toMatchObject({ result: { values: { gold: 0.5 }, beside: true } });
    expect(runHere).not.toHaveBeenCalled();
    expect(side.canRunBeside('wasm', job)).toBe(true); // free again
  });

  it("forwards Pause and Resume only for the side worker's run, whose runPaused comes after the events before it", async () => {
    const side = await fresh();
    const told: SideCommand[] = [];
    let worker: FakeWorker | null = null;
    script = (c, w) => {
      told.push(c);
      worker = w;
      if (c.type === 'run') w.reply({ type: 'event', event: { type: 'runProgress', runId: c.runId, done: 1, total: 9, label: 'step 1' } });
      // side.worker.ts answers Pause and Resume itself, through the same port as the run's events
      if (c.type === 'pause' || c.type === 'resume') w.reply({ type: 'event', event: { type: 'runPaused', runId: c.runId, paused: c.type === 'pause' } });
    };
    const posted: Event[] = [];
    const ran = side.runBeside('r5', job, 'wasm', (e) => posted.push(e), vi.fn());
    await new Promise((r) => setTimeout(r, 0));
    expect(side.tellSide('pause', 'another-run')).toBe(false); // a run of the lab worker: it says so itself
    expect(side.tellSide('pause', 'r5')).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(side.tellSide('resume', 'r5')).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(told.map((c) => c.type)).toEqual(['run', 'pause', 'resume']);
    worker!.reply({ type: 'finished', runId: 'r5', result: { kind: 'stage', stage: 'ppo', seconds: 1, values: {} }, made: { rm: null, dpo: null } });
    await ran;
    expect(posted.map((e) => (e.type === 'runPaused' ? `runPaused ${e.paused}` : e.type))).toEqual(['runStarted', 'runProgress', 'runPaused true', 'runPaused false', 'runFinished']);
    expect(side.tellSide('pause', 'r5')).toBe(false); // ended
  });

  it('is ended after a switch to a backend that runs one stage at a time, and started again for the next side run', async () => {
    const side = await fresh();
    script = (c, w) => c.type === 'run' && w.reply({ type: 'finished', runId: c.runId, result: { kind: 'stage', stage: 'ppo', seconds: 1, values: {} }, made: { rm: null, dpo: null } });
    await side.runBeside('r6', job, 'wasm', () => {}, vi.fn());
    side.releaseSide('wasm'); // still two at once: kept
    expect(FakeWorker.made).toBe(1);
    side.releaseSide('webgpu');
    await side.runBeside('r7', job, 'wasm', () => {}, vi.fn());
    expect(FakeWorker.made).toBe(2); // the first was ended, so a new one ran r7
  });

  it('fails a run whose side worker dies mid-run, and starts a new one for the next', async () => {
    const side = await fresh();
    script = (c, w) => {
      if (c.type !== 'run') return;
      w.reply({ type: 'event', event: { type: 'runProgress', runId: c.runId, done: 1, total: 9, label: 'step 1' } });
      w.die('out of memory');
    };
    const posted: Event[] = [];
    const runHere = vi.fn();
    await side.runBeside('r2', job, 'wasm', (e) => posted.push(e), runHere);
    expect(posted.at(-1)).toEqual({ type: 'runFailed', runId: 'r2', message: 'the second worker stopped (out of memory); run the stage again' });
    expect(runHere).not.toHaveBeenCalled();
    expect(side.canRunBeside('wasm', job)).toBe(true);
    script = (c, w) => c.type === 'run' && w.reply({ type: 'ended', runId: c.runId, cancelled: true, message: '' });
    await side.runBeside('r3', job, 'wasm', (e) => posted.push(e), runHere);
    expect(FakeWorker.made).toBe(2);
    expect(posted.at(-1)).toEqual({ type: 'runCancelled', runId: 'r3' });
  });

  it('runs the stage in the lab worker when a side worker cannot start at all, and every later one too', async () => {
    const side = await fresh();
    script = (_c, w) => w.die('blocked by the page policy');
    const posted: Event[] = [];
    const runHere = vi.fn();
    await side.runBeside('r4', job, 'wasm', (e) => posted.push(e), runHere);
    expect(runHere).toHaveBeenCalledTimes(1);
    expect(posted.map((e) => e.type)).toEqual(['runStarted', 'console']);
    expect(posted[1]).toMatchObject({ level: 'warn', message: expect.stringContaining('blocked by the page policy') });
    expect(side.canRunBeside('wasm', job)).toBe(false);
  });

  describe("a DPO stage's report", () => {
    const dpoJob: StageJob = { ...job, stage: 'dpo' };
    const given = { reference: Float32Array.from([-1.5, -2.25]) };
    /**
     * A side worker that has answered once (a run beside), as it has when the lab worker's DPO ends in the Quick demo.
     * The lab worker has one `post`; the side worker's replies go to it.
     */
    let posted: Event[] = [];
    const post = (e: Event) => posted.push(e);
    async function warmed(answer: Script) {
      const side = await fresh();
      script = (c, w) => (c.type === 'run' ? w.reply({ type: 'finished', runId: c.runId, result: { kind: 'stage', stage: 'rm', seconds: 1, values: {} }, made: { rm: null, dpo: null } }) : answer(c, w));
      await side.runBeside('rm-1', { ...job, stage: 'rm' }, 'wasm', post, vi.fn());
      posted = [];
      return side;
    }

    it('goes to the side worker with the lab and what the lab worker computed, and comes back as a runReport', async () => {
      const told: SideCommand[] = [];
      const side = await warmed((c, w) => {
        told.push(c);
        if (c.type === 'report') w.reply({ type: 'reported', runId: c.runId, values: { trainAccuracy: 0.75, gold: 0.1 } });
      });
      const fallback = vi.fn();
      expect(side.reportBeside('dpo-1', dpoJob, given, 'wasm', post, fallback)).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ type: 'report', runId: 'dpo-1', job: dpoJob, given, lab: { runs: [] }, baselines: [] });
      expect(posted).toEqual([{ type: 'runReport', runId: 'dpo-1', values: { trainAccuracy: 0.75, gold: 0.1 } }]);
      expect(fallback).not.toHaveBeenCalled();
    });

    it('is made in the lab worker when the side worker fails it or dies before answering', async () => {
      const side = await warmed((c, w) => c.type === 'report' && w.reply({ type: 'reportFailed', runId: c.runId, message: 'no DPO model' }));
      const failed = vi.fn();
      expect(side.reportBeside('dpo-2', dpoJob, given, 'wasm', post, failed)).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      expect(failed).toHaveBeenCalledTimes(1);
      script = (c, w) => c.type === 'report' && w.die('out of memory');
      const lost = vi.fn();
      expect(side.reportBeside('dpo-3', dpoJob, given, 'wasm', post, lost)).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      expect(lost).toHaveBeenCalledTimes(1);
      expect(posted.filter((e) => e.type === 'runReport')).toEqual([]);
    });

    it('keeps the side worker while a report is out, even after a switch to a GPU backend', async () => {
      let reply: (() => void) | null = null;
      let worker: FakeWorker | null = null;
      const side = await warmed((c, w) => {
        worker = w;
        if (c.type === 'report') reply = () => w.reply({ type: 'reported', runId: c.runId, values: {} });
      });
      side.reportBeside('dpo-4', dpoJob, given, 'wasm', post, vi.fn());
      await new Promise((r) => setTimeout(r, 0));
      side.releaseSide('webgpu');
      expect(worker!.terminated).toBe(false);
      reply!();
      expect(posted).toEqual([{ type: 'runReport', runId: 'dpo-4', values: {} }]);
      side.releaseSide('webgpu'); // answered: now it may go
      await side.runBeside('r8', job, 'wasm', post, vi.fn());
      expect(FakeWorker.made).toBe(2);
    });

    it('is not handed over where stages run one at a time, or before a side worker ever answered', async () => {
      const side = await fresh();
      expect(side.reportBeside('dpo-5', dpoJob, given, 'wasm', () => {}, vi.fn())).toBe(false); // never answered yet
      const warm = await warmed(() => {});
      expect(warm.reportBeside('dpo-6', dpoJob, given, 'webgpu', () => {}, vi.fn())).toBe(false);
      vi.stubGlobal('navigator', { hardwareConcurrency: 1 });
      expect(warm.reportBeside('dpo-7', dpoJob, given, 'wasm', () => {}, vi.fn())).toBe(false);
    });
  });
});
