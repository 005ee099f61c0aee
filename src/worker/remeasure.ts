/**
 * An opened lab's numbers are measured again, on this backend, rather than taken from the file: the SFT model's
 * held-out loss, the reward model's and DPO's held-out accuracy (and DPO's margin) on the lab's own held-out pairs.
 * The page then shows the measured values in the stage cards (the replayed runFinished summaries are updated).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Lab } from '../lab/lab/lab';
import { taskSampleOptions } from '../lab/model/sample';
import type { Task } from '../lab/tasks/task';
import { evaluateDpo } from '../lab/train/dpo';
import { pairLogProbs } from '../lab/train/pairLogProbs';
import { evaluateRewardModel } from '../lab/train/rm';
import { heldOutNll } from '../lab/train/sft';
import type { Event, LabRunReplay, RlhfStage, SftSummary } from './protocol';

export interface Remeasured {
  sft: SftSummary;
  /** Per stage, the summary values measured again. */
  stages: Partial<Record<RlhfStage, Record<string, number>>>;
}

/** Runs one measurement; a failure names what was being measured (a lab whose pairs its task cannot produce, say). */
async function measuring<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw new Error(`the lab's ${what} could not be measured again, so the lab is not opened: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function remeasure(lab: Lab, task: Task): Promise<Remeasured> {
  const sftModel = lab.sft!.model;
  const heldOutLoss = await measuring('SFT model', () => heldOutNll(sftModel.params, sftModel.config, task, 512));
  // A lab saved before summaries named their preset: the lab's own.
  const sft: SftSummary = { ...(lab.sft!.summary as unknown as SftSummary), preset: lab.preset, heldOutLoss, heldOutPerplexity: Math.exp(heldOutLoss), backend: tf.getBackend() };
  const stages: Remeasured['stages'] = {};
  const heldOut = lab.pairs?.heldOut ?? [];
  const rm = lab.rm;
  if (rm && heldOut.length > 0) stages.rm = { heldOutAccuracy: (await measuring('reward model', () => evaluateRewardModel(rm.model.params, rm.model.config, heldOut))).accuracy };
  const dpo = lab.dpo;
  if (dpo && heldOut.length > 0) {
    const space = taskSampleOptions(task);
    const e = await measuring('DPO model', async () => {
      const reference = await pairLogProbs(sftModel.params, sftModel.config, heldOut, space);
      return evaluateDpo(dpo.model.params, dpo.model.config, heldOut, reference, dpo.beta, space);
    });
    stages.dpo = { heldOutAccuracy: e.accuracy, heldOutMargin: e.margin };
  }
  return { sft, stages };
}

/** The replayed runs with the measured values in the last finished run of each stage (and of SFT). */
export function withMeasured(runs: LabRunReplay[], measured: Remeasured): LabRunReplay[] {
  const last = new Map<string, number>();
  const stageOf = (r: LabRunReplay) => (r.job.kind === 'sft' ? 'sft' : r.job.kind === 'stage' ? r.job.stage : null);
  runs.forEach((r, i) => {
    const stage = stageOf(r);
    if (r.status === 'finished' && stage !== null) last.set(stage, i);
  });
  return runs.map((r, i) => {
    const stage = stageOf(r);
    if (stage === null || last.get(stage) !== i) return r;
    const events = r.events.map((e): Event => {
      if (e.type !== 'runFinished') return e;
      if (e.result.kind === 'sft') return { ...e, result: { ...e.result, heldOutLoss: measured.sft.heldOutLoss, heldOutPerplexity: measured.sft.heldOutPerplexity } };
      if (e.result.kind !== 'stage') return e;
      const values = measured.stages[e.result.stage];
      return values ? { ...e, result: { ...e.result, values: { ...e.result.values, ...values } } } : e;
    });
    return { ...r, events };
  });
}
