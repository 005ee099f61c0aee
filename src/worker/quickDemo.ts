/**
 * The Quick demo's load: the shipped SFT model and preference pairs become a new lab. A page that starts with no lab
 * prepares it while the visitor reads (docs/performance.md, "Ready before the click"): the files are fetched, the
 * task is built (here and, by whenTaskBuilds, in the side worker) and the model is read and checked, so the load
 * after the click only hands them to a lab. Then, while the page still waits, the work the demo's first stage begins
 * with is done ahead: DPO's reference log-probs over every pair and the SFT baseline's evaluation, both kept in the
 * caches the stages read (pairLogProbs.ts, rlBaseline.ts), so they are the same numbers to the bit.
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
import { adoptSft, decodeSftCheckpoint, type DecodedSft } from './session';

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
    const [ckpt, pairsJson] = await Promise.all([fetchOk(sftUrl, "the Quick demo's SFT model").then((r) => r.arrayBuffer()), fetchOk(pairsUrl, "the Quick demo's pairs").then((r) => r.json() as Promise<unknown>)]);
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
 * Gets the Quick demo ready while the page waits for its click. Resolves once the model is read (the load after it
 * waits for no more); the work ahead goes on after that, between the commands that come (settleQuickDemo waits for
 * it). Nothing happens over an open lab (its task is the one worth keeping). A failure is left to the load itself,
 * which reports it.
 */
export async function prepareQuickDemo(sftUrl: string, pairsUrl: string, dataUrl: string, backend: string = tf.getBackend()): Promise<void> {
  if (currentLab()) return;
  const entry = prepare(sftUrl, pairsUrl, dataUrl, backend);
  const ready = await entry.made;
  if (prepared !== entry || currentLab()) return;
  warming = warm(ready).catch(() => {}); // the stages compute what failed here again, and say why
}

/** Resolves once no work ahead is in flight: a backend switch waits for it, so that no cached answer mixes two. */
export function settleQuickDemo(): Promise<void> {
  return warming;
}

/** The Quick demo's SFT model and pairs (both fetched from the app itself); the pairs must fit the model. */
export async function loadQuickDemo(sftUrl: string, pairsUrl: string, backend: string, dataUrl: string): Promise<{ summary: SftSummary; pairs: StageSummary }> {
  const started = performance.now();
  const entry = prepare(sftUrl, pairsUrl, dataUrl, backend);
  prepared = null; // taken: the lab owns the model from here on
  const { sft, pairs } = await entry.made;
  const summary = await adoptSft(sft);
  currentLab()?.setPairs({ key: artefactKey('prefs', summary.task, sft.task, summary.settings), summary: { shipped: true }, train: pairs.train, heldOut: pairs.heldOut, stats: pairs.stats });
  const st = pairs.stats.train;
  return { summary, pairs: { stage: 'preferences', seconds: (performance.now() - started) / 1000, values: { pairs: pairs.train.length, heldOutPairs: pairs.heldOut.length, tieRate: st.tieRate, agreement: st.agreement } } };
}
