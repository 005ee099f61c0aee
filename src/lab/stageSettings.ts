/**
 * From the settings table (config.ts) to each stage runner's settings: the fixed parts of the recipe (warm-up,
 * floor, clipping; docs/method.md) live here once, for the CLI and the worker alike.
 */
import type { Settings } from './config';
import type { Task } from './tasks/task';
import type { AdvantageEstimator } from './train/advantages';
import type { DpoSettings } from './train/dpo';
import type { PreferenceSettings } from './train/preferences';
import type { RewardMode } from './train/rewards';
import type { RlSettings } from './train/rl';
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

export function rlSettingsOf(s: Settings, mode: RewardMode, estimator: AdvantageEstimator = 'gae'): RlSettings {
  return {
    ...RECIPE,
    mode,
    estimator,
    iterations: s.rlIterations,
    promptsPerRollout: s.rlPrompts,
    minibatches: s.rlMinibatches,
    // PPO has its own β2 and actor LR: the methods are tuned apart, with the same budget (scripts/tune.ts).
    actorLr: mode === 'ppo' ? s.ppoActorLr : s.actorLr,
    criticLr: s.criticLr,
    beta1: s.beta1,
    clip: s.rtoClip,
    beta2: mode === 'ppo' ? s.ppoBeta2 : s.beta2,
    // PPO's score weight is 1 by definition (docs/method.md stage 4); β3 weighs it in RTO and the ablations.
    beta3: s.beta3,
    gamma: s.gamma,
    lambda: s.lambda,
    epsClip: s.epsClip,
    valueClip: s.valueClip,
    evalEvery: s.rlEvalEvery,
    tokensEvery: s.rlTokensEvery,
    tokenRows: 3,
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
