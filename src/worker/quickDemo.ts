/**
 * The Quick demo's load: the shipped SFT model and preference pairs become a new lab. A page that starts with no lab
 * prepares it while the visitor reads (docs/performance.md, "Ready before the click"): the files are fetched and the
 * task is built (here and, by whenTaskBuilds, in the side worker). On wasm and cpu the model is also made and checked,
 * so the load after the click only hands it to a lab, and then the work the demo's DPO stage begins with is done
 * ahead: DPO's reference log-probs over every pair and the SFT baseline's evaluation, both kept in the caches the
 * stages read (pairLogProbs.ts, rlBaseline.ts), so they are the same numbers to the bit. Not on a GPU backend: a
 * read-back on a lost WebGL context or WebGPU device may never settle, and work nobody asked for must not hold the
 * worker (its commands wait for the work ahead: settleQuickDemo).
 *
 * Nothing anyone sees changes before the click: the prepared model is held here, not in a lab, and is freed when
 * another lab opens first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveSettings } from '../lab/config';
import { artefactKey } from '../lab/lab/lab';
import { disposeParams } from '../lab/model/gpt';
import { taskSampleOptions } from '../lab/model/sample';
import { rlPromptsOf } from '../lab/stageSettings';
import { referenceLogProbs } from '../lab/train/pairLogProbs';
import { parsePairsFile, type PairsFile } from '../lab/train/pairsFile';
import { lmConfig, sftBaseline } from '../lab/train/rlBaseline';
import { fetchOk } from './fetchFile';
import { currentLab, whenLabOpens } from './labSession';
import type { SftSummary, StageSummary } from './protocol';
import { adoptSft, decodeSftCheckpoint, readSftCheckpoint, type DecodedSft } from './session';

/** The backends the work ahead runs on: those whose read-backs always settle. */
const WORK_AHEAD: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/** The Quick demo's two files, fetched once for the next load; a failed fetch is not kept (the load tries again). */
let files: { key: string; files: Promise<[ArrayBuffer, unknown]> } | null = null;
function fetchFiles(sftUrl: string, pairsUrl: string): Promise<[ArrayBuffer, unknown]> {
  const key = `${sftUrl}|${pairsUrl}`;
  if (files?.key === key) return files.files;
  const fetched = Promise.all([fetchOk(sftUrl, "the Quick demo's SFT model").then((r) => r.arrayBuffer()), fetchOk(pairsUrl, "the Quick demo's pairs").then((r) => r.json() as Promise<unknown>)]);
  const entry = { key, files: fetched };
  files = entry;
  fetched.catch(() => {
    if (files === entry) files = null;
  });
  return fetched;
}

interface Prepared {
  key: string;
  backend: string;
  made: Promise<{ sft: DecodedSft; pairs: PairsFile }>;
}

/** The Quick demo read and checked, not yet a lab's; null once the load took it or another lab opened. */
let prepared: Prepared | null = null;
/** The work done ahead (warm), settled or not: the model is freed, and the backend switched, only after it. */
let warming: Promise<void> = Promise.resolve();

function prepare(sftUrl: string, pairsUrl: string, dataUrl: string, backend: string): Prepared {
  const key = `${sftUrl}|${pairsUrl}|${dataUrl}`;
  if (prepared?.key === key && prepared.backend === backend) return prepared;
  dropPrepared();
  const made = (async () => {
    const [ckpt, pairsJson] = await fetchFiles(sftUrl, pairsUrl);
    const sft = await decodeSftCheckpoint(new Uint8Array(ckpt), backend, dataUrl);
    try {
      return { sft, pairs: parsePairsFile(pairsJson, sft.model.vocab.length) };
    } catch (error) {
      disposeParams(sft.model.params);
      throw error;
    }
  })();
  const entry: Prepared = { key, backend, made };
  prepared = entry;
  made.catch(() => {
    if (prepared === entry) prepared = null; // a failed fetch or file is not kept: the load tries again and says why
  });
  return entry;
}

/** Another lab opened (or the load took the model): the prepared model, if any, is freed once its work ahead ends. */
function dropPrepared(): void {
  const entry = prepared;
  prepared = null;
  if (!entry) return;
  void entry.made.then(({ sft }) => warming.then(() => disposeParams(sft.model.params))).catch(() => {});
}
whenLabOpens(dropPrepared);

/** DPO's reference log-probs and the SFT baseline of the tiny preset's job (the one the Quick demo posts), cached. */
async function warm({ sft, pairs }: Awaited<Prepared['made']>): Promise<void> {
  const { params, config, summary } = sft.model;
  const space = taskSampleOptions(sft.task);
  await referenceLogProbs(params, lmConfig(config), pairs.train, space);
  await referenceLogProbs(params, lmConfig(config), pairs.heldOut, space);
  const settings = resolveSettings(sft.preset, { vocabSize: summary.settings.vocabSize }, summary.task);
  await sftBaseline(sft.task, { params, config }, rlPromptsOf(sft.task, settings).evalPrompts, settings.seed);
}

/**
 * Gets the Quick demo ready while the page waits for its click. Resolves once the files are read, the task built and
 * (on wasm and cpu) the model made; the work ahead goes on after that, and the worker's next command waits for it
 * (settleQuickDemo), except the Quick demo's own load. Nothing happens over an open lab (its task is the one worth
 * keeping). A failure is left to the load itself, which reports it.
 */
export async function prepareQuickDemo(sftUrl: string, pairsUrl: string, dataUrl: string, backend: string = tf.getBackend()): Promise<void> {
  if (currentLab()) return;
  if (!WORK_AHEAD.has(backend)) {
    const [ckpt] = await fetchFiles(sftUrl, pairsUrl);
    if (!currentLab()) await readSftCheckpoint(new Uint8Array(ckpt), dataUrl);
    return;
  }
  const entry = prepare(sftUrl, pairsUrl, dataUrl, backend);
  const ready = await entry.made;
  if (prepared !== entry || currentLab()) return;
  warming = warm(ready).catch(() => {}); // the stages compute what failed here again, and say why
}

/** Resolves once no work ahead is in flight (at most about a second of the CPU's work: never a GPU's read-back). */
export function settleQuickDemo(): Promise<void> {
  return warming;
}

/** The Quick demo's SFT model and pairs (both fetched from the app itself); the pairs must fit the model. */
export async function loadQuickDemo(sftUrl: string, pairsUrl: string, backend: string, dataUrl: string): Promise<{ summary: SftSummary; pairs: StageSummary }> {
  const started = performance.now();
  const entry = prepare(sftUrl, pairsUrl, dataUrl, backend);
  prepared = null; // taken: the lab owns the model from here on
  const { sft, pairs } = await entry.made;
  files = null; // read once: the lab holds what it needs, and a later load fetches (from the app's cache) afresh
  const summary = await adoptSft(sft);
  currentLab()?.setPairs({ key: artefactKey('prefs', summary.task, sft.task, summary.settings), summary: { shipped: true }, train: pairs.train, heldOut: pairs.heldOut, stats: pairs.stats });
  const st = pairs.stats.train;
  return { summary, pairs: { stage: 'preferences', seconds: (performance.now() - started) / 1000, values: { pairs: pairs.train.length, heldOutPairs: pairs.heldOut.length, tieRate: st.tieRate, agreement: st.agreement } } };
}
