/**
 * The models and data the later stages build on the worker's SFT model: the preference pairs, the reward model
 * (with its score normalisation) and the DPO policy. A new SFT model makes all of them stale, so setting one clears
 * the chain (session.ts calls resetChain). Owns these tensors.
 */
import { disposeParams, type GptConfig, type Params } from '../lab/model/gpt';
import type { PreferencePair } from '../lab/train/preferences';
import type { ScoreNorm } from '../lab/train/rm';

export interface Chain {
  pairs: { train: PreferencePair[]; heldOut: PreferencePair[] } | null;
  rm: { params: Params; config: GptConfig; norm: ScoreNorm } | null;
  /** With the β it was trained with (its implicit reward is β·log(π_dpo/π_ref)) and RTO's β1 and clip c of that job's settings (the Score panel's RTO term). */
  dpo: { params: Params; config: GptConfig; beta: number; rto: { beta1: number; clip: number } } | null;
}

const chain: Chain = { pairs: null, rm: null, dpo: null };

export function getChain(): Readonly<Chain> {
  return chain;
}

/** New pairs make the reward model and DPO stale. */
export function setPairs(pairs: NonNullable<Chain['pairs']>): void {
  clearModels();
  chain.pairs = pairs;
}

export function setRewardModel(rm: NonNullable<Chain['rm']>): void {
  if (chain.rm) disposeParams(chain.rm.params);
  chain.rm = rm;
}

export function setDpoModel(dpo: NonNullable<Chain['dpo']>): void {
  if (chain.dpo) disposeParams(chain.dpo.params);
  chain.dpo = dpo;
}

function clearModels(): void {
  if (chain.rm) disposeParams(chain.rm.params);
  if (chain.dpo) disposeParams(chain.dpo.params);
  chain.rm = null;
  chain.dpo = null;
}

export function resetChain(): void {
  clearModels();
  chain.pairs = null;
}
