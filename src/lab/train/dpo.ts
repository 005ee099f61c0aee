/**
 * Stage 3b, DPO (Rafailov et al. 2023; docs/method.md stage 3) against the frozen SFT reference:
 *   z = (log πθ(y_w) − log πref(y_w)) − (log πθ(y_l) − log πref(y_l)),   L = mean(−log σ(β z)),
 * with log π(y) the SUM of the response's token log-probs. At step 0 (θ = ref) the loss is exactly ln 2.
 * Its implicit token reward β·(ℓθ(h) − ℓref(h)) is the dense reward RTO uses (dpoTokenRewards).
 *
 * Every log-prob here is taken in the action space RL samples from (actionMask.ts: <pad>, <bos>, <unk> and an early
 * <eos> removed, the rest renormalised), not in the raw softmax. The preference pairs are sampled from the masked
 * SFT policy and RL's π_ref and π_dpo are the masked models, so DPO's implicit reward β·log(π_dpo(y)/π_ref(y)) is
 * then literally β/β1 times the sum of the RTO term β1·(ℓ_dpo − ℓ_ref) over the response, token by token. (The KL
 * term and the PPO ratio are in that same sampling distribution already.)
 *
 * A non-finite reference log-prob, loss, gradient norm, implicit reward or learning rate stops the stage with a
 * NonFiniteError carrying the policy from before that step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EventSink } from '../events';
import { assertLegalActions, maskedActions } from '../model/actionMask';
import { actionLogProbs, cloneParams, disposeParams, sequenceLogProbs, type GptConfig, type ParamTensors, type Params } from '../model/gpt';
import type { SampleOptions } from '../model/sample';
import { createRng } from '../rng';
import { epochOrder } from './batch';
import { assertFinite, keepOnError, type FiniteContext } from './finite';
import { Adam, cosineLr, optimiserStep, type RecipeSettings } from './optim';
import { packPairs } from './pairBatch';
import { pairLogProbs, referenceLogProbs } from './pairLogProbs';
import type { PreferencePair } from './preferences';

export interface DpoSettings extends RecipeSettings {
  epochs: number;
  batchSize: number;
  beta: number;
  evalEvery: number;
}

/** TRL's DPO metrics: implicit rewards β·(log πθ − log πref) of chosen and rejected, their margin and accuracy. */
export interface DpoEvaluation {
  loss: number;
  chosen: number;
  rejected: number;
  margin: number;
  accuracy: number;
}

export interface DpoResult {
  params: Params;
  config: GptConfig;
  steps: number;
  heldOut: DpoEvaluation;
  /** On all training pairs, with the final weights. */
  train: DpoEvaluation;
}

/** A DPO run without its pass over the training pairs (trainDpoPolicy). */
export type DpoPolicy = Omit<DpoResult, 'train'>;

/** Loss and [chosen, rejected, margin, accuracy] from sequence log-probs [2B] (chosen rows first). */
export function dpoLoss(policy: tf.Tensor1D, reference: tf.Tensor1D, beta: number, pairs: number): { loss: tf.Scalar; metrics: tf.Tensor1D } {
  return tf.tidy(() => {
    const ratio = tf.mul(beta, tf.sub(policy, reference)); // implicit sentence rewards
    const chosen = tf.slice(ratio, [0], [pairs]);
    const rejected = tf.slice(ratio, [pairs], [pairs]);
    const margin = tf.sub(chosen, rejected); // β·z
    const loss = tf.mean(tf.softplus(tf.neg(margin))) as tf.Scalar;
    const accuracy = tf.mean(tf.cast(tf.greater(margin, 0), 'float32'));
    return { loss, metrics: tf.stack([tf.mean(chosen), tf.mean(rejected), tf.mean(margin), accuracy]) as tf.Tensor1D };
  });
}

