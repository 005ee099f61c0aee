/**
 * One rollout and its first minibatch update as plain JSON (the CLI's --dump-rollout), so anyone can re-check the
 * maths with their own tools. Per-token arrays are B sequences × T response positions, row-major nested arrays;
 * masked positions hold 0. Keys follow docs/method.md's names.
 *
 * `values` are the critic's normalised values (w·h − μ)/σ, as in training. With a DPO model, `dpoTokenLogRatio` is
 * ℓ_dpo − ℓ_ref per token (before β1 and the clip) and `dpoSequenceLogRatio` is log π_dpo(y) − log π_ref(y) per
 * response from the function DPO's loss uses (rollout.ts, dpoSequenceLogRatio): each row of the first sums to the
 * second, and under rto the DPO reward channel is clip(β1·dpoTokenLogRatio, ±c).
 */
import type { RolloutTargets } from './advantages';
import type { Minibatch, MinibatchResult } from './ppo';
import type { RlSettings } from './rlSettings';
import type { Rollout } from './rollout';

export interface RolloutDump {
  config: { mode: string; estimator: string; beta1: number; clip: number; beta2: number; beta3: number; gamma: number; lambda: number; epsClip: number; valueClip: number };
  /** Token ids of each row (prompt, response, padding) and where its response starts. */
  ids: number[][];
  promptLengths: number[];
  mask: number[][];
  logpOld: number[][];
  logpRef: number[][];
  logpDpo?: number[][];
  /** ℓ_dpo − ℓ_ref per token, before β1 and the clip (with a DPO model). */
  dpoTokenLogRatio?: number[][];
  /** log π_dpo(y) − log π_ref(y) per response, as DPO's loss computes it (with a DPO model). */
  dpoSequenceLogRatio?: number[];
  values: number[][];
  rmRaw: number[];
  rmScore: number[];
  rewards: number[][];
  rewardChannels: { dpo: number[][]; kl: number[][]; score: number[][] };
  advantages: number[][];
  advantagesWhitened: number[][];
  returns: number[][];
  firstMinibatch: {
    indices: number[];
    logpNew: number[][];
    valuesNew: number[][];
    policyLoss: number;
    valueLoss: number;
    clipfrac: number;
    approxKl: number;
  };
}

export function rolloutDump(s: RlSettings, r: Rollout, t: RolloutTargets, mb: Minibatch, res: MinibatchResult, dpoSequenceLogRatio: ArrayLike<number> | null = null): RolloutDump {
  const B = r.offsets.length - 1;
  const T = Math.max(0, ...Array.from({ length: B }, (_, b) => (r.offsets[b + 1] ?? 0) - (r.offsets[b] ?? 0)));
  const grid = (rows: number, at: (row: number, h: number) => number | undefined) =>
    Array.from({ length: rows }, (_, b) => Array.from({ length: T }, (_, h) => at(b, h) ?? 0));
  const inSeq = (b: number, h: number) => h < (r.offsets[b + 1] ?? 0) - (r.offsets[b] ?? 0);
  const flat = (xs: ArrayLike<number>) => grid(B, (b, h) => (inSeq(b, h) ? xs[(r.offsets[b] ?? 0) + h] : 0));
  const perSeq = (pick: (b: number) => readonly number[]) => grid(B, (b, h) => pick(b)[h]);
  // The minibatch's per-token arrays follow its sequences in `indices` order.
  const mbOffsets = [0];
  for (const b of mb.indices) mbOffsets.push((mbOffsets[mbOffsets.length - 1] ?? 0) + (r.offsets[b + 1] ?? 0) - (r.offsets[b] ?? 0));
  const mbGrid = (xs: ArrayLike<number>) => grid(mb.indices.length, (i, h) => (h < (mbOffsets[i + 1] ?? 0) - (mbOffsets[i] ?? 0) ? xs[(mbOffsets[i] ?? 0) + h] : 0));
  const L = r.batch.length;
  return {
    config: { mode: s.mode, estimator: s.estimator, beta1: s.beta1, clip: s.clip, beta2: s.beta2, beta3: s.beta3, gamma: s.gamma, lambda: s.lambda, epsClip: s.epsClip, valueClip: s.valueClip },
    ids: Array.from({ length: B }, (_, b) => Array.from(r.batch.ids.subarray(b * L, (b + 1) * L))),
    promptLengths: [...r.batch.promptLengths],
    mask: grid(B, (b, h) => (inSeq(b, h) ? 1 : 0)),
    logpOld: flat(r.logpOld),
    logpRef: flat(r.logpRef),
    ...(r.logpDpo ? { logpDpo: flat(r.logpDpo) } : {}),
    ...(r.logpDpo ? { dpoTokenLogRatio: flat(Array.from(r.logpDpo, (d, m) => d - (r.logpRef[m] ?? 0))) } : {}),
    ...(dpoSequenceLogRatio ? { dpoSequenceLogRatio: Array.from(dpoSequenceLogRatio) } : {}),
    values: flat(r.values),
    rmRaw: Array.from(r.rmRaw),
    rmScore: Array.from(r.rmScore),
    rewards: perSeq((b) => t.rewards[b]?.total ?? []),
    rewardChannels: { dpo: perSeq((b) => t.rewards[b]?.dpo ?? []), kl: perSeq((b) => t.rewards[b]?.kl ?? []), score: perSeq((b) => t.rewards[b]?.score ?? []) },
    advantages: flat(t.advantages),
    advantagesWhitened: flat(t.advantagesWhitened),
    returns: flat(t.returns),
    firstMinibatch: {
      indices: [...mb.indices],
      logpNew: mbGrid(res.logpNew),
      valuesNew: mbGrid(res.valuesNew),
      policyLoss: res.policyLoss,
      valueLoss: res.valueLoss,
      clipfrac: res.clipfrac,
      approxKl: res.approxKl,
    },
  };
}

