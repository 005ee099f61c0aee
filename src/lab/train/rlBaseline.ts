/**
 * The evaluations every RL run is measured against (docs/method.md, "PPO machinery"): SFT's responses to the held-out
 * evaluation prompts, and any other model (the DPO row of a table) evaluated as an RL policy is, on the same prompts
 * with the same sampling seed.
 */
import { evaluatePolicy, type GoldBaseline, type PolicyEvaluation } from '../eval/policyEval';
import type { GptConfig, ParamTensors } from '../model/gpt';
import type { Task } from '../tasks/task';

export interface LabModel {
  params: ParamTensors;
  config: GptConfig;
}

/**
 * The one sampling seed of every evaluation of a run: the SFT baseline, iteration 0, every later point and the DPO
 * row (common random numbers, policyEval.ts). So iteration 0, still the SFT policy, reproduces the baseline exactly.
 */
export const EVAL_SEED = (seed: number | string) => `${seed}:eval`;

/** SFT's responses to the evaluation prompts, the reference for gold/win_rate (and the SFT row of a table). */
export async function sftBaseline(task: Task, sft: LabModel, evalPrompts: readonly (readonly number[])[], seed: number | string): Promise<GoldBaseline & { evaluation: PolicyEvaluation }> {
  const evaluation = await evaluatePolicy(task, sft.params, null, lmConfig(sft.config), evalPrompts, EVAL_SEED(seed));
  return { gold: evaluation.golds, evaluation: { ...evaluation, kl: 0, winRate: 0.5, winRateSe: 0 } };
}

/** Any model evaluated like an RL policy (the DPO row of a table). */
export function evaluateLikeRl(task: Task, policy: LabModel, sft: LabModel, evalPrompts: readonly (readonly number[])[], seed: number | string, baseline: GoldBaseline): Promise<PolicyEvaluation> {
  return evaluatePolicy(task, policy.params, sft.params, lmConfig(sft.config), evalPrompts, EVAL_SEED(seed), baseline);
}

/** A model's config as a language model (a reward model's scalar head left out). */
export const lmConfig = (c: GptConfig): GptConfig => ({ ...c, scalarHead: false });
