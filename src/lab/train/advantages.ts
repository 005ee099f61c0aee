/**
 * From a scored rollout to what the PPO update needs (docs/method.md, "PPO machinery"): each response's per-token
 * rewards in the chosen mode (rewards.ts), then advantages by GAE with the critic's values, or REINFORCE++'s
 * reward-to-go without a critic, whitened once over every valid token of the batch; or, for the group methods
 * (GRPO, RLOO: methods.ts), by a group baseline over the G consecutive responses to each prompt, not whitened again.
 * Plain CPU arrays.
 */
import { gae, groupAdvantages, rewardToGo, whitenAdvantages, type GroupEstimator } from './gae';
import { tokenRewards, type RewardSettings, type TokenRewards } from './rewards';
import { ofSequence, type Rollout } from './rollout';

export type AdvantageEstimator = 'gae' | 'reinforce++' | GroupEstimator;

export interface AdvantageSettings {
  estimator: AdvantageEstimator;
  gamma: number;
  lambda: number;
  /** The group methods' G and Dr. GRPO's std switch (absent: no groups). */
  group?: { size: number; stdNorm: boolean };
}

const isGroup = (e: AdvantageEstimator): e is GroupEstimator => e !== 'gae' && e !== 'reinforce++';

export interface RolloutTargets {
  /** Per sequence: the reward of each token and its DPO/KL/score channels. */
  rewards: TokenRewards[];
  /** Per token, flat like the rollout: advantages before and after whitening, and the critic's targets. */
  advantages: Float32Array;
  advantagesWhitened: Float32Array;
  returns: Float32Array;
}

export function rolloutTargets(r: Rollout, rs: RewardSettings, as: AdvantageSettings, delimiters: readonly number[] = []): RolloutTargets {
  const B = r.offsets.length - 1;
  const isDelimiter = new Set(delimiters);
  const rewards: TokenRewards[] = [];
  const perSeqAdv: number[][] = [];
  const returns = new Float32Array(r.positions.length);
  const group = isGroup(as.estimator) ? as.estimator : null;
  for (let b = 0; b < B; b++) {
    const policy = Array.from(ofSequence(r, r.logpOld, b));
    const reference = Array.from(ofSequence(r, r.logpRef, b));
    const dpo = r.logpDpo ? Array.from(ofSequence(r, r.logpDpo, b)) : undefined;
    const response = r.batch.responses[b] ?? [];
    const tr = tokenRewards({ policy, reference, dpo }, r.rmScore[b] ?? 0, rs, response.map((t) => isDelimiter.has(t)));
    rewards.push(tr);
    if (group) continue;
    if (as.estimator === 'gae') {
      const g = gae(tr.total, Array.from(ofSequence(r, r.values, b)), as.gamma, as.lambda);
      perSeqAdv.push(g.advantages);
      returns.set(g.returns, r.offsets[b] ?? 0);
    } else {
      const togo = rewardToGo(tr.total, as.gamma);
      perSeqAdv.push(togo);
      returns.set(togo, r.offsets[b] ?? 0);
    }
  }
  if (group) {
    // No critic: the returns (the value loss's targets) are unused; they hold the advantages.
    const adv = Float32Array.from(groupAdvantages(group, rewards.map((t) => t.total), { groupSize: as.group?.size ?? 1, stdNorm: as.group?.stdNorm ?? true }).flat());
    return { rewards, advantages: adv, advantagesWhitened: adv, returns: adv.slice() };
  }
  return {
    rewards,
    advantages: Float32Array.from(perSeqAdv.flat()),
    advantagesWhitened: Float32Array.from(whitenAdvantages(perSeqAdv).flat()),
    returns,
  };
}
