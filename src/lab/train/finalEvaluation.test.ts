import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent } from '../events';
import { disposeParams, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { evaluateDpo, trainDpo } from './dpo';
import { pairLogProbs } from './pairLogProbs';
import { makePreferencePairs, type PreferencePair } from './preferences';
import { evaluateRewardModel, trainRewardModel } from './rm';
import { opinionatedGpt, UNTRAINED_CONFIG } from './untrainedRlFixture';

// The reward model and DPO report their held-out evaluation of the final weights. The last step's evaluation is that
// one when the last step evaluated; a run stopped between evaluations must evaluate again.
describe('the final held-out evaluation of the reward model and DPO', () => {
  const config = UNTRAINED_CONFIG;
  let task: Task;
  let sft: Params;
  let train: PreferencePair[];
  let heldOut: PreferencePair[];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('final-eval:sft');
    const model = { params: sft, config };
    train = (await makePreferencePairs(task, model, task.train.slice(0, 40).map((e) => e.prompt), { temperature: 1, batchSize: 40 }, 'final-eval:train')).pairs;
    heldOut = (await makePreferencePairs(task, model, task.heldOut.slice(0, 16).map((e) => e.prompt), { temperature: 1, batchSize: 16 }, 'final-eval:held-out')).pairs;
    expect(train.length).toBeGreaterThan(16);
  });

  /** Stops after `n` steps (null: never). */
  const stopAfter = (n: number | null) => {
    let done = 0;
    return { onEvent: (e: StageEvent) => void (e.type === 'metrics' && (done += 1)), shouldStop: () => n !== null && done >= n };
  };
  // 2 epochs of ⌈train / 8⌉ steps, evaluated every 2 steps and at the last: stopped after 3, the last evaluation is stale.
  const common = { epochs: 2, batchSize: 8, warmupFraction: 0, floorFraction: 0.1, maxGradNorm: 1, evalEvery: 2 };

  it('reward model: equals a fresh evaluation of the weights it returns, run to the end or stopped after step 3', async () => {
    for (const stop of [null, 3]) {
      const r = await trainRewardModel({ sft: { params: sft, config }, train, heldOut, settings: { ...common, lr: 3e-2 }, seed: 5, ...stopAfter(stop) });
      if (stop !== null) expect(r.steps).toBe(stop);
      const fresh = await evaluateRewardModel(r.params, r.config, heldOut);
      expect({ ...r.heldOut, scores: fresh.scores }).toEqual(fresh);
      disposeParams(r.params);
    }
  });

  it('DPO: equals a fresh evaluation of the policy it returns, run to the end or stopped after step 3', async () => {
    const space = taskSampleOptions(task);
    const reference = await pairLogProbs(sft, config, heldOut, space);
    for (const stop of [null, 3]) {
      const r = await trainDpo({ sft: { params: sft, config }, train, heldOut, settings: { ...common, lr: 1e-2, beta: 0.1 }, actionSpace: space, seed: 5, ...stopAfter(stop) });
      if (stop !== null) expect(r.steps).toBe(stop);
      expect(r.heldOut).toEqual(await evaluateDpo(r.params, r.config, heldOut, reference, 0.1, space));
      disposeParams(r.params);
    }
  });
});
