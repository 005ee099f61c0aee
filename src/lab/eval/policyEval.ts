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
 */
import * as tf from '@tensorflow/tfjs-core';
import { actionLogitBias } from '../model/actionMask';
import { tokenLogProbsAt, type GptConfig, type ParamTensors } from '../model/gpt';
import { sampleResponses, taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import type { Task } from '../tasks/task';
import { tokenLayout } from '../train/rollout';

export interface GoldBaseline {
  /** The SFT model's gold reward on each evaluation prompt. */
  gold: number[];
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

/** Samples from `policy` on the prompts with a seed; `reference` (if given) yields the KL. */
export async function evaluatePolicy(
  task: Task,
  policy: ParamTensors,
  reference: ParamTensors | null,
  config: GptConfig,
  prompts: readonly (readonly number[])[],
  seed: string,
  baseline?: GoldBaseline,
): Promise<PolicyEvaluation> {
  const options = taskSampleOptions(task, 1);
  const batch = await sampleResponses(policy, config, prompts, options, createRng(seed));
  const golds = batch.responses.map((r) => task.goldReward(r));
  let kl = NaN;
  if (reference) {
    const { positions, responseIndex } = tokenLayout(batch);
    const diff = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [prompts.length, batch.length], 'int32');
      const bias = actionLogitBias(options, config.vocabSize, responseIndex);
      return tf.sum(tf.sub(tokenLogProbsAt(policy, config, ids, positions, bias), tokenLogProbsAt(reference, config, ids, positions, bias)));
    });
    kl = (await diff.data())[0]! / prompts.length;
    diff.dispose();
  }
  const outcomes = baseline ? golds.map((g, i) => winOutcome(g, baseline.gold[i] ?? 0)) : [];
  return {
    gold: mean(golds),
    goldSe: standardError(golds),
    winRate: baseline ? mean(outcomes) : NaN,
    winRateSe: baseline ? standardError(outcomes) : NaN,
    kl,
    length: mean(batch.responses.map((r) => r.length)),
    responses: batch.responses,
    golds,
  };
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
