/**
 * Stage 3a, the reward model (docs/method.md, stage 2): the SFT backbone plus a bias-free scalar head (init normal with
 * standard deviation 1/(d+1), OpenRLHF's `value_head.weight.data.normal_(std=1 / (hidden_size + 1))`), its score read at <eos>, trained with the Bradley–Terry loss mean(−log σ(r(y_w) − r(y_l))).
 * Afterwards μ and σ of its scores on held-out chosen and rejected responses are stored, and PPO/RTO use the
 * normalised, clamped score clamp((r − μ)/σ, −10, 10). A non-finite loss, gradient norm, score or learning rate stops
 * it with a NonFiniteError carrying the model from before that step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EventSink } from '../events';
import { cloneParams, disposeParams, scalarAt, type GptConfig, type ParamTensors, type Params } from '../model/gpt';
import { createRng, normalArray } from '../rng';
import { epochOrder } from './batch';
import { assertFinite, keepOnError } from './finite';
import { Adam, cosineLr, optimiserStep, type RecipeSettings } from './optim';
import { packPairs } from './pairBatch';
import type { PreferencePair } from './preferences';
import { yieldTurn } from '../yieldTurn';

export interface RmSettings extends RecipeSettings {
  epochs: number;
  batchSize: number;
  /** Steps between held-out evaluations. */
  evalEvery: number;
}

export interface ScoreNorm {
  mean: number;
  std: number;
}

export interface RmEvaluation {
  loss: number;
  accuracy: number;
  chosenMean: number;
  rejectedMean: number;
}

export interface RmResult {
  params: Params;
  config: GptConfig;
  norm: ScoreNorm;
  steps: number;
  train: RmEvaluation;
  heldOut: RmEvaluation;
}

/** clamp((r − μ)/σ, −10, 10): the reward PPO and RTO see. */
export function normalisedScore(r: number, norm: ScoreNorm): number {
  return Math.min(10, Math.max(-10, (r - norm.mean) / norm.std));
}

/** Bradley–Terry loss and metrics on scores [2B] laid out as packPairs does (chosen first, then rejected). */
export function bradleyTerry(scores: tf.Tensor1D, pairs: number): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const chosen = tf.slice(scores, [0], [pairs]);
    const rejected = tf.slice(scores, [pairs], [pairs]);
    const margin = tf.sub(chosen, rejected);
    // −log σ(m) = softplus(−m), stable for large |m|.
    const loss = tf.mean(tf.softplus(tf.neg(margin))) as tf.Scalar;
    const accuracy = tf.mean(tf.cast(tf.greater(margin, 0), 'float32'));
    return { loss, metrics: tf.stack([accuracy, tf.mean(chosen), tf.mean(rejected)]) as tf.Tensor1D };
  });
}

/** Reward-model scores at <eos> for every pair: chosen[i], rejected[i]. No gradients; batched. */
export async function scorePairs(params: ParamTensors, config: GptConfig, pairs: readonly PreferencePair[], batchSize = 128): Promise<{ chosen: Float32Array; rejected: Float32Array }> {
  const chosen = new Float32Array(pairs.length);
  const rejected = new Float32Array(pairs.length);
  for (let i = 0; i < pairs.length; i += batchSize) {
    const slice = pairs.slice(i, i + batchSize);
    const b = packPairs(slice, config.contextLength);
    const scores = tf.tidy(() => scalarAt(params, config, tf.tensor2d(b.ids, [b.batch, b.length], 'int32'), b.eosPositions));
    const values = await scores.data<'float32'>();
    scores.dispose();
    chosen.set(values.subarray(0, slice.length), i);
    rejected.set(values.subarray(slice.length), i);
    await yieldTurn();
  }
  return { chosen, rejected };
}

