/**
 * The models and data the later stages build on the worker's SFT model, read from the worker's lab
 * (labSession.ts; src/lab/lab/lab.ts says what a change invalidates): the preference pairs, the reward model (with
 * its score normalisation) and the DPO policy.
 */
import type { GptConfig, Params } from '../lab/model/gpt';
import type { PreferencePair } from '../lab/train/preferences';
import type { ScoreNorm } from '../lab/train/rm';
import { currentLab } from './labSession';

export interface Chain {
  pairs: { train: PreferencePair[]; heldOut: PreferencePair[] } | null;
  rm: { params: Params; config: GptConfig; norm: ScoreNorm } | null;
  /** With the β it was trained with (its implicit reward is β·log(π_dpo/π_ref)) and RTO's β1 and clip c of that job's settings (the Score panel's RTO term). */
  dpo: { params: Params; config: GptConfig; beta: number; rto: { beta1: number; clip: number } } | null;
}

export function getChain(): Readonly<Chain> {
  const lab = currentLab();
  return {
    pairs: lab?.pairs ?? null,
    rm: lab?.rm ? { params: lab.rm.model.params, config: lab.rm.model.config, norm: lab.rm.norm } : null,
    dpo: lab?.dpo ? { params: lab.dpo.model.params, config: lab.dpo.model.config, beta: lab.dpo.beta, rto: lab.dpo.rto } : null,
  };
}
