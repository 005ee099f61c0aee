import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent } from '../events';
import { disposeParams, initGpt, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { trainDpo, type DpoSettings } from './dpo';
import { assertFinite, firstNonFinite, NonFiniteError } from './finite';
import { makePreferencePairs, type PreferencePair } from './preferences';
import { trainRl } from './rl';
import { sftBaseline } from './rlBaseline';
import type { RlSettings } from './rlSettings';
import { paramsToBlobs } from './rlResume';
import { trainRewardModel, type RmSettings } from './rm';
import { runSft, type SftSettings } from './sft';
import { opinionatedGpt, UNTRAINED_CONFIG, untrainedRlSettings } from './untrainedRlFixture';

describe('finding non-finite numbers', () => {
  it('names the first non-finite number in the order given, in scalars and arrays alike', () => {
    expect(firstNonFinite({ loss: 1, norm: 2, values: new Float32Array([0, 1]) })).toBeNull();
    expect(firstNonFinite({ loss: 1, values: new Float32Array([0, Infinity, NaN]), norm: NaN })).toEqual({ metric: 'values', value: Infinity });
    expect(firstNonFinite({ loss: -Infinity, norm: NaN })).toEqual({ metric: 'loss', value: -Infinity });
    const ctx = { stage: 'rto', step: 7, unit: 'iteration', models: 2, advice: 'Lower the learning rates (actor 0.0005, critic 0.001).' } as const;
    expect(() => assertFinite(ctx, { 'policy loss': NaN })).toThrow(
      'rto stopped at iteration 7: policy loss is NaN (non-finite); the models from before this step are kept. Lower the learning rates (actor 0.0005, critic 0.001).',
    );
    try {
      assertFinite(ctx, { 'value loss': 3, advantage: [1, -Infinity] });
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteError);
      expect({ ...(e as NonFiniteError) }).toMatchObject({ stage: 'rto', step: 7, metric: 'advantage', value: -Infinity, params: null });
    }
  });
});

/** The largest |a − b| over two models' weights (∞ if either holds a non-finite number). */
async function weightsDiff(a: Params, b: Params): Promise<number> {
  const [x, y] = await Promise.all([paramsToBlobs(a), paramsToBlobs(b)]);
  expect(x.map((t) => t.name)).toEqual(y.map((t) => t.name));
  let worst = 0;
  x.forEach((t, i) => t.data.forEach((v, j) => (worst = Math.max(worst, Number.isFinite(v) ? Math.abs(v - y[i]!.data[j]!) : Infinity))));
  return worst;
}

/**
 * Runs a stage that must fail, checks its NonFiniteError, and compares the model it hands over with the same run
 * stopped (shouldStop) just before the failing step: equal, weight for weight.
 */
