/**
 * The RL stage's settings (rl.ts): what one run of the loop takes, checked before anything runs, and the pieces of it
 * the reward and the PPO losses read. stageSettings.ts builds them from the lab's settings table (config.ts).
 */
import { crossFieldMessage } from '../config';
import type { Task } from '../tasks/task';
import type { AdvantageEstimator } from './advantages';
import { checkGroups } from './gae';
import { GROUP_ESTIMATOR_FAMILY } from './methods';
import type { PpoClipSettings } from './ppo';
import type { RewardMode, RewardSettings } from './rewards';

export interface RlSettings {
  mode: RewardMode;
  estimator: AdvantageEstimator;
  iterations: number;
  promptsPerRollout: number;
  minibatches: number;
  actorLr: number;
  criticLr: number;
  warmupFraction: number;
  floorFraction: number;
  maxGradNorm: number;
  beta1: number;
  clip: number;
  beta2: number;
  beta3: number;
  gamma: number;
  lambda: number;
  epsClip: number;
  valueClip: number;
  /** Iterations between gold evaluations on the held-out prompts (the last iteration is always evaluated). */
  evalEvery: number;
  /** Iterations between heatmap rows (a `tokens` event), 0 for never. */
  tokensEvery: number;
  tokenRows: number;
  /** The group methods' settings (GRPO, RLOO); absent for the others. */
  group?: GroupSettings;
}

/** What a group method (methods.ts) adds: G, GRPO's KL in the loss and the Dr. GRPO switches. */
export interface GroupSettings {
  /** G: responses per prompt; divides promptsPerRollout. */
  size: number;
  /** β of the k3 KL in the loss (grpoBeta when grpoKlInLoss is 1; 0 when the KL is in the reward). */
  klLossCoef: number;
  /** 1/|y_i| per response in the loss (GRPO); false: 1/horizon for every response (Dr. GRPO). */
  lengthNorm: boolean;
  /** Divide by the group's std (GRPO); false: Dr. GRPO. */
  stdNorm: boolean;
}

export const rewardSettingsOf = (s: RlSettings): RewardSettings => ({ mode: s.mode, beta1: s.beta1, clip: s.clip, beta2: s.beta2, beta3: s.beta3 });


/** The PPO losses' clips and a group method's KL in the loss. */
export const ppoClipOf = (s: RlSettings): PpoClipSettings => ({ epsClip: s.epsClip, valueClip: s.valueClip, klCoef: s.group?.klLossCoef ?? 0 });

/** Semi-RTO's sentence ends (rewards.ts); the response's last token always ends one too. */
const SENTENCE_ENDS = ['.', '!', '?', ';'];
/** The task's token ids of the sentence ends (special tokens excluded), as rolloutTargets takes them. */
export const sentenceDelimiters = (task: Task): number[] => SENTENCE_ENDS.map((w) => task.tokenizer.idOf(w)).filter((id) => id > 3);

export function validateRlSettings(s: RlSettings): void {
  if (s.promptsPerRollout % s.minibatches !== 0) throw new RangeError(crossFieldMessage('rlPrompts', 'rlMinibatches', { rlPrompts: s.promptsPerRollout, rlMinibatches: s.minibatches }));
  if (s.mode !== 'ppo' && !(s.beta1 > 0)) throw new RangeError(`mode ${s.mode} needs β1 > 0`);
  const family = GROUP_ESTIMATOR_FAMILY[s.estimator];
  if (family && !s.group) throw new RangeError(`${family} needs its group settings (groupSize)`);
  if (!family && s.group) throw new RangeError(`the ${s.estimator} estimator samples one response per prompt and takes no group settings`);
  if (s.group && family) {
    if (s.promptsPerRollout % s.group.size !== 0) throw new RangeError(crossFieldMessage('rlPrompts', 'groupSize', { rlPrompts: s.promptsPerRollout, groupSize: s.group.size }));
    checkGroups(s.estimator as Parameters<typeof checkGroups>[0], s.promptsPerRollout, s.group.size);
  }
}