/** DPO loss and metrics of a policy on pairs, given the reference's log-probs (from pairLogProbs in the same space). */
export async function evaluateDpo(params: ParamTensors, config: GptConfig, pairs: readonly PreferencePair[], reference: Float32Array, beta: number, space: SampleOptions): Promise<DpoEvaluation> {
  const policy = await pairLogProbs(params, config, pairs, space);
  const n = pairs.length;
  let loss = 0;
  let chosen = 0;
  let rejected = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const c = beta * ((policy[i] ?? 0) - (reference[i] ?? 0));
    const r = beta * ((policy[n + i] ?? 0) - (reference[n + i] ?? 0));
    const m = c - r;
    loss += Math.max(-m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
    chosen += c;
    rejected += r;
    if (m > 0) correct += 1;
  }
  return { loss: loss / n, chosen: chosen / n, rejected: rejected / n, margin: (chosen - rejected) / n, accuracy: correct / n };
}

/**
 * The DPO implicit token reward β·(ℓθ(h) − ℓref(h)) in the action space `space`, at every position of the packed
 * batch `ids` [B, T] (CPU, row-major), 0 where `mask` is 0: [B, T]. Summed over a response it is the implicit
 * sentence reward β·(log πθ(y) − log πref(y)) of pairLogProbs. Throws if a response holds an illegal action.
 */
export function dpoTokenRewards(policy: ParamTensors, reference: ParamTensors, config: GptConfig, batch: { ids: Int32Array; mask: ArrayLike<number>; batch: number; length: number }, beta: number, space: SampleOptions): tf.Tensor2D {
  const { ids, mask, batch: B, length: T } = batch;
  const scored = maskedActions(mask, B, T);
  assertLegalActions(ids, scored, space);
  return tf.tidy(() => {
    const x = tf.tensor2d(ids, [B, T], 'int32');
    const d = tf.mul(beta, tf.sub(actionLogProbs(policy, config, x, mask, space), actionLogProbs(reference, config, x, mask, space)));
    const at = tf.tensor2d(scored.positions, [scored.positions.length, 1], 'int32');
    return tf.reshape(tf.scatterND(at, d, [B * T]), [B, T]) as tf.Tensor2D;
  });
}

export interface DpoRun {
  sft: { params: ParamTensors; config: GptConfig };
  train: readonly PreferencePair[];
  heldOut: readonly PreferencePair[];
  settings: DpoSettings;
  /** The action space RL samples from (taskSampleOptions(task)): DPO's loss is taken in it, see the file comment. */
  actionSpace: SampleOptions;
  seed: number | string;
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  /** Awaited before every step: resolves at once unless the user paused the run (the worker's Pause). */
  pauseGate?: () => Promise<void>;
}

/** DPO, then the final policy evaluated on all training pairs. */
export async function trainDpo(run: DpoRun): Promise<DpoResult> {
  const r = await trainDpoPolicy(run);
  try {
    return { ...r, train: await dpoTrainEvaluation(r, run.sft, run.train, run.settings.beta, run.actionSpace) };
  } catch (error) {
    disposeParams(r.params);
    throw error;
  }
}

/**
 * The DPO loss and metrics of a trained policy on all training pairs, against the SFT reference (its log-probs
 * computed once per worker, referenceLogProbs): trainDpo's `train`. Any worker that holds the same models gives
 * the same numbers, so the page's lab worker may leave it to its second worker (src/worker/sideRuns.ts).
 */
export async function dpoTrainEvaluation(policy: { params: ParamTensors; config: GptConfig }, sft: { params: ParamTensors }, train: readonly PreferencePair[], beta: number, space: SampleOptions): Promise<DpoEvaluation> {
  const reference = await referenceLogProbs(sft.params, policy.config, train, space);
  return evaluateDpo(policy.params, policy.config, train, reference, beta, space);
}

