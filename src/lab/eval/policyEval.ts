/**
 * How good is a policy, by the task's gold reward (the lab's own metrics gold/reward and gold/win_rate): sample one
 * response per held-out prompt at temperature 1 with a fixed seed, and compare with the SFT model's responses to
 * the same prompts (a win counts 1, a tie ½). Also the KL to the reference, Σ_h (ℓ_π − ℓ_ref) per response averaged
 * over responses (TRL's objective/kl estimator, on the sampler's masked distributions).
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
  /** Share of prompts where the response beats SFT's by gold reward (ties ½). */
  winRate: number;
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
  let wins = 0;
  if (baseline) golds.forEach((g, i) => (wins += g > (baseline.gold[i] ?? 0) ? 1 : g === baseline.gold[i] ? 0.5 : 0));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    gold: mean(golds),
    winRate: baseline ? wins / prompts.length : NaN,
    kl,
    length: mean(batch.responses.map((r) => r.length)),
    responses: batch.responses,
    golds,
  };
}
