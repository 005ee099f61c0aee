/**
 * The clipped PPO update (docs/method.md, "PPO machinery"; OpenRLHF semantics), shared by PPO, RTO and the ablations:
 *   ρ = exp(ℓ_new − ℓ_old),  L_π = mean over sequences of the token mean of −min(ρÂ, clip(ρ, 1−ε, 1+ε)Â)
 *   V_c = V_old + clip(V − V_old, ±ε_V),  L_V = ½·mean_seq(mean_tok(max((V_c − R)², (V − R)²)))
 * with V the critic's normalised value (w·h − μ)/σ (criticValuesAt), in the rollout and here alike.
 * GRPO adds β·k3 to each token's policy loss (klCoef > 0): KL_t = π_ref/π_θ − log(π_ref/π_θ) − 1 with the rollout's
 * ℓ_ref; and Dr. GRPO weighs tokens by 1/(horizon · sequences) instead of 1/(|y_i| · sequences) (makeMinibatch).
 * Actor and critic have separate Adam optimisers and take one step per minibatch; one pass over each rollout.
 * Metrics use TRL's definitions: clipfrac = share of tokens where the clipped term is the one used, approx-KL =
 * ½·mean((ℓ_new − ℓ_old)²), both over tokens.
 * The actor's and the critic's steps are taken together or not at all (optim.ts, optimiserSteps): a non-finite loss,
 * gradient norm, metric or learning rate in either leaves both models and both optimisers as they were.
 */
import * as tf from '@tensorflow/tfjs-core';
import { actionLogitBias } from '../model/actionMask';
import { tokenLogProbsAt, type GptConfig, type ParamTensors, type Params } from '../model/gpt';
import type { SampleOptions } from '../model/sample';
import type { RolloutTargets } from './advantages';
import { Adam, optimiserSteps, type StepSpec } from './optim';
import type { ScoreNorm } from './rm';
import { criticValuesAt, type Rollout } from './rollout';

export interface PpoClipSettings {
  /** ε of the policy ratio clip (0.2). */
  epsClip: number;
  /** ε_V of the value clip (0.2). */
  valueClip: number;
  /** β of GRPO's k3 KL in the loss; absent or 0: none (PPO, RTO, RLOO keep their KL in the reward). */
  klCoef?: number;
}

/** One minibatch as tensors-to-be: a sub-batch of whole sequences, its tokens, and their targets. */
export interface Minibatch {
  /** Indices of the rollout's sequences in this minibatch. */
  indices: number[];
  ids: Int32Array;
  rows: number;
  length: number;
  /** Flat positions within the minibatch's [rows, length] ids. */
  positions: Int32Array;
  responseIndex: Int32Array;
  /**
   * Per token: 1 / (tokens of its sequence · sequences in the minibatch), so Σ w·x is the mean of token means; with
   * a constant token norm (Dr. GRPO), 1 / (norm · sequences).
   */
  weights: Float32Array;
  logpOld: Float32Array;
  /** The reference's ℓ_ref per token (GRPO's k3 KL in the loss). */
  logpRef: Float32Array;
  valuesOld: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

/** `tokenNorm`: divide each token's loss by this constant instead of its response's length (Dr. GRPO: the horizon). */
export function makeMinibatch(r: Rollout, t: RolloutTargets, indices: readonly number[], tokenNorm?: number): Minibatch {
  const L = r.batch.length;
  const rows = indices.length;
  const ids = new Int32Array(rows * L);
  const take: number[] = [];
  const positions: number[] = [];
  const weights: number[] = [];
  indices.forEach((b, row) => {
    ids.set(r.batch.ids.subarray(b * L, (b + 1) * L), row * L);
    const start = r.offsets[b] ?? 0;
    const end = r.offsets[b + 1] ?? 0;
    for (let m = start; m < end; m++) {
      take.push(m);
      positions.push(row * L + ((r.positions[m] ?? 0) % L));
      weights.push(1 / ((tokenNorm ?? end - start) * rows));
    }
  });
  const pick = (xs: Float32Array) => Float32Array.from(take, (m) => xs[m] ?? 0);
  return {
    indices: [...indices],
    ids,
    rows,
    length: L,
    positions: Int32Array.from(positions),
    responseIndex: Int32Array.from(take, (m) => r.responseIndex[m] ?? 0),
    weights: Float32Array.from(weights),
    logpOld: pick(r.logpOld),
    logpRef: pick(r.logpRef),
    valuesOld: pick(r.values),
    advantages: pick(t.advantagesWhitened),
    returns: pick(t.returns),
  };
}

/**
 * Clipped policy loss, plus klCoef·k3 per token when klCoef > 0; metrics [clipfrac, approxKl, k3 KL (token mean),
 * ...ℓ_new per token].
 */
export function policyLoss(logpNew: tf.Tensor1D, mb: Minibatch, epsClip: number, klCoef = 0): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const old = tf.tensor1d(mb.logpOld);
    const adv = tf.tensor1d(mb.advantages);
    const diff = tf.sub(logpNew, old);
    const ratio = tf.exp(diff);
    const unclipped = tf.mul(tf.neg(adv), ratio);
    const clipped = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - epsClip, 1 + epsClip));
    const clippedLoss = tf.maximum(unclipped, clipped);
    // k3 = π_ref/π_θ − log(π_ref/π_θ) − 1 ≥ 0, with log(π_ref/π_θ) = ℓ_ref − ℓ_new.
    const refDiff = tf.sub(tf.tensor1d(mb.logpRef), logpNew);
    const k3 = tf.sub(tf.sub(tf.exp(refDiff), refDiff), 1);
    const perToken = klCoef > 0 ? tf.add(clippedLoss, tf.mul(klCoef, k3)) : clippedLoss;
    const loss = tf.sum(tf.mul(perToken, tf.tensor1d(mb.weights))) as tf.Scalar;
    const clipfrac = tf.mean(tf.cast(tf.greater(clipped, unclipped), 'float32'));
    const approxKl = tf.mul(0.5, tf.mean(tf.square(diff)));
    return { loss, metrics: tf.concat([tf.stack([clipfrac, approxKl, tf.mean(k3)]), logpNew]) as tf.Tensor1D };
  });
}

