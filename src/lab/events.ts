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

/**
 * `run` names the RL run an event belongs to (e.g. "rto"), so runs of one stage can share the charts; the
 * `tokens` event carries heatmap rows for a few held-out prompts.
 */
export type StageEvent =
  | { type: 'metrics'; stage: StageId; run?: string; step: number; totalSteps: number; values: Record<string, number> }
  | { type: 'samples'; stage: StageId; run?: string; step: number; samples: SampleText[] }
  | { type: 'tokens'; stage: StageId; run?: string; step: number; rows: TokenRow[] };

export type EventSink = (event: StageEvent) => void;
