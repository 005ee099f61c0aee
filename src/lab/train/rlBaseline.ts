/**
 * The evaluations every RL run is measured against (docs/method.md, "PPO machinery"): SFT's responses to the held-out
 * evaluation prompts, and any other model (the DPO row of a table) evaluated as an RL policy is, on the same prompts
 * with the same sampling seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { evaluatePolicy, sampleForEvaluation, type EvaluationSample, type GoldBaseline, type PolicyEvaluation } from '../eval/policyEval';
import type { GptConfig, ParamTensors } from '../model/gpt';
import type { Task } from '../tasks/task';

export interface LabModel {
  params: ParamTensors;
  config: GptConfig;
}

/**
 * The one sampling seed of every evaluation of a run: the SFT baseline, iteration 0, every later point and the DPO
 * row (common random numbers, policyEval.ts). So iteration 0, still the SFT policy, would draw the baseline's
 * responses again to the token: it scores the baseline's own (GoldBaseline.sample) instead.
 */
export const EVAL_SEED = (seed: number | string) => `${seed}:eval`;

type Baseline = GoldBaseline & { evaluation: PolicyEvaluation; sample: EvaluationSample };

/**
 * Baselines already computed, per SFT model (its parameters) and then per task, backend, seed, config and prompts:
 * the DPO stage, PPO and RTO each ask for the same one, and the answer is the same to the bit (a fixed seed), so it is
 * computed once per worker. A model that is freed takes its entries with it.
 */
const computed = new WeakMap<LabModel['params'], Map<string, Promise<Baseline>>>();
/** The same baselines once computed, to hand to another worker (handedBaselines). */
const settled = new WeakMap<LabModel['params'], Map<string, Baseline>>();

function entriesOf<T>(map: WeakMap<LabModel['params'], Map<string, T>>, params: LabModel['params']): Map<string, T> {
  const known = map.get(params) ?? new Map<string, T>();
  map.set(params, known);
  return known;
}

/** SFT's responses to the evaluation prompts, the reference for gold/win_rate (and the SFT row of a table). Read-only: shared by its callers. */
export function sftBaseline(task: Task, sft: LabModel, evalPrompts: readonly (readonly number[])[], seed: number | string): Promise<Baseline> {
  const key = JSON.stringify([task.name, tf.getBackend(), String(seed), lmConfig(sft.config), evalPrompts]);
  const known = entriesOf(computed, sft.params);
  const hit = known.get(key);
  if (hit) return hit;
  const made = (async (): Promise<Baseline> => {
    const sample = await sampleForEvaluation(task, sft.params, lmConfig(sft.config), evalPrompts, EVAL_SEED(seed));
    const evaluation = await evaluatePolicy(task, sft.params, null, sample.config, evalPrompts, sample.seed, undefined, sample.batch);
    return { gold: evaluation.golds, evaluation: { ...evaluation, kl: 0, winRate: 0.5, winRateSe: 0 }, sample };
  })();
  known.set(key, made);
  made.then(
    (baseline) => entriesOf(settled, sft.params).set(key, baseline),
    () => known.delete(key), // a failed one is computed again next time
  );
  return made;
}

/** A baseline as another worker gets it: its key, and its values without the model's tensors (the sample's policy). */
export interface HandedBaseline {
  key: string;
  gold: number[];
  evaluation: PolicyEvaluation;
  sample: Omit<EvaluationSample, 'policy'>;
}

/**
 * The baselines computed for the SFT model `params` so far, for a worker that gets a copy of the model on the same
 * backend (sideRuns.ts: the side worker's PPO would otherwise sample and score SFT's responses again, the same to
 * the bit). Plain data: they go through postMessage.
 */
export function handedBaselines(params: LabModel['params']): HandedBaseline[] {
  return [...(settled.get(params) ?? [])].map(([key, { gold, evaluation, sample }]) => ({ key, gold, evaluation, sample: { config: sample.config, prompts: sample.prompts, seed: sample.seed, batch: sample.batch } }));
}

/** Takes baselines handed from another worker as computed here for `params`, this worker's copy of that SFT model. */
export function adoptBaselines(params: LabModel['params'], handed: readonly HandedBaseline[]): void {
  const known = entriesOf(computed, params);
  for (const { key, gold, evaluation, sample } of handed) {
    if (known.has(key)) continue;
    const baseline: Baseline = { gold, evaluation, sample: { ...sample, policy: params } };
    known.set(key, Promise.resolve(baseline));
    entriesOf(settled, params).set(key, baseline);
  }
}

/** Any model evaluated like an RL policy (the DPO row of a table). */
export function evaluateLikeRl(task: Task, policy: LabModel, sft: LabModel, evalPrompts: readonly (readonly number[])[], seed: number | string, baseline: GoldBaseline): Promise<PolicyEvaluation> {
  return evaluatePolicy(task, policy.params, sft.params, lmConfig(sft.config), evalPrompts, EVAL_SEED(seed), baseline);
}

/** A model's config as a language model (a reward model's scalar head left out). */
export const lmConfig = (c: GptConfig): GptConfig => ({ ...c, scalarHead: false });
