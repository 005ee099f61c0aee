/**
 * Merges the records of one run (from one file or several) by `step`, on the fly and in bounded memory: per step
 * the number of responses, the mean and standard deviation of reward, the mean ref_reward and the mean KL
 * (Σ over a response's tokens of logprobs − ref_logprobs) when logged, and only the first samplePerStep records
 * of each step, maxSampled in all (so a run of very many steps stays bounded too).
 */
import type { RolloutRecord } from './fields';

export interface StepRow {
  step: number;
  responses: number;
  /** Responses that logged a reward, and their mean, population standard deviation, min and max (null when none). */
  rewardCount: number;
  meanReward: number | null;
  stdReward: number | null;
  minReward: number | null;
  maxReward: number | null;
  refRewardCount: number;
  meanRefReward: number | null;
  /** Responses with both logprobs and ref_logprobs, and the mean of Σ (logprobs − ref_logprobs). */
  klCount: number;
  meanKl: number | null;
  goldCount: number;
  meanGold: number | null;
  /** The first samplePerStep records of the step, in arrival order. */
  sample: RolloutRecord[];
}

interface StepAccumulator {
  responses: number;
  reward: Welford;
  refReward: number;
  refRewardCount: number;
  kl: number;
  klCount: number;
  gold: number;
  goldCount: number;
  sample: RolloutRecord[];
}

class Welford {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }
}

/** Σ (logprobs − ref_logprobs) over the aligned tokens, or null when either is missing. */
export function sequenceLogRatio(r: RolloutRecord): number | null {
  const a = r.logprobs;
  const b = r.ref_logprobs;
  if (!a || !b) return null;
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! - b[i]!;
  return s;
}

export class StepAggregator {
  private readonly steps = new Map<number, StepAccumulator>();
  /** Records without a step (they cannot be merged by step). */
  withoutStep = 0;
  private sampled = 0;

  constructor(
    readonly samplePerStep = 8,
    readonly maxSampled = 4096,
  ) {}

  add(r: RolloutRecord): void {
    if (r.step === undefined) {
      this.withoutStep++;
      return;
    }
    let acc = this.steps.get(r.step);
    if (!acc) {
      acc = { responses: 0, reward: new Welford(), refReward: 0, refRewardCount: 0, kl: 0, klCount: 0, gold: 0, goldCount: 0, sample: [] };
      this.steps.set(r.step, acc);
    }
    acc.responses++;
    if (r.reward !== undefined) acc.reward.add(r.reward);
    if (r.ref_reward !== undefined) {
      acc.refReward += r.ref_reward;
      acc.refRewardCount++;
    }
    const kl = sequenceLogRatio(r);
    if (kl !== null) {
      acc.kl += kl;
      acc.klCount++;
    }
    if (r.gold !== undefined) {
      acc.gold += r.gold;
      acc.goldCount++;
    }
    if (acc.sample.length < this.samplePerStep && this.sampled < this.maxSampled) {
      acc.sample.push(r);
      this.sampled++;
    }
  }

  addAll(records: readonly RolloutRecord[]): void {
    for (const r of records) this.add(r);
  }

  /** One row per step, by step. */
  rows(): StepRow[] {
    return [...this.steps.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([step, a]) => {
        const w = a.reward;
        return {
          step,
          responses: a.responses,
          rewardCount: w.n,
          meanReward: w.n > 0 ? w.mean : null,
          stdReward: w.n > 0 ? Math.sqrt(w.m2 / w.n) : null,
          minReward: w.n > 0 ? w.min : null,
          maxReward: w.n > 0 ? w.max : null,
          refRewardCount: a.refRewardCount,
          meanRefReward: a.refRewardCount > 0 ? a.refReward / a.refRewardCount : null,
          klCount: a.klCount,
          meanKl: a.klCount > 0 ? a.kl / a.klCount : null,
          goldCount: a.goldCount,
          meanGold: a.goldCount > 0 ? a.gold / a.goldCount : null,
          sample: [...a.sample],
        };
      });
  }
}
