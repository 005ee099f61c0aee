/**
 * The worker's one lab (src/lab/lab/lab.ts) and its autosave: every event of a lab's runs is recorded in the lab
 * (a journal the page replays on restore), the lab is saved to IndexedDB after every finished stage and at an RL
 * run's checkpoints, and saves run one after another, off the training loop (a save is queued, never awaited by
 * training). A failed save (a full quota) is reported and training goes on.
 */
import { Lab, type LabStore } from '../lab/lab/lab';
import type { RlResumeState, RunRecord } from '../lab/lab/snapshot';
import { decodeLabFile } from '../lab/lab/labFile';
import { IdbLabStore, storageMessage } from './idbLabStore';
import type { Event } from './protocol';

let lab: Lab | null = null;
/** Runs whose lab does not exist yet (an SFT run: its lab begins when it finishes). */
const pending = new Map<string, RunRecord>();
let store: IdbLabStore | null = null;
let saving: Promise<void> = Promise.resolve();
let post: (event: Event) => void = () => {};
/** Set in tests and in browsers without IndexedDB: labs then live only in memory. */
let autosave = typeof indexedDB !== 'undefined';
/** Where autosaves go instead of IndexedDB (useLabStore). */
let autosaveStore: LabStore | null = null;

export { APP_VERSION } from '../lab/appVersion';

export function labStore(): IdbLabStore {
  if (!autosave) throw new Error('this browser gives the page no IndexedDB storage, so labs cannot be saved here (Download lab still works)');
  store ??= new IdbLabStore();
  return store;
}

/** Autosaves go to `s` (and autosave is on); null: back to IndexedDB, on only where the browser has it. Tests use it. */
export function useLabStore(s: LabStore | null): void {
  autosaveStore = s;
  autosave = s !== null || typeof indexedDB !== 'undefined';
}

export function setPoster(p: (event: Event) => void): void {
  post = p;
}

export function currentLab(): Lab | null {
  return lab;
}

export function newLabId(): string {
  return `lab-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Told when a lab becomes the worker's (quickDemo.ts frees the Quick demo it prepared for an empty page). */
let onOpen: (() => void) | null = null;
export function whenLabOpens(listener: typeof onOpen): void {
  onOpen = listener;
}

/** Makes `next` the worker's lab (the previous one's tensors are freed) and adopts the named pending runs. */
export function replaceLab(next: Lab | null, adopt: string[] = []): void {
  if (lab && lab !== next) lab.dispose();
  lab = next;
  if (next) onOpen?.();
  for (const runId of adopt) {
    const record = pending.get(runId);
    pending.delete(runId);
    if (record && next) next.putRun(record);
  }
}

/** An evaluation's table of responses (a `stage` event of type `responses`): the page shows only the latest. */
const isResponses = (e: Event): boolean => e.type === 'stage' && (e.event as { type: string }).type === 'responses';

function recordOf(runId: string): RunRecord | undefined {
  return lab?.run(runId) ?? pending.get(runId);
}

/** Records an event the worker posts (runs of the lab only: a backend check is not part of a lab). */
export function recordEvent(event: Event): void {
  if (!('runId' in event)) return;
  if (event.type === 'runStarted') {
    if (event.job.kind === 'backendCheck') return;
    const existing = recordOf(event.runId);
    if (existing) {
      existing.status = 'running'; // a continued run: its first start is already recorded
      return;
    }
    const record: RunRecord = { runId: event.runId, job: event.job as unknown as Record<string, unknown>, status: 'running', events: [], resume: null };
    if (event.job.kind === 'stage' && lab) lab.putRun(record);
    else pending.set(event.runId, record);
    return;
  }
  const record = recordOf(event.runId);
  if (!record) return;
  const last = record.events[record.events.length - 1];
  // Progress and an evaluation's responses only matter as the latest: one kept, not thousands.
  if (event.type === 'runProgress' && last?.type === 'runProgress') record.events[record.events.length - 1] = event as unknown as Record<string, unknown>;
  else {
    if (isResponses(event)) record.events = record.events.filter((e) => !isResponses(e as unknown as Event));
    record.events.push(event as unknown as Record<string, unknown>);
  }
  if (event.type === 'runFinished') {
    record.status = 'finished';
    record.resume = null;
  } else if (event.type === 'runFailed') {
    record.status = 'failed'; // a failed run (a non-finite loss, a bad setting) is not continued: run it again
    record.resume = null;
  }
  else if (event.type === 'runCancelled') {
    record.status = 'cancelled';
    record.resume = null;
  }
  if (event.type === 'runFinished' || event.type === 'runFailed' || event.type === 'runCancelled') {
    pending.delete(event.runId);
    if (lab?.run(event.runId)) saveSoon();
  }
  if (event.type === 'runReport' && lab?.run(event.runId)) saveSoon(); // a finished stage's report, made after it
}

/** A lab-level event that is not a run (the Quick demo's load, an imported checkpoint): kept as a finished record. */
export function recordLoad(requestId: string, what: string, event: Event): void {
  lab?.putRun({ runId: requestId, job: { kind: 'load', what }, status: 'finished', events: [event as unknown as Record<string, unknown>], resume: null });
}

/** An RL run's checkpoint: kept in its record and saved. */
export function recordCheckpoint(runId: string, state: RlResumeState): void {
  const record = lab?.run(runId);
  if (!record) return;
  record.resume = state;
  saveSoon();
}

/** Queues a save of the current lab (saves run one at a time; a newer snapshot is taken when its turn comes). */
export function saveSoon(): void {
  if (!autosave || !lab) return;
  const target = lab;
  // The snapshot is taken now (cheap: the models' blobs are read once, the runs' event lists are copied), so what is
  // saved is the lab as it stood at this point of training; encoding and storing wait for their turn.
  const snapshot = target.snapshot();
  inFlight += 1;
  saving = saving.then(async () => {
    const started = performance.now();
    try {
      const { bytes } = await (autosaveStore ?? labStore()).save(snapshot);
      post({ type: 'labSaved', id: target.id, bytes, ms: performance.now() - started });
    } catch (error) {
      post({ type: 'labSaveFailed', id: target.id, message: storageMessage(error) });
    } finally {
      inFlight -= 1;
    }
  });
}

let inFlight = 0;
/** Whether a save is queued or being written (the pause gate then waits for it: pauses.ts). */
export function saveInFlight(): boolean {
  return inFlight > 0;
}

/** Resolves when every queued save is done (tests, and before a download). */
export function savesDone(): Promise<void> {
  return saving;
}

export function setAutosave(on: boolean): void {
  autosave = on;
}

/** Opens a lab from bytes: decoded and validated first, so a bad file changes nothing. */
export function labFromBytes(bytes: Uint8Array): Lab {
  return Lab.fromSnapshot(decodeLabFile(bytes));
}
