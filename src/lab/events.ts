/**
 * What a running stage tells the outside world. Stage runners know nothing of React, the worker or the terminal
 * (minGPT's trainer callbacks); the worker forwards these events to the UI, the CLI prints them.
 */
import type { StageId } from './stages';

export interface SampleText {
  prompt: string;
  response: string;
  /** The task's gold reward of the response. */
  gold: number;
}

/** The per-token channels of one response (the heatmap rows); every array has one entry per response token. */
export interface TokenChannels {
  /** ℓ_π, ℓ_ref and (when a DPO model is loaded) ℓ_dpo of each token. */
  logpPolicy: number[];
  logpRef: number[];
  logpDpo?: number[];
  /** The reward's three channels and their sum (rewards.ts): DPO term, KL term, RM score term. */
  dpo: number[];
  kl: number[];
  score: number[];
  total: number[];
  /** V of the state before the token (0 without a critic) and the advantage before whitening. */
  value: number[];
  advantage: number[];
  /** The true token reward r* (oracle task). */
  trueReward?: number[];
}

export interface TokenRow {
  prompt: string;
  /** The response's tokens as text, <eos> last. */
  tokens: string[];
  gold: number;
  channels: TokenChannels;
}

/** One held-out prompt's row of the response table: the policy's response and its numbers. */
export interface ResponseRow {
  prompt: string;
  /** The response's tokens as text, <eos> last. */
  response: string[];
  /** The task's gold reward of the response. */
  gold: number;
  /** The reward model's normalised score clamp((r − μ)/σ, ±10), as PPO and RTO see it. */
  score: number;
  /** Σ_h (ℓ_π − ℓ_ref) over the response, in the sampler's action space (eval/kl is its mean over all prompts). */
  kl: number;
  /** Tokens, <eos> included. */
  length: number;
}

/** The SFT model's response to the same prompt (same sampling seed: common random numbers). */
export interface SftResponseRow {
  response: string[];
  gold: number;
  length: number;
}

/**
 * `run` names the RL run an event belongs to (e.g. "rto"), so runs of one stage can share the charts; the
 * `tokens` event carries heatmap rows for a few held-out prompts.
 */
export type StageEvent =
  | { type: 'metrics'; stage: StageId; run?: string; step: number; totalSteps: number; values: Record<string, number> }
  | { type: 'samples'; stage: StageId; run?: string; step: number; samples: SampleText[] }
  | { type: 'tokens'; stage: StageId; run?: string; step: number; rows: TokenRow[] }
  /**
   * An RL evaluation's responses (sent with every gold evaluation, iteration 0 included): the first 64 held-out
   * prompts at most, one row each, and `sft` the SFT baseline's rows for the same prompts in the same order (empty
   * when the run was given SFT's gold rewards only).
   */
  | { type: 'responses'; stage: StageId; run?: string; step: number; rows: ResponseRow[]; sft: SftResponseRow[] };

export type EventSink = (event: StageEvent) => void;
