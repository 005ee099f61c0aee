/**
 * One RL iteration of a prepared lab, phase by phase, as trainRl composes it: sampling, scoring (all four models in
 * one read-back), rewards/advantages and the update's minibatch steps. The benchmark times the phases with it
 * (core.ts) and scripts/profileWebgpu counts each phase's webgpu dispatches with it: one body for both, so the two
 * measure the same work. `mark(phase)` is called as each phase ends.
 */
import type { Settings } from '../../src/lab/config';
import type { Lab } from '../../src/lab/lab/lab';
import { cloneParams, disposeParams, type Params } from '../../src/lab/model/gpt';
import { sampleResponses, type SampleBatch, type SampleOptions } from '../../src/lab/model/sample';
import { createRng } from '../../src/lab/rng';
import { rlPromptsOf, rlSettingsOf } from '../../src/lab/stageSettings';
import type { Task } from '../../src/lab/tasks/task';
import { rolloutTargets } from '../../src/lab/train/advantages';
import { epochOrder } from '../../src/lab/train/batch';
import { Adam } from '../../src/lab/train/optim';
import { makeMinibatch, ppoMinibatchStep } from '../../src/lab/train/ppo';
import { rolloutPrompts } from '../../src/lab/train/rl';
import { rewardSettingsOf, sentenceDelimiters, type RlSettings } from '../../src/lab/train/rlSettings';
import { scoreBatch, type Rollout, type RlModels } from '../../src/lab/train/rollout';

export const RL_PHASES = ['sampling', 'scoring', 'rewards/advantages', 'update'] as const;
export type RlPhase = (typeof RL_PHASES)[number];

export interface RlBench {
  method: 'ppo' | 'rto';
  settings: RlSettings;
  models: RlModels & { critic: Params };
  /** One iteration on the next prompts; `mark` is called as each phase ends. */
  iteration(mark: (phase: RlPhase) => void): Promise<{ batch: SampleBatch; rollout: Rollout }>;
  dispose(): void;
}

/** A fresh actor and critic (copies of the lab's SFT and RM models), their Adams, and the stage's prompts. */
export function rlBench(task: Task, lab: Lab, settings: Settings, method: 'ppo' | 'rto', options: SampleOptions): RlBench {
  const s = rlSettingsOf(settings, method);
  const sft = lab.sft!.model;
  const rm = lab.rm!.model;
  const norm = lab.rm!.norm;
  const config = { ...sft.config, scalarHead: false };
  const actor = cloneParams(new Map([...sft.params].filter(([name]) => name !== 'head.w')));
  const critic: Params = cloneParams(rm.params);
  const actorAdam = new Adam(actor);
  const criticAdam = new Adam(critic);
  const models: RlModels & { critic: Params } = { policy: actor, reference: sft.params, dpo: method === 'rto' ? lab.dpo!.model.params : undefined, critic, rewardModel: rm.params, norm, config };
  const { prompts } = rlPromptsOf(task, settings);
  const delimiters = sentenceDelimiters(task);
  const rng = createRng(`bench:rl:${method}`);
  const mbSize = s.promptsPerRollout / s.minibatches;
  let cursor = 0;
  return {
    method,
    settings: s,
    models,
    async iteration(mark) {
      const chosen = rolloutPrompts(s.promptsPerRollout, 1, () => prompts[cursor++ % prompts.length] ?? []);
      const batch = await sampleResponses(actor, config, chosen, options, rng);
      mark('sampling');
      const rollout = await scoreBatch(models, batch, options);
      mark('scoring');
      const targets = rolloutTargets(rollout, rewardSettingsOf(s), s, delimiters);
      mark('rewards/advantages');
      const order = epochOrder(s.promptsPerRollout, () => rng.next());
      for (let k = 0; k < s.minibatches; k++) {
        const mb = makeMinibatch(rollout, targets, order.slice(k * mbSize, (k + 1) * mbSize));
        await ppoMinibatchStep({ actor, actorAdam, critic, criticAdam, criticNorm: norm, config }, mb, options, { epsClip: s.epsClip, valueClip: s.valueClip, klCoef: 0 }, { actor: s.actorLr, critic: s.criticLr }, s.maxGradNorm);
      }
      mark('update');
      return { batch, rollout };
    },
    dispose() {
      actorAdam.dispose();
      criticAdam.dispose();
      disposeParams(actor);
      disposeParams(critic);
    },
  };
}