async function expectKeptWeights(
  run: (stopAfter: number | null, onEvent: (e: StageEvent) => void) => Promise<{ params: Params }>,
  expected: { stage: string; unit: 'step' | 'iteration'; metric?: RegExp; step?: number },
): Promise<NonFiniteError> {
  const before = tf.memory().numTensors;
  const error = await run(null, () => {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NonFiniteError);
  const e = error as NonFiniteError;
  expect(e.stage).toBe(expected.stage);
  if (expected.step !== undefined) expect(e.step).toBe(expected.step);
  if (expected.metric) expect(e.metric).toMatch(expected.metric);
  expect(Number.isFinite(e.value)).toBe(false);
  expect(e.message.startsWith(`${expected.stage} stopped at ${expected.unit} ${e.step}: ${e.metric} is ${e.value} (non-finite); the model`)).toBe(true);
  expect(e.params).not.toBeNull();
  // Exactly one model comes out of the failed stage; the rest is freed.
  expect(tf.memory().numTensors - before).toBe(e.params!.size);
  const reference = await run(e.step - 1, () => {});
  const diff = await weightsDiff(e.params!, reference.params);
  expect(diff).toBe(0);
  disposeParams(reference.params);
  disposeParams(e.params!);
  expect(tf.memory().numTensors).toBe(before);
  return e;
}

/** shouldStop and onEvent for "stop after n metrics events with step ≥ 1" (null: never). */
function stopper(n: number | null) {
  let done = 0;
  return {
    onEvent: (e: StageEvent) => {
      if (e.type === 'metrics' && e.step >= 1) done += 1;
    },
    shouldStop: () => n !== null && done >= n,
  };
}

describe('a NaN or ∞ stops each stage at the right step and keeps the weights from before it', () => {
  const config = UNTRAINED_CONFIG;
  let task: Task;
  let sft: Params;
  let rm: Params;
  let dpo: Params;
  let train: PreferencePair[];
  let heldOut: PreferencePair[];
  const found: string[] = [];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('finite-test:sft');
    dpo = opinionatedGpt('finite-test:dpo');
    rm = initGpt({ ...config, scalarHead: true }, createRng('finite-test:rm'));
    const model = { params: sft, config };
    train = (await makePreferencePairs(task, model, task.train.slice(0, 48).map((e) => e.prompt), { temperature: 1, batchSize: 48 }, 'finite:train')).pairs;
    heldOut = (await makePreferencePairs(task, model, task.heldOut.slice(0, 16).map((e) => e.prompt), { temperature: 1, batchSize: 16 }, 'finite:held-out')).pairs;
    expect(train.length).toBeGreaterThan(16);
  });

  const sftSettings = (over: Partial<SftSettings>): SftSettings => ({
    steps: 12,
    batchSize: 16,
    lr: 1e-2,
    warmupFraction: 0,
    floorFraction: 0.1,
    maxGradNorm: 1,
    evalEvery: 100,
    sampleEvery: 100,
    evalExamples: 16,
    samples: 0,
    sampleTemperature: 1,
    ...over,
  });
  const runSftWith = (over: Partial<SftSettings>) => (stopAfter: number | null) =>
    runSft({ task, model: { layers: 1, heads: 2, width: 16 }, settings: sftSettings(over), seed: 4, ...stopper(stopAfter) });

  it('SFT: a learning rate that diverges (1e30) stops it mid-run; an infinite one at step 1', async () => {
    const e = await expectKeptWeights(runSftWith({ lr: 1e30 }), { stage: 'sft', unit: 'step', metric: /^(loss|gradient norm)$/ });
    expect(e.step).toBeGreaterThan(1); // a step with finite numbers was taken first, and kept
    found.push(`sft: step ${e.step}, ${e.metric} ${e.value}`);
    const inf = await expectKeptWeights(runSftWith({ lr: Infinity }), { stage: 'sft', unit: 'step', metric: /^learning rate$/, step: 1 });
    expect(inf.message).toMatch(/Lower the learning rate \(now Infinity\)\.$/);
  });

  const rmSettings = (over: Partial<RmSettings>): RmSettings => ({ epochs: 3, batchSize: 8, lr: 3e-3, warmupFraction: 0, floorFraction: 0.1, maxGradNorm: 1, evalEvery: 100, ...over });
  const runRmWith = (over: Partial<RmSettings>) => (stopAfter: number | null) =>
    trainRewardModel({ sft: { params: sft, config }, train, heldOut, settings: rmSettings(over), seed: 4, ...stopper(stopAfter) });

  it('reward model: a diverging learning rate stops it with the step and the number', async () => {
    const e = await expectKeptWeights(runRmWith({ lr: 1e30 }), { stage: 'rm', unit: 'step' });
    expect(e.step).toBeGreaterThan(1);
    found.push(`rm: step ${e.step}, ${e.metric} ${e.value}`);
    await expectKeptWeights(runRmWith({ lr: Infinity }), { stage: 'rm', unit: 'step', metric: /^learning rate$/, step: 1 });
  });

  const dpoSettings = (over: Partial<DpoSettings>): DpoSettings => ({ epochs: 3, batchSize: 8, lr: 1e-3, beta: 0.1, warmupFraction: 0, floorFraction: 0.1, maxGradNorm: 1, evalEvery: 100, ...over });
  const runDpoWith = (over: Partial<DpoSettings>) => (stopAfter: number | null) =>
    trainDpo({ sft: { params: sft, config }, train, heldOut, settings: dpoSettings(over), actionSpace: taskSampleOptions(task), seed: 4, ...stopper(stopAfter) });

  it('DPO: a diverging learning rate stops it with the step and the number', async () => {
    const e = await expectKeptWeights(runDpoWith({ lr: 1e30 }), { stage: 'dpo', unit: 'step' });
    expect(e.step).toBeGreaterThan(1);
    found.push(`dpo: step ${e.step}, ${e.metric} ${e.value}`);
    await expectKeptWeights(runDpoWith({ lr: Infinity }), { stage: 'dpo', unit: 'step', metric: /^learning rate$/, step: 1 });
    // A broken SFT model (a NaN weight) is refused before the first step, saying what to do about it.
    const broken = opinionatedGpt('finite-test:sft');
    const wte = broken.get('wte')!;
    wte.assign(tf.tidy(() => tf.mul(wte, tf.scalar(NaN))));
    const before = tf.memory().numTensors;
    const refused = (await trainDpo({ sft: { params: broken, config }, train, heldOut, settings: dpoSettings({}), actionSpace: taskSampleOptions(task), seed: 4 }).catch((x: unknown) => x)) as NonFiniteError;
    expect(refused).toBeInstanceOf(NonFiniteError);
    expect(refused.message).toMatch(/^dpo stopped at step 1: reference log-prob \(train pairs\) is NaN \(non-finite\); .* retrain it with a lower learning rate\.$/);
    disposeParams(refused.params!);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(broken);
  });

  const runRlWith = (over: Partial<RlSettings>) => async (stopAfter: number | null) => {
    const evalPrompts = task.heldOut.slice(0, 4).map((e) => e.prompt);
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 4);
    return trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } },
      dpo: { params: dpo, config },
      // One minibatch per iteration: a stop between iterations is a stop between optimiser steps.
      settings: untrainedRlSettings({ iterations: 12, minibatches: 1, warmupFraction: 0, evalEvery: 100, tokensEvery: 0, ...over }),
      seed: 4,
      prompts: task.train.slice(0, 32).map((e) => e.prompt),
      evalPrompts,
      baseline,
      ...stopper(stopAfter),
    });
  };

  it('RL: a diverging actor or critic stops RTO and PPO at the iteration, and the actor is the one before it', async () => {
    const actor = await expectKeptWeights(runRlWith({ mode: 'rto', actorLr: 1e30 }), { stage: 'rto', unit: 'iteration' });
    expect(actor.step).toBeGreaterThan(1);
    expect(actor.message).toMatch(/Lower the learning rates \(actor 1e\+30, critic 0\.01\)\.$/);
    found.push(`rto (actor LR 1e30): iteration ${actor.step}, ${actor.metric} ${actor.value}`);
    const critic = await expectKeptWeights(runRlWith({ mode: 'ppo', criticLr: 1e30 }), { stage: 'ppo', unit: 'iteration' });
    expect(critic.step).toBeGreaterThan(1);
    found.push(`ppo (critic LR 1e30): iteration ${critic.step}, ${critic.metric} ${critic.value}`);
    await expectKeptWeights(runRlWith({ mode: 'ppo', actorLr: Infinity }), { stage: 'ppo', unit: 'iteration', metric: /^actor's learning rate$/, step: 1 });
    // Four minibatches per rollout: the first step diverges, the second's loss is NaN on the device, so the
    // optimiser skips it (no rollout in between to catch it first). The actor handed over is the finite one.
    const before = tf.memory().numTensors;
    const mid = (await runRlWith({ mode: 'rto', actorLr: 1e30, minibatches: 4 })(null).catch((e: unknown) => e)) as NonFiniteError;
    expect(mid).toBeInstanceOf(NonFiniteError);
    expect(mid.step).toBe(1);
    expect(mid.metric).toMatch(/^(policy loss|actor gradient norm|new policy log-prob|approximate KL|clip fraction)$/);
    expect((await paramsToBlobs(mid.params!)).every((b) => b.data.every(Number.isFinite))).toBe(true);
    found.push(`rto (actor LR 1e30, 4 minibatches): iteration ${mid.step}, ${mid.metric} ${mid.value}`);
    disposeParams(mid.params!);
    expect(tf.memory().numTensors).toBe(before);
    // REINFORCE++ has no critic: one model, one learning rate in the advice.
    const solo = await expectKeptWeights(runRlWith({ mode: 'rto', estimator: 'reinforce++', actorLr: 1e30 }), { stage: 'rto', unit: 'iteration' });
    expect(solo.message).toMatch(/the model from before this step is kept\. Lower the actor's learning rate \(now 1e\+30\)\.$/);
    found.push(`rto reinforce++ (actor LR 1e30): iteration ${solo.step}, ${solo.metric} ${solo.value}`);
    console.log(`where the guard fired:\n  ${found.join('\n  ')}`);
  });
});
