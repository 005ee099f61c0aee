/**
 * How good is a policy, by the task's gold reward (the lab's own metrics gold/reward and gold/win_rate): sample one
 * response per held-out prompt at temperature 1 with a fixed seed, and compare with the SFT model's responses to
 * the same prompts (a win counts 1, a tie ½). Also the KL to the reference, Σ_h (ℓ_π − ℓ_ref) per response averaged
 * over responses (TRL's objective/kl estimator, on the sampler's masked distributions).
 *
 * Every evaluation of a run (and the SFT baseline itself) uses the same prompts and the same sampling seed: common
 * random numbers. The sampler draws by inverse CDF, so two policies that agree on a prefix draw the same next token
 * from the same uniform; SFT evaluated against itself gives its baseline back exactly (win rate ½, every prompt a
 * tie), and later points differ from it by what the policy learned rather than by a fresh draw.
 *
 * The standard errors are over prompts (one response each): s/√n with the sample standard deviation s (n − 1) of
 * the per-prompt gold rewards, and of the per-prompt outcomes 1, ½, 0 for the win rate.
 *
 * evaluateResponses also keeps each response's numbers (the response table): its KL Σ_h (ℓ_π − ℓ_ref), its length
 * and, given the reward model, its normalised RM score clamp((r − μ)/σ, ±10) read at <eos> as the rollout scores it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BOS } from '../data/tokenizer';
import type { ResponseRow, SftResponseRow } from '../events';
import { actionLogitBias } from '../model/actionMask';
import { scalarAt, tokenLogProbsAt, type GptConfig, type ParamTensors } from '../model/gpt';
import { sampleResponses, taskSampleOptions, type SampleBatch } from '../model/sample';
import { createRng } from '../rng';
import type { Task } from '../tasks/task';
import { normalisedScore, type ScoreNorm } from '../train/rm';
import { scalarConfig, tokenLayout } from '../train/rollout';

export interface GoldBaseline {
  /** The SFT model's gold reward on each evaluation prompt. */
  gold: number[];
  /** SFT's own evaluation (sftBaseline): its responses sit beside the policy's in the response table. */
  evaluation?: Pick<PolicyEvaluation, 'responses' | 'golds'>;
  /** The responses it was computed from and what drew them (sftBaseline): an RL run's iteration 0 reuses them. */
  sample?: EvaluationSample;
}

/** An evaluation's sampled responses, with the model, config, prompts and seed that drew them. */
export interface EvaluationSample {
  policy: ParamTensors;
  config: GptConfig;
  prompts: readonly (readonly number[])[];
  seed: string;
  batch: SampleBatch;
}

/** One response per prompt from `policy` at temperature 1, drawn with `seed`: what every evaluation scores. */
export async function sampleForEvaluation(task: Task, policy: ParamTensors, config: GptConfig, prompts: readonly (readonly number[])[], seed: string): Promise<EvaluationSample> {
  const batch = await sampleResponses(policy, config, prompts, taskSampleOptions(task, 1), createRng(seed));
  return { policy, config, prompts, seed, batch };
}

/**
 * `sample`'s responses when they are the ones `policy` would draw here: drawn by the same parameter tensors (so the
 * same weights, on this backend), config, prompts and seed. The sampler is deterministic, so it would draw them again
 * to the token; undefined when anything differs.
 */
export function sameSample(sample: EvaluationSample | undefined, policy: ParamTensors, config: GptConfig, prompts: readonly (readonly number[])[], seed: string): SampleBatch | undefined {
  if (!sample || sample.policy !== policy || sample.seed !== seed || JSON.stringify(sample.config) !== JSON.stringify(config)) return undefined;
  const same = sample.prompts.length === prompts.length && sample.prompts.every((p, i) => p.length === prompts[i]!.length && p.every((t, j) => t === prompts[i]![j]));
  return same ? sample.batch : undefined;
}

export interface PolicyEvaluation {
  /** Mean gold reward of the responses. */
  gold: number;
  /** Standard error of `gold` over prompts. */
  goldSe: number;
  /** Share of prompts where the response beats SFT's by gold reward (ties ½). */
  winRate: number;
  /** Standard error of `winRate` over prompts (0 when every prompt ties, as SFT against itself does). */
  winRateSe: number;
  /** Mean over responses of Σ_h (ℓ_π − ℓ_ref). */
  kl: number;
  /** Mean response length in tokens, <eos> included. */
  length: number;
  responses: number[][];
  golds: number[];
}

/** The per-response numbers of an evaluation, in prompt order. */
export interface ResponseEvaluation extends PolicyEvaluation {
  /** Σ_h (ℓ_π − ℓ_ref) of each response (their mean is `kl`); NaN without a reference. */
  kls: number[];
  /** Each response's length in tokens, <eos> included (their mean is `length`). */
  lengths: number[];
  /** Each response's normalised reward-model score clamp((r − μ)/σ, ±10); NaN without the reward model. */
  scores: number[];
}

/** The reward model that scores responses: its parameters, its config (scalar head) and its μ, σ. */
export interface ResponseScorer {
  params: ParamTensors;
  config: GptConfig;
  norm: ScoreNorm;
}

