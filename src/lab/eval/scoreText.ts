/**
 * "Score your own text": a typed response, token by token, under the models of the chain — the DPO token reward
 * β·(ℓ_dpo − ℓ_ref) (the implicit reward DPO learned), the DPO term RTO adds, clip(β1·(ℓ_dpo − ℓ_ref), ±c), the reward
 * model's score at <eos> (raw and normalised as PPO sees it), and the task's gold reward. Same functions as training,
 * no gradients; log-probs in the action space RL samples from (actionMask.ts, dpo.ts's file comment), so the panel
 * shows exactly the term RL trains on. A response the policy could never produce (an early <eos>, a special token) is
 * refused with a clear error rather than scored.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BOS, EOS, splitText, UNK, type Tokenizer } from '../data/tokenizer';
import { assertLegalActions } from '../model/actionMask';
import { actionLogProbs, scalarAt, type GptConfig, type ParamTensors } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import type { Task } from '../tasks/task';
import { normalisedScore, type ScoreNorm } from '../train/rm';

export interface TextScore {
  promptTokens: string[];
  /** Response tokens, <eos> last (added when missing, cut at the horizon). */
  tokens: string[];
  /** The response was longer than the horizon: its first horizon − 1 tokens were kept, then <eos>. */
  truncated: boolean;
  /** Words of the typed response outside the vocabulary, dropped before scoring (the policy never emits <unk>). */
  unknownWords: string[];
  /** Words of the typed prompt outside the vocabulary: they stay <unk> (context the SFT model has seen). */
  promptUnknownWords: string[];
  /** ℓ_ref and ℓ_dpo per response token, in the policy's action space (the sampler's masked distribution). */
  logpRef: number[];
  logpDpo: number[];
  /** DPO's implicit token reward β·(ℓ_dpo − ℓ_ref); its sum is β·log(π_dpo(y)/π_ref(y)). */
  dpoReward: number[];
  /** The DPO term RTO adds at each token: clip(β1·(ℓ_dpo − ℓ_ref), ±c). */
  rtoDpoReward: number[];
  dpoBeta: number;
  beta1: number;
  /** c of RTO's clip (Infinity: no clip). */
  clip: number;
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
  /** β the DPO model was trained with. */
  dpoBeta: number;
  /** RTO's β1 and clip c (the RL settings). */
  beta1: number;
  clip: number;
}

/** Typed text as token ids: the prompt after <bos>, and the words of each side that are not in the vocabulary. */
export interface TypedText {
  prompt: number[];
  response: number[];
  unknownWords: string[];
  promptUnknownWords: string[];
}

/**
 * Words → ids. Unknown prompt words stay <unk> (SFT saw <unk> in its prompts); unknown response words are dropped,
 * since a policy never emits <unk> and a response holding one has no log-prob in its action space.
 */
export function encodeTypedText(tokenizer: Pick<Tokenizer, 'idOf'>, prompt: string, response: string): TypedText {
  const promptWords = splitText(prompt, tokenizer);
  const responseWords = splitText(response, tokenizer);
  const known = (w: string) => tokenizer.idOf(w) !== UNK;
  return {
    prompt: [BOS, ...promptWords.map((w) => tokenizer.idOf(w))],
    response: responseWords.filter(known).map((w) => tokenizer.idOf(w)),
    unknownWords: responseWords.filter((w) => !known(w)),
    promptUnknownWords: promptWords.filter((w) => !known(w)),
  };
}

export async function scoreText(task: Task, m: ScoringModels, text: TypedText): Promise<TextScore> {
  const { prompt } = text;
  if (prompt.length === 0 || prompt.length > task.maxPromptLength) throw new RangeError(`a prompt has 1 to ${task.maxPromptLength - 1} words; got ${prompt.length - 1}`);
  const typed = text.response.filter((t) => t !== EOS);
  const body = typed.slice(0, task.horizon - 1);
  if (body.length === 0) throw new RangeError(text.unknownWords.length ? `type at least one word of response the model knows (${text.unknownWords.join(', ')} ${text.unknownWords.length === 1 ? 'is' : 'are'} not in its vocabulary)` : 'type at least one word of response');
  if (body.length < task.eosAllowedFrom) throw new RangeError(`a response on the ${task.name} task has at least ${task.eosAllowedFrom} words before <eos> (the policy cannot end sooner); got ${body.length}`);
  const response = [...body, EOS];
  const ids = [...prompt, ...response];
  const T = ids.length;
  const scored = { positions: response.map((_, h) => prompt.length + h), responseIndex: response.map((_, h) => h) };
  const space = taskSampleOptions(task);
  const words = task.tokenizer.decode;
  assertLegalActions(ids, scored, space, (id) => words([id])[0] ?? String(id));
  const mask = Array.from({ length: T }, (_, t) => (t >= prompt.length ? 1 : 0));
  const out = tf.tidy(() => {
    const x = tf.tensor2d([ids], [1, T], 'int32');
    const lm = { ...m.config, scalarHead: false };
    return tf.concat([actionLogProbs(m.sft, lm, x, mask, space), actionLogProbs(m.dpo, lm, x, mask, space), scalarAt(m.rm, { ...m.config, scalarHead: true }, x, [T - 1])]);
  });
  const flat = Array.from(await out.data());
  out.dispose();
  const n = response.length;
  const logpRef = flat.slice(0, n);
  const logpDpo = flat.slice(n, 2 * n);
  const rmScore = flat[2 * n] ?? NaN;
  const ratio = logpDpo.map((d, h) => d - (logpRef[h] ?? 0));
  return {
    promptTokens: words(prompt.filter((t, i) => i > 0 || t !== BOS)),
    tokens: words(response),
    truncated: typed.length > body.length,
    unknownWords: [...text.unknownWords],
    promptUnknownWords: [...text.promptUnknownWords],
    logpRef,
    logpDpo,
    dpoReward: ratio.map((x) => m.dpoBeta * x),
    rtoDpoReward: ratio.map((x) => Math.max(-m.clip, Math.min(m.clip, m.beta1 * x))),
    dpoBeta: m.dpoBeta,
    beta1: m.beta1,
    clip: m.clip,
    ...(task.trueTokenRewards ? { trueReward: task.trueTokenRewards(prompt, response) } : {}),
    rmScore,
    rmScoreNormalised: normalisedScore(rmScore, m.norm),
    gold: task.goldReward(response),
  };
}
