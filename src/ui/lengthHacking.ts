/**
 * When a run's gain is length: the rule behind the page's reward-hacking note. VADER (and an RM trained on its
 * preferences) can score a longer response higher without it being better text, and an RL policy finds that out;
 * so length is shown beside gold, and a run whose final responses fill the horizon, or grew much longer than SFT's
 * while gold did not clearly rise, is flagged in words. Pure, so the rule is tested.
 */
import type { RunEvaluationSummary } from './rlChartData';

/** Share of the horizon at which responses count as filling it. */
export const NEAR_CAP = 0.9;
/** Growth over SFT's mean length that counts as "much longer": at least this many tokens … */
export const LONGER_TOKENS = 2;
/** … and at least this share of SFT's length. */
export const LONGER_SHARE = 0.25;

export type LengthVerdict = 'at-cap' | 'length-only' | null;

type Evidence = Pick<RunEvaluationSummary, 'sftGold' | 'sftLength' | 'lengthCap' | 'gold' | 'goldSe' | 'length'>;

/**
 * 'at-cap': the final responses average ≥ 90% of the horizon while SFT's did not (a fixed-length task never is);
 * 'length-only': they grew by ≥ max(2 tokens, 25% of SFT's length) while gold rose by less than two standard errors.
 */
export function lengthVerdict(s: Evidence): LengthVerdict {
  if (![s.sftLength, s.length].every(Number.isFinite)) return null;
  if (Number.isFinite(s.lengthCap) && s.length >= NEAR_CAP * s.lengthCap && s.sftLength < NEAR_CAP * s.lengthCap) return 'at-cap';
  const longer = s.length - s.sftLength >= Math.max(LONGER_TOKENS, LONGER_SHARE * s.sftLength);
  const goldFlat = Number.isFinite(s.goldSe) && s.gold - s.sftGold < 2 * s.goldSe;
  return longer && goldFlat ? 'length-only' : null;
}

const f1 = (x: number) => x.toFixed(1);

/** The note in plain language for a run (null when the rule does not fire). */
export function lengthNote(label: string, s: Evidence): string | null {
  const verdict = lengthVerdict(s);
  if (verdict === 'at-cap') {
    return `${label}: its responses average ${f1(s.length)} of at most ${s.lengthCap} tokens (SFT's ${f1(s.sftLength)}), so they fill the length cap. A longer response gives the gold scorer more words to count, so part of this gold may be length rather than better text: a gain that is only length is reward hacking.`;
  }
  if (verdict === 'length-only') {
    return `${label}: its responses grew from ${f1(s.sftLength)} to ${f1(s.length)} tokens while gold moved by only ${(s.gold - s.sftGold).toFixed(3)} (less than two standard errors, ±${s.goldSe.toFixed(3)}). What changed is mostly length, not quality: that is reward hacking, not progress.`;
  }
  return null;
}
