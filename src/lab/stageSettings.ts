/**
 * From the settings table (config.ts) to each stage runner's settings: the fixed parts of the recipe (warm-up,
 * floor, clipping; docs/method.md) live here once, for the CLI and the worker alike.
 */
import type { Settings } from './config';
import type { Task } from './tasks/task';
import type { DpoSettings } from './train/dpo';
import { methodOf, type MethodName } from './train/methods';
import type { PreferenceSettings } from './train/preferences';
import type { RlSettings } from './train/rlSettings';
import type { RmSettings } from './train/rm';
import type { SftSettings } from './train/sft';

const RECIPE = { warmupFraction: 0.03, floorFraction: 0.1, maxGradNorm: 1 };

export const modelOf = (s: Settings) => ({ layers: s.layers, heads: s.heads, width: s.width });

export function sftSettingsOf(s: Settings, samples = 4): SftSettings {
  return {
    ...RECIPE,
    steps: s.sftSteps,
    batchSize: s.sftBatch,
    lr: s.sftLr,
    evalEvery: s.sftEvalEvery,
    sampleEvery: s.sftSampleEvery,
    evalExamples: 1024,
    samples,
    sampleTemperature: 0.8,
  };
}

export const preferenceSettingsOf = (s: Settings): PreferenceSettings => ({ temperature: s.prefTemperature, batchSize: 128 });

export const rmSettingsOf = (s: Settings): RmSettings => ({ ...RECIPE, epochs: s.rmEpochs, batchSize: s.rmBatch, lr: s.rmLr, evalEvery: 50 });

export const dpoSettingsOf = (s: Settings): DpoSettings => ({ ...RECIPE, epochs: s.dpoEpochs, batchSize: s.dpoBatch, lr: s.dpoLr, beta: s.dpoBeta, evalEvery: 50 });

/**
 * One method's RL settings (methods.ts: its reward mode and estimator). Every reward mode is also the name of its
 * method, so rlSettingsOf(s, 'ppo') and rlSettingsOf(s, 'rto') are PPO and RTO. `estimator` swaps a one-response
 * method's own estimator for GAE or REINFORCE++ (the CLI's --advantage); a group method takes none.
 * The group methods: GRPO's KL is grpoBeta·k3 in the loss (grpoKlInLoss 1) or −grpoBeta·(ℓ_π − ℓ_ref) per token in
 * the reward (0), so β2 of the reward is 0 or grpoBeta; RLOO keeps β2 in the reward, as PPO.
 */
export function rlSettingsOf(s: Settings, method: MethodName, estimator?: 'gae' | 'reinforce++'): RlSettings {
  const m = methodOf(method);
  if (estimator && m.usesGroups) throw new RangeError(`${m.label} has its own group estimator (${m.estimator}); --advantage gae or reinforce++ is for the one-response methods`);
  const mode = m.reward;
  const grpo = m.estimator === 'grpo' || m.estimator === 'grpo-process';
  const klInLoss = s.grpoKlInLoss === 1;
  const beta2 = method === 'ppo' ? s.ppoBeta2 : grpo ? (klInLoss ? 0 : s.grpoBeta) : s.beta2;
  return {
    ...RECIPE,
    mode,
    estimator: estimator ?? m.estimator,
    iterations: s.rlIterations,
    promptsPerRollout: s.rlPrompts,
    minibatches: s.rlMinibatches,
    // PPO has its own β2 and actor LR: the methods are tuned apart, with the same budget (scripts/tune.ts).
    actorLr: method === 'ppo' ? s.ppoActorLr : s.actorLr,
    criticLr: s.criticLr,
    beta1: s.beta1,
    clip: s.rtoClip,
    beta2,
    // PPO's score weight is 1 by definition (docs/method.md stage 4); β3 weighs it in RTO and the ablations.
    beta3: s.beta3,
    gamma: s.gamma,
    lambda: s.lambda,
    epsClip: s.epsClip,
    valueClip: s.valueClip,
    evalEvery: s.rlEvalEvery,
    tokensEvery: s.rlTokensEvery,
    tokenRows: 3,
    ...(m.usesGroups ? { group: { size: s.groupSize, klLossCoef: grpo && klInLoss ? s.grpoBeta : 0, lengthNorm: grpo ? s.grpoLengthNorm === 1 : true, stdNorm: s.grpoStdNorm === 1 } } : {}),
  };
}

/**
 * The RL prompt sets. The pool is one pass of prompts (iterations × prompts per rollout) taken from the training
 * prompts after those the preference pairs used; `rlPromptFraction` keeps its first share (the sample-efficiency
 * sweep), which the run then cycles through. Gold is measured on the first held-out prompts, never trained on.
 */
export function rlPromptsOf(task: Task, s: Settings): { prompts: number[][]; evalPrompts: number[][] } {
  const all = task.train.map((e) => e.prompt);
  if (all.length === 0) throw new Error(`the ${task.name} task has no training prompts`);
  const poolSize = s.rlIterations * s.rlPrompts;
  const kept = Math.max(1, Math.ceil(s.rlPromptFraction * poolSize));
  const prompts = Array.from({ length: kept }, (_, i) => all[(s.prefPrompts + i) % all.length] ?? []);
  const evalPrompts = task.heldOut.slice(0, s.rlEvalPrompts).map((e) => e.prompt);
  return { prompts, evalPrompts };
}