/** DPO's training, with its held-out evaluations: the policy, without the pass over the training pairs (trainDpo). */
export async function trainDpoPolicy(run: DpoRun): Promise<DpoPolicy> {
  const { settings: s, sft } = run;
  if (run.train.length === 0) throw new Error('DPO needs preference pairs, and there are none (all tied?)');
  const config = { ...sft.config, scalarHead: false };
  // The reference never changes: its log-probs are computed once per worker (which also refuses a pair with an illegal
  // action), and may be ready before the run (the page's Quick demo computes them while the visitor reads).
  const space = run.actionSpace;
  const refTrain = await referenceLogProbs(sft.params, config, run.train, space);
  const refHeldOut = await referenceLogProbs(sft.params, config, run.heldOut, space);
  const guard = (step: number): FiniteContext => ({ stage: 'dpo', step, unit: 'step', models: 1, advice: `Lower the learning rate (now ${s.lr}).` });
  // The policy starts as a copy of SFT (without any scalar head).
  const params = cloneParams(new Map([...sft.params].filter(([name]) => name !== 'head.w')));
  const adam = new Adam(params);
  const rng = createRng(`${run.seed}:dpo`);
  const perEpoch = Math.ceil(run.train.length / s.batchSize);
  const total = s.epochs * perEpoch;
  const schedule = { peakLr: s.lr, totalSteps: total, warmupFraction: s.warmupFraction, floorFraction: s.floorFraction };
  const n = run.train.length;
  let step = 0;
  let lastHeldOut: { step: number; evaluation: DpoEvaluation } | null = null;
  try {
    // A reference that is not finite (a broken SFT model) would poison every step: refused before the first one.
    assertFinite({ ...guard(1), advice: 'The SFT model gives a preference pair a non-finite log-probability: retrain it with a lower learning rate.' }, { 'reference log-prob (train pairs)': refTrain, 'reference log-prob (held-out pairs)': refHeldOut });
    for (let epoch = 0; epoch < s.epochs && !run.shouldStop?.(); epoch++) {
      const order = epochOrder(n, () => rng.next());
      for (let k = 0; k < perEpoch && !run.shouldStop?.(); k++, step++) {
        await run.pauseGate?.();
        if (run.shouldStop?.()) break;
        const idx = order.slice(k * s.batchSize, (k + 1) * s.batchSize);
        const batch = packPairs(idx.map((i) => run.train[i]!), config.contextLength);
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
        const ref = tf.tensor1d([...idx.map((i) => refTrain[i] ?? 0), ...idx.map((i) => refTrain[n + i] ?? 0)]);
        const lr = cosineLr(step, schedule);
        const out = await optimiserStep(params, adam, () => dpoLoss(sequenceLogProbs(params, config, ids, batch.mask, space), ref, s.beta, batch.pairs), lr, s.maxGradNorm);
        tf.dispose([ids, ref]);
        const [chosen = NaN, rejected = NaN, margin = NaN, accuracy = NaN] = out.metrics;
        assertFinite(guard(step + 1), { loss: out.loss, 'gradient norm': out.gradNorm, 'chosen reward': chosen, 'rejected reward': rejected, margin, accuracy, 'learning rate': lr });
        const values: Record<string, number> = {
          loss: out.loss,
          'rewards/chosen': chosen,
          'rewards/rejected': rejected,
          'rewards/margins': margin,
          'rewards/accuracies': accuracy,
          'grad/norm': out.gradNorm,
        };
        if ((step + 1) % s.evalEvery === 0 || step + 1 === total) {
          const h = await evaluateDpo(params, config, run.heldOut, refHeldOut, s.beta, space);
          lastHeldOut = { step: step + 1, evaluation: h };
          Object.assign(values, { 'eval/loss': h.loss, 'eval/rewards/margins': h.margin, 'eval/rewards/accuracies': h.accuracy });
        }
        run.onEvent?.({ type: 'metrics', stage: 'dpo', step: step + 1, totalSteps: total, values });
      }
    }
    // The last step's held-out evaluation is already of these weights, unless the run stopped between evaluations.
    const heldOut = lastHeldOut?.step === step ? lastHeldOut.evaluation : await evaluateDpo(params, config, run.heldOut, refHeldOut, s.beta, space);
    return { params, config, steps: step, heldOut };
  } catch (error) {
    // A NonFiniteError takes the policy (never changed by the failing step) to its catcher; otherwise it is freed.
    if (!keepOnError(error, params)) disposeParams(params);
    throw error;
  } finally {
    adam.dispose();
  }
}
