import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { evaluatePolicy } from '../eval/policyEval';
import { disposeParams } from '../model/gpt';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { adoptBaselines, EVAL_SEED, handedBaselines, sftBaseline } from './rlBaseline';
import { opinionatedGpt, UNTRAINED_CONFIG } from './untrainedRlFixture';

describe('the SFT baseline of the evaluations', () => {
  let task: Task;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
  });

  it('is computed once per model, seed and prompts, and equals a fresh evaluation to the bit', async () => {
    const sft = { params: opinionatedGpt('baseline-test:sft'), config: UNTRAINED_CONFIG };
    const prompts = task.heldOut.slice(0, 12).map((e) => e.prompt);
    const first = sftBaseline(task, sft, prompts, 5);
    // The DPO stage, PPO and RTO ask with prompts made anew each time: the same baseline comes back.
    expect(sftBaseline(task, sft, prompts.map((p) => [...p]), 5)).toBe(first);
    const fresh = await evaluatePolicy(task, sft.params, null, UNTRAINED_CONFIG, prompts, EVAL_SEED(5));
    const got = await first;
    expect(got.gold).toEqual(fresh.golds);
    expect(got.evaluation.responses).toEqual(fresh.responses);
    expect(got.evaluation).toMatchObject({ gold: fresh.gold, kl: 0, winRate: 0.5, winRateSe: 0 });
    // Another seed, other prompts or another model: computed for them.
    expect(sftBaseline(task, sft, prompts, 6)).not.toBe(first);
    expect(sftBaseline(task, sft, prompts.slice(1), 5)).not.toBe(first);
    const other = { params: opinionatedGpt('baseline-test:other'), config: UNTRAINED_CONFIG };
    const otherBaseline = sftBaseline(task, other, prompts, 5);
    expect(otherBaseline).not.toBe(first);
    await Promise.all([sftBaseline(task, sft, prompts, 6), sftBaseline(task, sft, prompts.slice(1), 5), otherBaseline]);
    const before = tf.memory().numTensors;
    expect(await sftBaseline(task, sft, prompts, 5)).toBe(got);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(sft.params);
    disposeParams(other.params);
  });

  it("handed to another worker's copy of the model, is that copy's own to the bit and not computed again there", async () => {
    const prompts = task.heldOut.slice(0, 10).map((e) => e.prompt);
    const here = { params: opinionatedGpt('baseline-test:handed'), config: UNTRAINED_CONFIG };
    expect(handedBaselines(here.params)).toEqual([]); // nothing computed yet
    const computedHere = await sftBaseline(task, here, prompts, 9);
    // Through postMessage: plain data, the model's tensors left out.
    const handed = structuredClone(handedBaselines(here.params));
    expect(handed).toHaveLength(1);
    // The other worker's copy of the same weights, and a third copy that computes its own.
    const copy = { params: opinionatedGpt('baseline-test:handed'), config: UNTRAINED_CONFIG };
    const third = { params: opinionatedGpt('baseline-test:handed'), config: UNTRAINED_CONFIG };
    adoptBaselines(copy.params, handed);
    let adopted: Awaited<ReturnType<typeof sftBaseline>> | undefined;
    const asked = await tf.profile(async () => {
      adopted = await sftBaseline(task, copy, prompts.map((p) => [...p]), 9);
      return [];
    });
    expect(asked.kernels).toEqual([]); // not computed again
    if (!adopted) throw new Error('no baseline');
    const own = await sftBaseline(task, third, prompts, 9);
    expect(adopted.gold).toEqual(own.gold);
    expect(adopted.evaluation).toEqual(own.evaluation);
    expect(adopted.sample.batch).toEqual(own.sample.batch);
    // The sample names the copy's own tensors, so an RL run from the copy reuses it at iteration 0 (sameSample).
    expect(adopted.sample.policy).toBe(copy.params);
    expect(adopted.evaluation).toEqual(computedHere.evaluation);
    // Another seed is not among those handed: the copy computes it.
    const other = await tf.profile(async () => {
      await sftBaseline(task, copy, prompts, 10);
      return [];
    });
    expect(other.kernels.length).toBeGreaterThan(0);
    for (const m of [here, copy, third]) disposeParams(m.params);
  });
});