export async function evaluateRewardModel(params: ParamTensors, config: GptConfig, pairs: readonly PreferencePair[]): Promise<RmEvaluation & { scores: number[] }> {
  const { chosen, rejected } = await scorePairs(params, config, pairs);
  let loss = 0;
  let correct = 0;
  chosen.forEach((c, i) => {
    const m = c - (rejected[i] ?? 0);
    loss += Math.max(-m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
    if (m > 0) correct += 1;
  });
  const mean = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { loss: loss / pairs.length, accuracy: correct / pairs.length, chosenMean: mean(chosen), rejectedMean: mean(rejected), scores: [...chosen, ...rejected] };
}

export interface RmRun {
  sft: { params: ParamTensors; config: GptConfig };
  train: readonly PreferencePair[];
  heldOut: readonly PreferencePair[];
  settings: RmSettings;
  seed: number | string;
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  /** Awaited before every step: resolves at once unless the user paused the run (the worker's Pause). */
  pauseGate?: () => Promise<void>;
}

export async function trainRewardModel(run: RmRun): Promise<RmResult> {
  const { settings: s, sft } = run;
  if (run.train.length === 0) throw new Error('the reward model needs preference pairs, and there are none (all tied?)');
  const config: GptConfig = { ...sft.config, scalarHead: true };
  const rng = createRng(`${run.seed}:rm`);
  const d = config.width;
  const head = tf.tensor2d(normalArray(rng, d, 1 / (d + 1)), [d, 1]);
  const params = cloneParams(sft.params, [['head.w', head]]);
  head.dispose();
  const adam = new Adam(params);
  const perEpoch = Math.ceil(run.train.length / s.batchSize);
  const total = s.epochs * perEpoch;
  const schedule = { peakLr: s.lr, totalSteps: total, warmupFraction: s.warmupFraction, floorFraction: s.floorFraction };
  let step = 0;
  let lastHeldOut: { step: number; evaluation: Awaited<ReturnType<typeof evaluateRewardModel>> } | null = null;
  try {
    for (let epoch = 0; epoch < s.epochs && !run.shouldStop?.(); epoch++) {
      const order = epochOrder(run.train.length, () => rng.next());
      for (let k = 0; k < perEpoch && !run.shouldStop?.(); k++, step++) {
        await run.pauseGate?.();
        if (run.shouldStop?.()) break;
        const batch = packPairs(order.slice(k * s.batchSize, (k + 1) * s.batchSize).map((i) => run.train[i]!), config.contextLength);
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
        const lr = cosineLr(step, schedule);
        const out = await optimiserStep(params, adam, () => bradleyTerry(scalarAt(params, config, ids, batch.eosPositions), batch.pairs), lr, s.maxGradNorm);
        ids.dispose();
        const [accuracy = NaN, chosen = NaN, rejected = NaN] = out.metrics;
        assertFinite(
          { stage: 'rm', step: step + 1, unit: 'step', models: 1, advice: `Lower the learning rate (now ${s.lr}).` },
          { loss: out.loss, 'gradient norm': out.gradNorm, 'mean chosen score': chosen, 'mean rejected score': rejected, accuracy, 'learning rate': lr },
        );
        const values: Record<string, number> = { loss: out.loss, accuracy, 'rewards/chosen': chosen, 'rewards/rejected': rejected, 'grad/norm': out.gradNorm };
        if ((step + 1) % s.evalEvery === 0 || step + 1 === total) {
          const h = await evaluateRewardModel(params, config, run.heldOut);
          lastHeldOut = { step: step + 1, evaluation: h };
          Object.assign(values, { 'eval/loss': h.loss, 'eval/accuracy': h.accuracy });
        }
        run.onEvent?.({ type: 'metrics', stage: 'rm', step: step + 1, totalSteps: total, values });
      }
    }
    const train = await evaluateRewardModel(params, config, run.train);
    // The last step's held-out evaluation is already of these weights, unless the run stopped between evaluations.
    const heldOut = lastHeldOut?.step === step ? lastHeldOut.evaluation : await evaluateRewardModel(params, config, run.heldOut);
    const scores = heldOut.scores.length ? heldOut.scores : train.scores;
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length) || 1;
    const strip = ({ scores: _scores, ...rest }: RmEvaluation & { scores: number[] }): RmEvaluation => rest;
    return { params, config, norm: { mean, std }, steps: step, train: strip(train), heldOut: strip(heldOut) };
  } catch (error) {
    // A NonFiniteError takes the model (never changed by the failing step) to its catcher; otherwise it is freed.
    if (!keepOnError(error, params)) disposeParams(params);
    throw error;
  } finally {
    adam.dispose();
  }
}
