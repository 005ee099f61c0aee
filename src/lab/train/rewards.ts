/**
 * Per-token rewards of the RL stage (docs/method.md, stages 4–5 and the ablations), for one response of n tokens
 * (the <eos> action last). With d_h = β1·(ℓ_dpo(h) − ℓ_ref(h)) clipped to ±c (the official RTO script clips; paper
 * eq. 4.7 does not), k_h = −β2·(ℓ_π(h) − ℓ_ref(h)) and the normalised reward-model score r̃:
 *   ppo       r_h = k_h                    + [h = n−1]·r̃
 *   rto       r_h = d_h + k_h              + [h = n−1]·β3·r̃
 *   ddpo      r_h = k_h                    + [h = n−1]·(β3·r̃ + Σ d)        (the DPO terms moved to <eos>)
 *   rs-ppo    r_h = d_h + k_h              + [h = n−1]·(β3·r̃ − Σ d)        (pure shaping: same return as ppo at β3 = 1)
 *   semi-rto  r_h = k_h + [h a delimiter]·Σ d over its sentence + [h = n−1]·β3·r̃
 *             (a sentence ends at each of the delimiters "." "!" "?" ";" — rlSettings.ts's SENTENCE_ENDS — and at the
 *             response's last token, its <eos>)
 * The ablations have no official code; these are the lab's reading of §5.2. Every reward is returned with its three
 * channels (DPO, KL, score), which add up to it, so a heatmap row can show where reward comes from.
 */
export type RewardMode = 'ppo' | 'rto' | 'ddpo' | 'rs-ppo' | 'semi-rto';
export const REWARD_MODES: readonly RewardMode[] = ['ppo', 'rto', 'ddpo', 'rs-ppo', 'semi-rto'];

export interface RewardSettings {
  mode: RewardMode;
  beta1: number;
  /** Clip of the scaled DPO term, ±c; Infinity turns it off. */
  clip: number;
  beta2: number;
  beta3: number;
}

export interface SequenceLogProbs {
  /** ℓ_π(h): the rollout policy's log-prob of each response token. */
  policy: readonly number[];
  reference: readonly number[];
  /** ℓ_dpo(h); needed by every mode but ppo. */
  dpo?: readonly number[];
}

export interface TokenRewards {
  total: number[];
  dpo: number[];
  kl: number[];
  score: number[];
}

const clipTo = (x: number, c: number) => Math.max(-c, Math.min(c, x));

/**
 * The rewards of one response. `delimiters[h]` marks sentence ends for semi-rto (the last token always ends one).
 */
export function tokenRewards(lp: SequenceLogProbs, score: number, s: RewardSettings, delimiters?: readonly boolean[]): TokenRewards {
  const n = lp.policy.length;
  if (n === 0) throw new RangeError('a response has at least its <eos> token');
  if (lp.reference.length !== n || (lp.dpo && lp.dpo.length !== n)) throw new RangeError('log-prob arrays differ in length');
  const kl = lp.policy.map((p, h) => -s.beta2 * (p - (lp.reference[h] ?? 0)));
  const d = s.mode === 'ppo' ? new Array<number>(n).fill(0) : dpoTerms(lp, s);
  const sumD = d.reduce((a, b) => a + b, 0);
  const dpo = new Array<number>(n).fill(0);
  const scoreChannel = new Array<number>(n).fill(0);
  const last = n - 1;
  switch (s.mode) {
    case 'ppo':
      scoreChannel[last] = score;
      break;
    case 'rto':
      d.forEach((x, h) => (dpo[h] = x));
      scoreChannel[last] = s.beta3 * score;
      break;
    case 'ddpo':
      dpo[last] = sumD;
      scoreChannel[last] = s.beta3 * score;
      break;
    case 'rs-ppo':
      d.forEach((x, h) => (dpo[h] = x));
      dpo[last] = (dpo[last] ?? 0) - sumD;
      scoreChannel[last] = s.beta3 * score;
      break;
    case 'semi-rto': {
      let sentence = 0;
      d.forEach((x, h) => {
        sentence += x;
        if (delimiters?.[h] || h === last) {
          dpo[h] = sentence;
          sentence = 0;
        }
      });
      scoreChannel[last] = s.beta3 * score;
      break;
    }
  }
  const total = kl.map((k, h) => k + (dpo[h] ?? 0) + (scoreChannel[h] ?? 0));
  return { total, dpo, kl, score: scoreChannel };
}

/** clip(β1·(ℓ_dpo − ℓ_ref), ±c) per token. */
function dpoTerms(lp: SequenceLogProbs, s: RewardSettings): number[] {
  if (!lp.dpo) throw new Error(`reward mode ${s.mode} needs the DPO model's log-probs`);
  const dpo = lp.dpo;
  return lp.reference.map((r, h) => clipTo(s.beta1 * ((dpo[h] ?? 0) - r), s.clip));
}
