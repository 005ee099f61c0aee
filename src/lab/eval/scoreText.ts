/**
 * "Score your own text": a typed response, token by token, under the models of the chain — the DPO token reward
 * β·(ℓ_dpo − ℓ_ref) (the implicit reward DPO learned; RTO scales and clips it), the reward model's score at <eos>
 * (raw and normalised as PPO sees it), and the task's gold reward. Same functions as training, no gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EOS } from '../data/tokenizer';
import { scalarAt, tokenLogProbs, type GptConfig, type ParamTensors } from '../model/gpt';
import type { Task } from '../tasks/task';
import { normalisedScore, type ScoreNorm } from '../train/rm';

export interface TextScore {
  promptTokens: string[];
  /** Response tokens, <eos> last (added when missing, cut at the horizon). */
  tokens: string[];
  logpRef: number[];
  logpDpo: number[];
  dpoReward: number[];
  /** The true token reward (oracle task). */
  trueReward?: number[];
  rmScore: number;
  rmScoreNormalised: number;
  gold: number;
}

export interface ScoringModels {
  sft: ParamTensors;
  dpo: ParamTensors;
  rm: ParamTensors;
  norm: ScoreNorm;
  config: GptConfig;
  dpoBeta: number;
}

export async function scoreText(task: Task, m: ScoringModels, prompt: readonly number[], responseIn: readonly number[]): Promise<TextScore> {
  if (prompt.length === 0 || prompt.length > task.maxPromptLength) throw new RangeError(`a prompt has 1 to ${task.maxPromptLength - 1} words; got ${prompt.length - 1}`);
  const body = responseIn.filter((t) => t !== EOS).slice(0, task.horizon - 1);
  if (body.length === 0) throw new RangeError('type at least one word of response');
  const response = [...body, EOS];
  const ids = [...prompt, ...response];
  const T = ids.length;
  const mask = Array.from({ length: T }, (_, t) => (t >= prompt.length ? 1 : 0));
  const out = tf.tidy(() => {
    const x = tf.tensor2d([ids], [1, T], 'int32');
    const mk = tf.tensor2d([mask], [1, T]);
    const lm = { ...m.config, scalarHead: false };
    return tf.concat([tf.reshape(tokenLogProbs(m.sft, lm, x, mk), [-1]), tf.reshape(tokenLogProbs(m.dpo, lm, x, mk), [-1]), scalarAt(m.rm, { ...m.config, scalarHead: true }, x, [T - 1])]);
  });
  const flat = Array.from(await out.data());
  out.dispose();
  const logpRef = flat.slice(prompt.length, T);
  const logpDpo = flat.slice(T + prompt.length, 2 * T);
  const rmScore = flat[2 * T] ?? NaN;
  const words = task.tokenizer.decode;
  return {
    promptTokens: words(prompt.filter((t, i) => i > 0 || t !== 1)),
    tokens: words(response),
    logpRef,
    logpDpo,
    dpoReward: logpDpo.map((d, h) => m.dpoBeta * (d - (logpRef[h] ?? 0))),
    ...(task.trueTokenRewards ? { trueReward: task.trueTokenRewards(prompt, response) } : {}),
    rmScore,
    rmScoreNormalised: normalisedScore(rmScore, m.norm),
    gold: task.goldReward(response),
  };
}
