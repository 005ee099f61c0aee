/**
 * The Saved labs commands of the worker: list, open (a saved lab, a lab file, a URL), delete, start fresh, download,
 * and continue an unfinished RL run. Opening validates the whole file first (labFile.ts) and checks it against its
 * task, so a lab that fails to open changes nothing already loaded or stored.
 */
import type { Settings } from '../lab/config';
import { Lab } from '../lab/lab/lab';
import { checkLabAgainstTask, decodeLabFile, encodeLabFile, labFileName } from '../lab/lab/labFile';
import type { LabSnapshot } from '../lab/lab/snapshot';
import { fetchOk } from './fetchFile';
import { infoOf } from './idbLabStore';
import type { JobContext } from './jobContext';
import { currentLab, labStore, replaceLab, savesDone } from './labSession';
import type { Event, LabRunReplay, RunJob, RunResult } from './protocol';
import { remeasure, withMeasured, type Remeasured } from './remeasure';
import { runStage } from './rlhfJobs';
import { taskFor } from './session';

/** Lab files a URL may bring (`#lab=`): larger ones are refused before they are read whole. */
const MAX_URL_BYTES = 512 * 1024 * 1024;

export async function listLabs(requestId: string): Promise<Event> {
  return { type: 'labList', requestId, labs: await labStore().list() };
}

async function fetchLab(url: string): Promise<Uint8Array> {
  const response = await fetchOk(url, 'the lab');
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_URL_BYTES) throw new Error(`the lab at ${url} is ${(length / 2 ** 20).toFixed(0)} MiB, over the ${MAX_URL_BYTES / 2 ** 20} MiB limit`);
  return new Uint8Array(await response.arrayBuffer());
}

async function bytesOf(source: Extract<import('./protocol').Command, { type: 'openLab' }>['source']): Promise<{ bytes: Uint8Array; store: boolean }> {
  if (source.kind === 'file') return { bytes: new Uint8Array(source.bytes), store: true };
  if (source.kind === 'url') return { bytes: await fetchLab(source.url), store: true };
  const store = labStore();
  const id = source.id ?? (await store.list())[0]?.id;
  if (!id) throw new Error('there is no saved lab in this browser yet');
  const bytes = await store.loadBytes(id);
  if (!bytes) throw new Error(`there is no saved lab "${id}" in this browser (it may have been deleted in another tab)`);
  return { bytes, store: false };
}

/** The runs as the page replays them; a run stopped with no checkpoint to go on from ends as interrupted. */
function replays(s: LabSnapshot): { runs: LabRunReplay[]; resumable: { runId: string; iteration: number }[] } {
  const resumable: { runId: string; iteration: number }[] = [];
  const runs = s.runs.map((r) => {
    const events = r.events as unknown as Event[];
    if (r.status !== 'running') return { runId: r.runId, job: r.job as unknown as LabRunReplay['job'], status: r.status, events };
    if (r.resume) {
      resumable.push({ runId: r.runId, iteration: r.resume.iteration });
      return { runId: r.runId, job: r.job as unknown as LabRunReplay['job'], status: r.status, events };
    }
    const interrupted: Event = { type: 'runFailed', runId: r.runId, message: 'interrupted (the page was reloaded or the worker stopped) before its first save: run it again' };
    return { runId: r.runId, job: r.job as unknown as LabRunReplay['job'], status: 'failed' as const, events: [...events, interrupted] };
  });
  return { runs, resumable };
}

export async function openLab(requestId: string, source: Parameters<typeof bytesOf>[0], dataUrl: string): Promise<Event> {
  const { bytes, store } = await bytesOf(source);
  const snapshot = decodeLabFile(bytes); // every check of the file; throws with the reason, nothing changed yet
  if (!snapshot.sft) throw new Error('this lab holds no SFT model, so there is nothing to open');
  const settings = snapshot.sft.summary.settings as Settings | undefined;
  if (!settings || typeof settings !== 'object') throw new Error('this lab does not say which settings its SFT model was trained with');
  const task = await taskFor(snapshot.task, dataUrl, settings);
  checkLabAgainstTask(snapshot, task.tokenizer.vocab);
  const lab = Lab.fromSnapshot(snapshot);
  let measured: Remeasured;
  try {
    // A file's numbers are not trusted: the models' held-out numbers are measured again, here, on this backend.
    measured = await remeasure(lab, task);
    lab.sft!.summary = { ...measured.sft };
  } catch (error) {
    lab.dispose();
    throw error;
  }
  if (store) await labStore().putBytes(snapshot.id, bytes, infoOf(snapshot, bytes.byteLength));
  replaceLab(lab);
  const { runs, resumable } = replays(snapshot);
  return { type: 'labOpened', requestId, info: infoOf(snapshot, bytes.byteLength), runs: withMeasured(runs, measured), resumable, sft: measured.sft };
}

export async function deleteLab(requestId: string, id: string): Promise<Event> {
  await labStore().remove(id);
  return { type: 'labDeleted', requestId, id };
}

export async function closeLab(requestId: string): Promise<Event> {
  await savesDone();
  replaceLab(null);
  return { type: 'labClosed', requestId };
}

export async function exportLab(requestId: string): Promise<Extract<Event, { type: 'labExported' }>> {
  const lab = currentLab();
  if (!lab) throw new Error('there is no lab to download yet: train or load an SFT model first');
  const snapshot = lab.snapshot();
  const bytes = encodeLabFile(snapshot);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { type: 'labExported', requestId, bytes: buffer, fileName: labFileName(snapshot) };
}

/** The job of an unfinished RL run and a runner that goes on from its last checkpoint. */
export function continueRun(runId: string): { job: RunJob; run: (ctx: JobContext) => Promise<RunResult> } {
  const record = currentLab()?.run(runId);
  if (!record) throw new Error(`the open lab has no run ${runId}`);
  const job = record.job as unknown as RunJob;
  if (job.kind !== 'stage' || (job.stage !== 'ppo' && job.stage !== 'rto')) throw new Error('only a PPO or RTO run can be continued');
  const resume = record.resume;
  if (!resume) throw new Error('this run has no saved state to go on from: run it again');
  return { job, run: (ctx) => runStage(ctx, job, resume) };
}
