/**
 * How well the DPO-extracted token reward β·(ℓ_dpo − ℓ_ref) recovers the true token reward r* (oracle task; the
 * paper's claim that DPO learns a token-level reward). Correlations over every response token of held-out pairs.
 * The estimate is taken in the action space RL samples from (taskSampleOptions; dpo.ts's file comment says why), so
 * it is, up to the factor β1/β and RTO's clip, the very term RL trains on.
 */
import type { GptConfig, ParamTensors } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import type { Task } from '../tasks/task';
import { dpoTokenRewards } from '../train/dpo';
import { packPairs } from '../train/pairBatch';
import type { PreferencePair } from '../train/preferences';
import { pearson, spearman } from './correlation';
import { yieldTurn } from '../yieldTurn';

export interface TokenRewardAgreement {
  tokens: number;
  pearson: number;
  spearman: number;
}

export async function tokenRewardAgreement(
  task: Task,
  policy: ParamTensors,
  reference: ParamTensors,
  config: GptConfig,
  pairs: readonly PreferencePair[],
  beta: number,
  batchSize = 128,
): Promise<TokenRewardAgreement> {
  const trueRewards = task.trueTokenRewards;
  if (!trueRewards) throw new Error(`the ${task.name} task has no true token reward`);
  const space = taskSampleOptions(task);
  const estimated: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < pairs.length; i += batchSize) {
    const slice = pairs.slice(i, i + batchSize);
    const b = packPairs(slice, config.contextLength);
    const rewards = dpoTokenRewards(policy, reference, config, b, beta, space);
    const values = await rewards.data<'float32'>();
    rewards.dispose();
    await yieldTurn();
    const rows = [...slice.map((p) => [p.prompt, p.chosen] as const), ...slice.map((p) => [p.prompt, p.rejected] as const)];
    rows.forEach(([prompt, response], row) => {
      const r = trueRewards(prompt, response);
      // Every response token, <eos> excluded: with a fixed horizon its true reward is a constant 0.
      for (let h = 0; h < response.length - 1; h++) {
        estimated.push(values[row * b.length + prompt.length + h] ?? NaN);
        truth.push(r[h] ?? NaN);
      }
    });
  }
  return { tokens: truth.length, pearson: pearson(estimated, truth), spearman: spearman(estimated, truth) };
}
