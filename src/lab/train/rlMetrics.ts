/**
 * What the RL loop (rl.ts) reports: an evaluation point of the run's history, its metrics (the gold/* and eval/* keys
 * the page draws) and TRL's per-iteration metrics from a rollout and its minibatches.
 */
import type { PolicyEvaluation } from '../eval/policyEval';
import type { RolloutTargets } from './advantages';
import type { MinibatchResult } from './ppo';
import { ofSequence, type Rollout } from './rollout';

export interface RlEvaluationPoint extends Omit<PolicyEvaluation, 'responses' | 'golds'> {
  iteration: number;
  episodes: number;
}

/** An evaluation point back from its metrics record (a resumed run's history). */
export const evaluationPointOf = (p: Record<string, number>): RlEvaluationPoint => ({
  iteration: p.iteration!,
  episodes: p.episodes!,
  gold: p.gold!,
  goldSe: p.goldSe!,
  winRate: p.winRate!,
  winRateSe: p.winRateSe!,
  kl: p.kl!,
  length: p.length!,
});

const mean = (xs: ArrayLike<number>) => (xs.length ? Array.from(xs).reduce((a, b) => a + b, 0) / xs.length : NaN);

/** An evaluation's metrics (the worker→UI contract: gold/* and eval/* keys, only on evaluation iterations). */
export const evalMetrics = (e: RlEvaluationPoint): Record<string, number> => ({
  'gold/reward': e.gold,
  'gold/reward_se': e.goldSe,
  'gold/win_rate': e.winRate,
  'gold/win_rate_se': e.winRateSe,
  'eval/kl': e.kl,
  'eval/length': e.length,
});

/** TRL's per-iteration metrics from a rollout and its minibatch results. */
export function iterationMetrics(r: Rollout, t: RolloutTargets, results: readonly MinibatchResult[]): Record<string, number> {
  const B = r.offsets.length - 1;
  const perSeq = (f: (b: number) => number) => mean(Array.from({ length: B }, (_, b) => f(b)));
  const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
  const kl = perSeq((b) => sum(ofSequence(r, r.logpOld, b)) - sum(ofSequence(r, r.logpRef, b)));
  return {
    'objective/kl': kl,
    // A sample estimate of the policy's entropy: −ℓ of the sampled tokens, in nats per token (all response tokens
    // of the rollout pooled; a forced <eos> counts with 0). TRL's objective/entropy is the per-response sum.
    'objective/entropy': -sum(r.logpOld) / Math.max(1, r.positions.length),
    'objective/entropy_sum': perSeq((b) => -sum(ofSequence(r, r.logpOld, b))),
    'objective/scores': mean(r.rmScore),
    'objective/rlhf_reward': perSeq((b) => sum(t.rewards[b]?.total ?? [])),
    'objective/dpo_reward': perSeq((b) => sum(t.rewards[b]?.dpo ?? [])),
    'policy/clipfrac_avg': mean(results.map((x) => x.clipfrac)),
    'policy/approxkl_avg': mean(results.map((x) => x.approxKl)),
    'policy/k3_kl_avg': mean(results.map((x) => x.k3Kl)),
    'loss/policy_avg': mean(results.map((x) => x.policyLoss)),
    'loss/value_avg': mean(results.map((x) => x.valueLoss)),
    'val/clipfrac_avg': mean(results.map((x) => x.valueClipfrac)),
    'val/mean': mean(r.values),
    'response/length': r.positions.length / B,
  };
}