/** Samples from `policy` on the prompts with a seed (or scores `sampled`, as evaluateResponses); `reference` (if given) yields the KL. */
export async function evaluatePolicy(
  task: Task,
  policy: ParamTensors,
  reference: ParamTensors | null,
  config: GptConfig,
  prompts: readonly (readonly number[])[],
  seed: string,
  baseline?: GoldBaseline,
  sampled?: SampleBatch,
): Promise<PolicyEvaluation> {
  const e = await evaluateResponses(task, policy, reference, config, prompts, seed, baseline, undefined, sampled);
  return { gold: e.gold, goldSe: e.goldSe, winRate: e.winRate, winRateSe: e.winRateSe, kl: e.kl, length: e.length, responses: e.responses, golds: e.golds };
}

/**
 * evaluatePolicy with each response's KL, length and (given `rewardModel`) normalised RM score. `sampled`: the
 * responses `policy` draws on `prompts` with `seed`, when the caller already holds them (sameSample); else drawn here.
 */
export async function evaluateResponses(
  task: Task,
  policy: ParamTensors,
  reference: ParamTensors | null,
  config: GptConfig,
  prompts: readonly (readonly number[])[],
  seed: string,
  baseline?: GoldBaseline,
  rewardModel?: ResponseScorer,
  sampled?: SampleBatch,
): Promise<ResponseEvaluation> {
  const options = taskSampleOptions(task, 1);
  const batch = sampled ?? (await sampleForEvaluation(task, policy, config, prompts, seed)).batch;
  const golds = batch.responses.map((r) => task.goldReward(r));
  const B = prompts.length;
  let kl = NaN;
  let kls = Array<number>(B).fill(NaN);
  let scores = Array<number>(B).fill(NaN);
  if (reference || rewardModel) {
    const { positions, responseIndex, offsets } = tokenLayout(batch);
    const M = positions.length;
    // One read-back: [Σ diff, diff per token (M)] with a reference, then the raw RM score per response (B).
    const eos = Int32Array.from({ length: B }, (_, b) => positions[(offsets[b + 1] ?? 1) - 1] ?? 0);
    const all = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [B, batch.length], 'int32');
      const parts: tf.Tensor1D[] = [];
      if (reference) {
        const bias = actionLogitBias(options, config.vocabSize, responseIndex);
        const diff = tf.sub(tokenLogProbsAt(policy, config, ids, positions, bias), tokenLogProbsAt(reference, config, ids, positions, bias)) as tf.Tensor1D;
        parts.push(tf.reshape(tf.sum(diff), [1]), diff);
      }
      if (rewardModel) parts.push(scalarAt(rewardModel.params, scalarConfig(rewardModel.config), ids, eos));
      return tf.concat(parts);
    });
    const flat = await all.data<'float32'>();
    all.dispose();
    let at = 0;
    if (reference) {
      kl = flat[0]! / B;
      const diff = flat.subarray(1, 1 + M);
      kls = Array.from({ length: B }, (_, b) => diff.subarray(offsets[b] ?? 0, offsets[b + 1] ?? 0).reduce((a, x) => a + x, 0));
      at = 1 + M;
    }
    if (rewardModel) scores = Array.from(flat.subarray(at, at + B), (r) => normalisedScore(r, rewardModel.norm));
  }
  const outcomes = baseline ? golds.map((g, i) => winOutcome(g, baseline.gold[i] ?? 0)) : [];
  const lengths = batch.responses.map((r) => r.length);
  return {
    gold: mean(golds),
    goldSe: standardError(golds),
    winRate: baseline ? mean(outcomes) : NaN,
    winRateSe: baseline ? standardError(outcomes) : NaN,
    kl,
    length: mean(lengths),
    responses: batch.responses,
    golds,
    kls,
    lengths,
    scores,
  };
}

/** The most prompts a `responses` event carries (the first ones of the held-out set). */
export const RESPONSE_ROWS = 64;

/**
 * The response table's rows of an evaluation (the first `limit` prompts), and SFT's rows for the same prompts from
 * the baseline's own evaluation (none when the baseline has gold rewards only).
 */
export function responseRows(
  task: Pick<Task, 'tokenizer'>,
  prompts: readonly (readonly number[])[],
  e: Pick<ResponseEvaluation, 'responses' | 'golds' | 'scores' | 'kls' | 'lengths'>,
  baseline?: GoldBaseline,
  limit = RESPONSE_ROWS,
): { rows: ResponseRow[]; sft: SftResponseRow[] } {
  const words = (ids: readonly number[]) => task.tokenizer.decode(ids);
  const n = Math.min(limit, prompts.length);
  const rows = Array.from({ length: n }, (_, i): ResponseRow => ({
    prompt: words((prompts[i] ?? []).filter((id) => id !== BOS)).join(' '),
    response: words(e.responses[i] ?? []),
    gold: e.golds[i] ?? NaN,
    score: e.scores[i] ?? NaN,
    kl: e.kls[i] ?? NaN,
    length: e.lengths[i] ?? 0,
  }));
  const sftEval = baseline?.evaluation;
  const sft = sftEval ? sftEval.responses.slice(0, n).map((r, i): SftResponseRow => ({ response: words(r), gold: sftEval.golds[i] ?? NaN, length: r.length })) : [];
  return { rows, sft };
}

/** One prompt's outcome against SFT's response: 1 a win, ½ a tie, 0 a loss. */
export const winOutcome = (gold: number, sftGold: number): number => (gold > sftGold ? 1 : gold === sftGold ? 0.5 : 0);

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The standard error of the mean, s/√n with the sample standard deviation (n − 1); NaN below two values. */
export function standardError(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1) / n);
}