/** Clipped value loss; metrics [value clipfrac, ...V_new per token]. */
export function valueLoss(valuesNew: tf.Tensor1D, mb: Minibatch, valueClip: number): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const old = tf.tensor1d(mb.valuesOld);
    const ret = tf.tensor1d(mb.returns);
    const vClipped = tf.add(old, tf.clipByValue(tf.sub(valuesNew, old), -valueClip, valueClip));
    const a = tf.square(tf.sub(vClipped, ret));
    const b = tf.square(tf.sub(valuesNew, ret));
    const loss = tf.mul(0.5, tf.sum(tf.mul(tf.maximum(a, b), tf.tensor1d(mb.weights)))) as tf.Scalar;
    const clipfrac = tf.mean(tf.cast(tf.greater(a, b), 'float32'));
    return { loss, metrics: tf.concat([tf.reshape(clipfrac, [1]), valuesNew]) as tf.Tensor1D };
  });
}

export interface MinibatchResult {
  policyLoss: number;
  valueLoss: number;
  clipfrac: number;
  approxKl: number;
  /** Token mean of GRPO's k3 KL to π_ref under the current policy (computed for every method; in the loss only with klCoef > 0). */
  k3Kl: number;
  valueClipfrac: number;
  actorGradNorm: number;
  criticGradNorm: number;
  /** ℓ_new and V_new per token, as the losses saw them (before this minibatch's step). */
  logpNew: Float32Array;
  valuesNew: Float32Array;
  /** False when a number of either step was not finite: then neither step was applied (finite.ts). */
  applied: boolean;
}

export interface Learner {
  actor: Params;
  actorAdam: Adam;
  /** Absent under REINFORCE++. */
  critic?: Params;
  criticAdam?: Adam;
  /** The reward model's μ, σ: the critic's values are (w·h − μ)/σ. */
  criticNorm: ScoreNorm;
  config: GptConfig;
}

/** One actor step and (with a critic) one critic step on a minibatch. */
export async function ppoMinibatchStep(
  learner: Learner,
  mb: Minibatch,
  options: SampleOptions,
  clip: PpoClipSettings,
  lr: { actor: number; critic: number },
  maxGradNorm: number,
): Promise<MinibatchResult> {
  const c = learner.config;
  const ids = tf.tensor2d(mb.ids, [mb.rows, mb.length], 'int32');
  const bias = actionLogitBias(options, c.vocabSize, mb.responseIndex);
  try {
    const specs: StepSpec[] = [
      { params: learner.actor, adam: learner.actorAdam, lossFn: () => policyLoss(tokenLogProbsAt(learner.actor as ParamTensors, c, ids, mb.positions, bias), mb, clip.epsClip, clip.klCoef ?? 0), lr: lr.actor, maxGradNorm },
    ];
    const critic = learner.critic;
    if (critic && learner.criticAdam) {
      const before = mb.positions.map((p) => p - 1);
      specs.push({ params: critic, adam: learner.criticAdam, lossFn: () => valueLoss(criticValuesAt(critic, c, ids, before, learner.criticNorm), mb, clip.valueClip), lr: lr.critic, maxGradNorm });
    }
    // The critic's loss does not depend on the actor, so computing both before either update changes no number.
    const [a, v] = await optimiserSteps(specs);
    const [clipfrac = NaN, approxKl = NaN, k3Kl = NaN, ...logpNew] = a!.metrics;
    const cr = v ?? { loss: 0, gradNorm: 0, metrics: [0, ...new Array<number>(mb.positions.length).fill(0)] };
    const [valueClipfrac = NaN, ...valuesNew] = cr.metrics;
    return {
      policyLoss: a!.loss,
      valueLoss: cr.loss,
      clipfrac,
      approxKl,
      k3Kl,
      valueClipfrac,
      actorGradNorm: a!.gradNorm,
      criticGradNorm: cr.gradNorm,
      logpNew: Float32Array.from(logpNew),
      valuesNew: Float32Array.from(valuesNew),
      applied: a!.applied,
    };
  } finally {
    tf.dispose([ids, bias]);
  }
}
