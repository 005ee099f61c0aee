import { describe, expect, it } from 'vitest';
import { createRng, normalArray } from '../rng';
import { gae, rewardToGo, whitenAdvantages } from './gae';
import { REWARD_MODES, tokenRewards, type RewardSettings, type SequenceLogProbs } from './rewards';

const base: RewardSettings = { mode: 'rto', beta1: 0.5, clip: 0.2, beta2: 0.1, beta3: 1 };
const lp: SequenceLogProbs = { policy: [-1, -2, -0.5, -0.1], reference: [-1.2, -1.5, -0.7, -0.3], dpo: [-0.8, -1.9, -0.2, -0.3] };
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('per-token rewards', () => {
  it('ppo: −β2·KL on every token and the score on <eos> only (golden values)', () => {
    const r = tokenRewards(lp, 1.5, { ...base, mode: 'ppo' });
    expect(r.kl.map((x) => +x.toFixed(6))).toEqual([-0.02, 0.05, -0.02, -0.02]);
    expect(r.score).toEqual([0, 0, 0, 1.5]);
    expect(r.total.map((x) => +x.toFixed(6))).toEqual([-0.02, 0.05, -0.02, 1.48]);
  });

  it('rto: the clipped DPO term on every token (golden values)', () => {
    const r = tokenRewards(lp, 1.5, base);
    // β1·(ℓ_dpo − ℓ_ref) = 0.2, −0.2, 0.25 → clipped 0.2, 0
    expect(r.dpo.map((x) => +x.toFixed(6))).toEqual([0.2, -0.2, 0.2, 0]);
    expect(r.total.map((x) => +x.toFixed(6))).toEqual([0.18, -0.15, 0.18, 1.48]);
  });

  it('equals ppo exactly when π_dpo ≡ π_ref (β3 = 1), whatever the clip', () => {
    const same = { ...lp, dpo: lp.reference };
    for (const clip of [0.05, Infinity]) expect(tokenRewards(same, 0.7, { ...base, clip }).total).toEqual(tokenRewards(same, 0.7, { ...base, mode: 'ppo' }).total);
  });

  it('rs-ppo has the same total return as ppo; ddpo and rto add the same total DPO reward', () => {
    const rng = createRng('rewards');
    for (let i = 0; i < 20; i++) {
      const n = 1 + rng.int(12);
      const seq = { policy: Array.from(normalArray(rng, n)), reference: Array.from(normalArray(rng, n)), dpo: Array.from(normalArray(rng, n)) };
      const score = rng.normal();
      const total = (mode: RewardSettings['mode']) => sum(tokenRewards(seq, score, { ...base, mode }).total);
      expect(total('rs-ppo')).toBeCloseTo(total('ppo'), 10);
      expect(sum(tokenRewards(seq, score, { ...base, mode: 'ddpo' }).dpo)).toBeCloseTo(sum(tokenRewards(seq, score, base).dpo), 10);
      expect(total('semi-rto')).toBeCloseTo(total('rto'), 10);
    }
  });

  it('ddpo and semi-rto move the DPO terms onto <eos> and onto sentence ends', () => {
    expect(tokenRewards(lp, 0, { ...base, mode: 'ddpo' }).dpo.map((x) => +x.toFixed(6))).toEqual([0, 0, 0, 0.2]);
    const semi = tokenRewards(lp, 0, { ...base, mode: 'semi-rto' }, [false, true, false, false]);
    expect(semi.dpo.map((x) => +x.toFixed(6))).toEqual([0, 0, 0, 0.2]);
    const semi2 = tokenRewards(lp, 0, { ...base, mode: 'semi-rto' }, [true, false, false, false]);
    expect(semi2.dpo.map((x) => +x.toFixed(6))).toEqual([0.2, 0, 0, 0]);
  });

  it('channels add up to the total in every mode (a heatmap row sums to the figure beside it)', () => {
    for (const mode of REWARD_MODES) {
      const r = tokenRewards(lp, -0.4, { ...base, mode }, [false, true, false, false]);
      r.total.forEach((t, h) => expect(t).toBeCloseTo((r.dpo[h] ?? 0) + (r.kl[h] ?? 0) + (r.score[h] ?? 0), 12));
    }
  });

  it('refuses a DPO mode without DPO log-probs, and mismatched lengths', () => {
    expect(() => tokenRewards({ policy: [0], reference: [0] }, 0, base)).toThrow(/DPO model/);
    expect(() => tokenRewards({ policy: [0, 1], reference: [0] }, 0, { ...base, mode: 'ppo' })).toThrow(RangeError);
  });
});

describe('GAE, reward-to-go and whitening', () => {
  it('with γ = λ = 1 and V ≡ 0, GAE is the reward-to-go', () => {
    const r = [0.1, -0.3, 0.5, 2];
    expect(gae(r, [0, 0, 0, 0], 1, 1).advantages.map((x) => +x.toFixed(12))).toEqual(rewardToGo(r).map((x) => +x.toFixed(12)));
    expect(rewardToGo(r).map((x) => +x.toFixed(12))).toEqual([2.3, 2.2, 2.5, 2]);
  });

  it('matches a hand-computed 3-token example (γ 1, λ 0.95)', () => {
    // δ = [0 + 0.5 − 0.2, 0 + 0.1 − 0.5, 1 + 0 − 0.1] = [0.3, −0.4, 0.9]
    // Â₂ = 0.9; Â₁ = −0.4 + 0.95·0.9 = 0.455; Â₀ = 0.3 + 0.95·0.455 = 0.73225
    const { advantages, returns } = gae([0, 0, 1], [0.2, 0.5, 0.1], 1, 0.95);
    expect(advantages[0]).toBeCloseTo(0.73225, 12);
    expect(advantages[1]).toBeCloseTo(0.455, 12);
    expect(advantages[2]).toBeCloseTo(0.9, 12);
    expect(returns.map((x) => +x.toFixed(12))).toEqual([0.93225, 0.955, 1]);
  });

  it('whitens over every token of the batch together: mean 0, std 1; sequences keep their lengths', () => {
    const w = whitenAdvantages([[1, 2, 3], [10], [4, 5]]);
    expect(w.map((x) => x.length)).toEqual([3, 1, 2]);
    const flat = w.flat();
    const mean = sum(flat) / flat.length;
    expect(mean).toBeCloseTo(0, 12);
    expect(Math.sqrt(sum(flat.map((x) => (x - mean) ** 2)) / flat.length)).toBeCloseTo(1, 6);
    expect(whitenAdvantages([[], []])).toEqual([[], []]);
  });
});
