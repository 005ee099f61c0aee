/**
 * One rollout of the RL stage (docs/method.md, "PPO machinery"): sample a response per prompt from the policy at
 * temperature 1, then score every response token once under each model, on the same fixed-shape batch:
 *   ℓ_old (policy), ℓ_ref (SFT), ℓ_dpo (DPO model; RTO-family modes), V (critic: the value of the state before
 *   each action, read at the hidden state that predicts it, normalised with the RM's μ, σ: criticValuesAt), and the
 *   reward model's score at <eos>, normalised and clamped. Log-probs are those of the sampler's masked distribution
 *   (actionMask.ts).
 * The response mask includes the <eos> action. Everything comes back as flat CPU arrays over the M scored tokens,
 * sequence by sequence (sequence b owns tokens offsets[b] .. offsets[b+1]−1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { actionLogitBias, assertLegalActions } from '../model/actionMask';
import { scalarAt, scoredPositions, sequenceLogProbs, tokenLogProbsAt, type GptConfig, type ParamTensors } from '../model/gpt';
import { sampleResponses, type SampleBatch, type SampleOptions } from '../model/sample';
import type { Rng } from '../rng';
import { normalisedScore, type ScoreNorm } from './rm';

export interface RlModels {
  policy: ParamTensors;
  reference: ParamTensors;
  /** The DPO policy, for the modes with a dense DPO reward (and for the heatmaps' ℓ_dpo channel when present). */
  dpo?: ParamTensors;
  /** No critic under REINFORCE++: values are 0. */
  critic?: ParamTensors;
  rewardModel: ParamTensors;
  norm: ScoreNorm;
  /** Language-model config (no scalar head); the critic and the reward model use it with `scalarHead: true`. */
  config: GptConfig;
}

export interface Rollout {
  batch: SampleBatch;
  /** Flat positions b·L + t of the M response tokens, <eos> included. */
  positions: Int32Array;
  /** Position of each scored token within its response (0 = first response token). */
  responseIndex: Int32Array;
  /** offsets[b] .. offsets[b+1] − 1 index sequence b's tokens; length B + 1. */
  offsets: Int32Array;
  logpOld: Float32Array;
  logpRef: Float32Array;
  logpDpo: Float32Array | null;
  /** The critic's normalised values (w·h − μ)/σ, criticValuesAt; 0 under REINFORCE++. */
  values: Float32Array;
  /** Raw reward-model score at each response's <eos>, [B]. */
  rmRaw: Float32Array;
  /** clamp((r − μ)/σ, ±10), [B]: what the rewards use. */
  rmScore: Float32Array;
}

export function scalarConfig(c: GptConfig): GptConfig {
  return { ...c, scalarHead: true };
}

/**
 * The critic's values at flat positions → [M]: (w·h − μ)/σ with the reward model's μ, σ, as OpenRLHF's CriticModel
 * outputs them under --normalize_reward (which the official RTO script passes; the critic is loaded from the RM with
 * its mean and std). The official code does not clamp them (only the reward, in compute_reward), so neither does
 * this. One function for the rollout's V_old and the value loss's V_new.
 */
export function criticValuesAt(critic: ParamTensors, c: GptConfig, ids: tf.Tensor2D, positions: ArrayLike<number>, norm: ScoreNorm): tf.Tensor1D {
  return tf.tidy(() => tf.div(tf.sub(scalarAt(critic, scalarConfig(c), ids, positions), norm.mean), norm.std) as tf.Tensor1D);
}

/** Flat token layout of a sampled batch: positions, response indices and per-sequence offsets. */
export function tokenLayout(batch: SampleBatch): { positions: Int32Array; responseIndex: Int32Array; offsets: Int32Array } {
  const B = batch.promptLengths.length;
  const L = batch.length;
  const positions = scoredPositions(batch.responseMask, B, L);
  const responseIndex = new Int32Array(positions.length);
  const offsets = new Int32Array(B + 1);
  positions.forEach((p, m) => {
    const b = Math.floor(p / L);
    responseIndex[m] = (p % L) - (batch.promptLengths[b] ?? 0);
    offsets[b + 1] = m + 1;
  });
  for (let b = 1; b <= B; b++) offsets[b] = Math.max(offsets[b] ?? 0, offsets[b - 1] ?? 0);
  return { positions, responseIndex, offsets };
}

