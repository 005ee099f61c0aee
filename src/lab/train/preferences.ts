/**
 * Stage 2, preference data (docs/method.md, "Tasks"): for each prompt, two responses sampled from the SFT
 * policy; the judge prefers a over b with the Bradley–Terry probability σ((g(a) − g(b))/τ) on the task's gold
 * reward g (τ → 0 is a noiseless judge). Pairs whose gold rewards tie are dropped: on sentiment most SFT pairs tie
 * at a VADER score of 0, and keeping them leaves the reward model and DPO at chance (docs/method.md, "Pitfalls").
 */
import type { GptConfig, ParamTensors } from '../model/gpt';
import { sampleResponses, taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import type { Task } from '../tasks/task';

export interface PreferencePair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
  goldChosen: number;
  goldRejected: number;
}

export interface PreferenceStats {
  prompts: number;
  pairs: number;
  ties: number;
  tieRate: number;
  /** Share of the sampled responses (two per prompt) whose gold reward is exactly 0. */
  zeroShare: number;
  /** Share of kept pairs whose chosen response has the higher gold reward. */
  agreement: number;
}

export interface PreferenceSettings {
  /** Judge temperature τ; 0 picks the higher gold reward every time. */
  temperature: number;
  /** Prompts sampled per forward batch (each twice). */
  batchSize: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** P(a ≻ b) under Bradley–Terry with temperature τ. */
export function preferenceProbability(goldA: number, goldB: number, temperature: number): number {
  const d = goldA - goldB;
  if (temperature === 0) return d > 0 ? 1 : d < 0 ? 0 : 0.5;
  return sigmoid(d / temperature);
}

/** Samples two SFT responses per prompt and judges each pair; ties are dropped and counted. */
export async function makePreferencePairs(
  task: Task,
  policy: { params: ParamTensors; config: GptConfig },
  prompts: readonly (readonly number[])[],
  settings: PreferenceSettings,
  seed: number | string,
  onProgress?: (done: number, total: number) => void,
  /** Awaited before each batch (the worker's Pause, and its chance to hear Stop); see RlRun.pauseGate. */
  pauseGate?: () => Promise<void>,
): Promise<{ pairs: PreferencePair[]; stats: PreferenceStats }> {
  const sampleRng = createRng(`${seed}:pairs:sample`);
  const judgeRng = createRng(`${seed}:pairs:judge`);
  const pairs: PreferencePair[] = [];
  let ties = 0;
  let zeros = 0;
  for (let start = 0; start < prompts.length; start += settings.batchSize) {
    await pauseGate?.();
    const chunk = prompts.slice(start, start + settings.batchSize);
    const doubled = chunk.flatMap((p) => [p, p]);
    const batch = await sampleResponses(policy.params, policy.config, doubled, taskSampleOptions(task), sampleRng);
    chunk.forEach((prompt, i) => {
      const a = batch.responses[2 * i] ?? [];
      const b = batch.responses[2 * i + 1] ?? [];
      const ga = task.goldReward(a);
      const gb = task.goldReward(b);
      zeros += (ga === 0 ? 1 : 0) + (gb === 0 ? 1 : 0);
      if (ga === gb) {
        ties += 1;
        return;
      }
      const aWins = judgeRng.next() < preferenceProbability(ga, gb, settings.temperature);
      pairs.push(
        aWins
          ? { prompt: [...prompt], chosen: a, rejected: b, goldChosen: ga, goldRejected: gb }
          : { prompt: [...prompt], chosen: b, rejected: a, goldChosen: gb, goldRejected: ga },
      );
    });
    onProgress?.(Math.min(start + settings.batchSize, prompts.length), prompts.length);
  }
  const agree = pairs.filter((p) => p.goldChosen > p.goldRejected).length;
  return {
    pairs,
    stats: {
      prompts: prompts.length,
      pairs: pairs.length,
      ties,
      tieRate: prompts.length ? ties / prompts.length : 0,
      zeroShare: prompts.length ? zeros / (2 * prompts.length) : 0,
      agreement: pairs.length ? agree / pairs.length : NaN,
    },
  };
}