/** The largest deviations from the dump's identities (0 up to float rounding); null where the dump has no DPO data. */
export interface DumpDeviations {
  /** |reward − (DPO + KL + score channel)| over all tokens. */
  rewardChannels: number;
  /** Under rto: |DPO channel − clip(β1·dpoTokenLogRatio, ±c)|. */
  dpoChannel: number | null;
  /**
   * |Σ_h dpoTokenLogRatio − dpoSequenceLogRatio| per response, relative to max(1, Σ_h |ℓ_dpo| + |ℓ_ref|), the scale
   * of what is differenced (float32 sums of log-probs near −50 round by ~1e-5 in absolute terms).
   */
  dpoSequenceSum: number | null;
}

export function dumpDeviations(d: RolloutDump): DumpDeviations {
  const { beta1, clip } = d.config;
  let rewardChannels = 0;
  let dpoChannel = 0;
  let dpoSequenceSum = 0;
  d.mask.forEach((row, b) => {
    let sum = 0;
    let scale = 0;
    row.forEach((m, h) => {
      const ch = d.rewardChannels;
      rewardChannels = Math.max(rewardChannels, Math.abs((d.rewards[b]?.[h] ?? 0) - ((ch.dpo[b]?.[h] ?? 0) + (ch.kl[b]?.[h] ?? 0) + (ch.score[b]?.[h] ?? 0))));
      const ratio = d.dpoTokenLogRatio?.[b]?.[h] ?? 0;
      if (m) sum += ratio;
      if (m) scale += Math.abs(d.logpDpo?.[b]?.[h] ?? 0) + Math.abs(d.logpRef[b]?.[h] ?? 0);
      if (m && d.config.mode === 'rto') dpoChannel = Math.max(dpoChannel, Math.abs((ch.dpo[b]?.[h] ?? 0) - Math.max(-clip, Math.min(clip, beta1 * ratio))));
    });
    if (d.dpoSequenceLogRatio) dpoSequenceSum = Math.max(dpoSequenceSum, Math.abs(sum - (d.dpoSequenceLogRatio[b] ?? NaN)) / Math.max(1, scale));
  });
  return {
    rewardChannels,
    dpoChannel: d.dpoTokenLogRatio && d.config.mode === 'rto' ? dpoChannel : null,
    dpoSequenceSum: d.dpoTokenLogRatio && d.dpoSequenceLogRatio ? dpoSequenceSum : null,
  };
}