/** Scores a sampled batch under every model; one read-back for all of it. */
export async function scoreBatch(models: RlModels, batch: SampleBatch, options: SampleOptions): Promise<Rollout> {
  const { positions, responseIndex, offsets } = tokenLayout(batch);
  const B = batch.promptLengths.length;
  const c = models.config;
  const sc = scalarConfig(c);
  const eos = Int32Array.from({ length: B }, (_, b) => positions[(offsets[b + 1] ?? 1) - 1] ?? 0);
  const before = positions.map((p) => p - 1);
  const parts = tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [B, batch.length], 'int32');
    const bias = actionLogitBias(options, c.vocabSize, responseIndex);
    const M = positions.length;
    return [
      tokenLogProbsAt(models.policy, c, ids, positions, bias),
      tokenLogProbsAt(models.reference, c, ids, positions, bias),
      models.dpo ? tokenLogProbsAt(models.dpo, c, ids, positions, bias) : tf.zeros([M]),
      models.critic ? criticValuesAt(models.critic, c, ids, before, models.norm) : tf.zeros([M]),
      scalarAt(models.rewardModel, sc, ids, eos),
    ];
  });
  const all = tf.concat(parts);
  tf.dispose(parts);
  const flat = await all.data<'float32'>();
  all.dispose();
  const M = positions.length;
  const slice = (k: number) => flat.slice(k * M, (k + 1) * M);
  const rmRaw = flat.slice(4 * M, 4 * M + B);
  return {
    batch,
    positions,
    responseIndex,
    offsets,
    logpOld: slice(0),
    logpRef: slice(1),
    logpDpo: models.dpo ? slice(2) : null,
    values: slice(3),
    rmRaw,
    rmScore: rmRaw.map((r) => normalisedScore(r, models.norm)),
  };
}

/** Samples one response per prompt from the policy and scores it (see the file comment). */
export async function collectRollout(models: RlModels, prompts: readonly (readonly number[])[], options: SampleOptions, rng: Rng): Promise<Rollout> {
  const batch = await sampleResponses(models.policy, models.config, prompts, options, rng);
  return scoreBatch(models, batch, options);
}

/**
 * log π_dpo(y) − log π_ref(y) of each sampled response, [B], computed by the function DPO's loss uses
 * (sequenceLogProbs in the action space) on the rollout's ids: β times it is DPO's implicit sentence reward, and it
 * equals the sum over the response of ℓ_dpo − ℓ_ref (the dump's dpoSequenceLogRatio).
 */
export async function dpoSequenceLogRatio(models: RlModels, r: Pick<Rollout, 'batch' | 'positions' | 'responseIndex'>, options: SampleOptions): Promise<Float32Array> {
  const { dpo, reference, config: c } = models;
  if (!dpo) throw new Error('the DPO sequence log-ratio needs the DPO model');
  const B = r.batch.promptLengths.length;
  assertLegalActions(r.batch.ids, r, options);
  const ratio = tf.tidy(() => {
    const ids = tf.tensor2d(r.batch.ids, [B, r.batch.length], 'int32');
    return tf.sub(sequenceLogProbs(dpo, c, ids, r.batch.responseMask, options), sequenceLogProbs(reference, c, ids, r.batch.responseMask, options));
  });
  const out = await ratio.data<'float32'>();
  ratio.dispose();
  return out;
}

/** Sequence b's slice of a per-token array. */
export function ofSequence<T extends Float32Array | Int32Array>(r: Pick<Rollout, 'offsets'>, xs: T, b: number): T {
  return xs.subarray(r.offsets[b] ?? 0, r.offsets[b + 1] ?? 0) as T;
}
