/**
 * What a task gives the pipeline: a tokenizer, SFT text split into train and held-out examples, the prompts the
 * RL stages use, the tokens a policy must never emit, and the gold reward that judges every stage.
 */
import type { Tokenizer } from '../data/tokenizer';

export type TaskName = 'sentiment' | 'oracle';

/** One SFT example. `prompt` starts with <bos>; `response` ends with <eos>. Both are token ids. */
export interface Example {
  prompt: number[];
  response: number[];
}

export interface Task {
  name: TaskName;
  tokenizer: Tokenizer;
  /** Most response tokens, <eos> included (H). */
  horizon: number;
  /** Most prompt tokens, <bos> included. */
  maxPromptLength: number;
  train: Example[];
  heldOut: Example[];
  /** Token ids a policy never samples (<pad>, <bos>, <unk>); <eos> is handled by eosAllowedFrom. */
  forbiddenTokens: number[];
  /** First response position (0-based) at which <eos> may be sampled; `horizon - 1` fixes the length. */
  eosAllowedFrom: number;
  /** The gold reward of one response (token ids, <eos>/<pad> allowed at the end). */
  goldReward(response: readonly number[]): number;
  /**
   * The true reward of each response token (oracle task only): r*(s_h, a_h), one number per response token, <eos>
   * included.
   */
  trueTokenRewards?(prompt: readonly number[], response: readonly number[]): number[];
}
