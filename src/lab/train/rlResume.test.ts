import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent } from '../events';
import type { RlResumeState } from '../lab/snapshot';
import { disposeParams, initGpt, paramsFromTensors, type GptConfig, type Params } from '../model/gpt';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { NonFiniteError } from './finite';
import { trainRl, type RlResult, type RlRun } from './rl';
import { sftBaseline } from './rlBaseline';
import type { RlSettings } from './rlSettings';
import { Adam } from './optim';
import { captureRlState, paramsToBlobs } from './rlResume';
import { opinionatedGpt, UNTRAINED_CONFIG, untrainedRlSettings } from './untrainedRlFixture';

const strip = ({ 'tokens/s': _speed, ...rest }: Record<string, number>) => rest;
const metricsOf = (events: StageEvent[]) => events.filter((e): e is Extract<StageEvent, { type: 'metrics' }> => e.type === 'metrics');

/** The largest |a − b| over two lists of records with the same keys (a missing key or NaN counts as ∞). */
function maxDiff(a: Record<string, number>[], b: Record<string, number>[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) worst = Math.max(worst, Math.abs((x[k] ?? NaN) - (y[k] ?? NaN)) || (x[k] === y[k] ? 0 : Infinity));
  });
  return worst;
}

async function weightsDiff(a: Params, b: Params): Promise<number> {
  const [x, y] = await Promise.all([paramsToBlobs(a), paramsToBlobs(b)]);
  expect(x.map((t) => t.name)).toEqual(y.map((t) => t.name));
  let worst = 0;
  x.forEach((t, i) => t.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - y[i]!.data[j]!)))));
  return worst;
}

describe('resuming an RL run from a checkpoint', () => {
  const config = UNTRAINED_CONFIG;
  let task: Task;
  let sft: Params;
  let dpo: Params;
  let rm: Params;
  let base: Omit<RlRun, 'settings'>;

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('resume-test:sft');
    dpo = opinionatedGpt('resume-test:dpo');
    rm = initGpt({ ...config, scalarHead: true }, createRng('resume-test:rm'));
    // 40 prompts, 16 per rollout: the prompt stream's epochs straddle the stop (an epoch ends inside iteration 3).
    const prompts = task.train.slice(0, 40).map((e) => e.prompt);
    const evalPrompts = task.heldOut.slice(0, 8).map((e) => e.prompt);
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 11);
    base = {
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } },
      dpo: { params: dpo, config },
      seed: 11,
      prompts,
      evalPrompts,
      baseline,
    };
  });

  for (const mode of ['ppo', 'rto'] as const) {
    it(`${mode}: N iterations in one go equal k, a checkpoint, everything disposed, then the rest from the checkpoint`, async () => {
      const N = 6;
      const k = 3;
      // evalEvery 2: the stop falls between two evaluations, so the history carries one over; heatmaps at 1, 3, 6.
      const settings = untrainedRlSettings({ mode, iterations: N, evalEvery: 2, tokensEvery: 3 });
      const fullEvents: StageEvent[] = [];
      const full = await trainRl({ ...base, settings, onEvent: (e) => fullEvents.push(e) });

      // The interrupted run: checkpoints every iteration, keeps the one at k, stops there.
      const firstEvents: (StageEvent | 'checkpoint')[] = [];
      let saved: RlResumeState | null = null;
      const before = tf.memory().numTensors;
      const first = await trainRl({
        ...base,
        settings,
        checkpointEvery: 1,
        onEvent: (e) => firstEvents.push(e),
        onCheckpoint: (state) => {
          firstEvents.push('checkpoint');
          if (state.iteration === k) saved = state;
        },
        shouldStop: () => saved !== null,
      });
      expect(first.iterations).toBe(k);
      disposeParams(first.params);
      expect(tf.memory().numTensors).toBe(before); // nothing of the first run survives: the resume starts from data only
      // The checkpoint of an iteration comes after that iteration's metrics and tokens events.
      const kEvents = firstEvents.map((e) => (e === 'checkpoint' ? 'checkpoint' : `${e.type}:${e.step}`));
      expect(kEvents.slice(-3)).toEqual([`metrics:${k}`, `tokens:${k}`, 'checkpoint']);
      const state = structuredClone(saved!); // as IndexedDB would store it
      expect(state.iteration).toBe(k);
      expect(state.step).toBe(k * settings.minibatches);
      expect(state.history.map((p) => p.iteration)).toEqual([0, 2]);

      const restEvents: StageEvent[] = [];
      const rest = await trainRl({ ...base, settings, resume: state, onEvent: (e) => restEvents.push(e) });

      // No gaps, no repeats: 0..k from the first call, k+1..N from the second (iteration 0 is not re-emitted).
      const steps = [...metricsOf(firstEvents.filter((e): e is StageEvent => e !== 'checkpoint')), ...metricsOf(restEvents)].map((e) => e.step);
      expect(steps).toEqual(Array.from({ length: N + 1 }, (_, i) => i));
      // Every metric of every later iteration, but the wall-clock speed.
      const fullAfter = metricsOf(fullEvents).filter((e) => e.step > k);
      const metricsDiff = maxDiff(fullAfter.map((e) => strip(e.values)), metricsOf(restEvents).map((e) => strip(e.values)));
      expect(metricsDiff).toBeLessThanOrEqual(1e-6);
      // The heatmap rows too.
      const tokensOf = (events: StageEvent[], after: number) => events.filter((e) => e.type === 'tokens' && e.step > after);
      expect(tokensOf(restEvents, k)).toEqual(tokensOf(fullEvents, k));
      // The result covers the whole run.
      expect(rest.iterations).toBe(N);
      expect(rest.episodes).toBe(full.episodes);
      expect(maxDiff(rest.history as unknown as Record<string, number>[], full.history as unknown as Record<string, number>[])).toBeLessThanOrEqual(1e-6);
      const finalDiff = Math.max(...(['gold', 'kl', 'length'] as const).map((key) => Math.abs(rest.final[key] - full.final[key])));
      expect(finalDiff).toBeLessThanOrEqual(1e-6);
      const actorDiff = await weightsDiff(rest.params, full.params);
      expect(actorDiff).toBeLessThanOrEqual(1e-6);
      console.log(`${mode} resume at ${k}/${N}: max |Δ| metrics ${metricsDiff}, final gold/kl/length ${finalDiff}, actor weights ${actorDiff}`);
      disposeParams(rest.params);
      disposeParams(full.params);
    });
  }

  it('refuses a state that does not belong to the run, and says why', async () => {
    const settings = untrainedRlSettings({ iterations: 3, evalEvery: 1, tokensEvery: 0 });
    let saved: RlResumeState | null = null;
    const r = await trainRl({ ...base, settings, checkpointEvery: 1, onCheckpoint: (s) => (saved ??= s), shouldStop: () => saved !== null });
    disposeParams(r.params);
    const state = saved!;
    const before = tf.memory().numTensors;
    const resume = (over: Partial<RlResumeState>, s: Partial<RlSettings> = {}, run: Partial<RlRun> = {}) => trainRl({ ...base, ...run, settings: { ...settings, ...s }, resume: { ...state, ...over } });
    const bigger: GptConfig = { ...config, width: 32 };
    const wide = initGpt(bigger, createRng('wide'));
    // A state from a wider model: the tensor and both shapes are named.
    await expect(resume({}, {}, { sft: { params: wide, config: bigger } })).rejects.toThrow(/the saved actor's tensor "wte" is \[24, 16\] where the model's is \[24, 32\]/);
    disposeParams(wide);
    await expect(resume({ actor: state.actor.slice(1) })).rejects.toThrow(/lacks the model's tensor/);
    await expect(resume({ critic: [...state.critic!, { name: 'extra', shape: [1], data: new Float32Array(1) }] })).rejects.toThrow(/critic has a tensor "extra"/);
    await expect(resume({ actorAdam: { ...state.actorAdam, m: state.actorAdam.m.map((b, i) => (i === 0 ? { ...b, data: b.data.slice(1) } : b)) } })).rejects.toThrow(/the saved actor's Adam first moment's tensor "wte" \[24, 16\] holds 383 numbers, not 384/);
    await expect(resume({}, { estimator: 'reinforce++' })).rejects.toThrow(/has a critic, and this run has none/);
    await expect(resume({}, { iterations: 0 })).rejects.toThrow(/this run has only 0/);
    await expect(resume({}, {}, { prompts: base.prompts.slice(0, 20) })).rejects.toThrow(/not a permutation of this run's 20 prompts/);
    await expect(resume({ step: state.step + 1 })).rejects.toThrow(/minibatches are 4 steps, and it says 5/);
    await expect(resume({ rng: { state: -3, spareNormal: null } })).rejects.toThrow(/32-bit/);
    expect(tf.memory().numTensors).toBe(before); // a refused state leaves nothing behind
  });

  it('never hands out a checkpoint with a non-finite number in it (a NaN critic stops the run before its first one)', async () => {
    // A critic with a NaN in its head: the run computes its values from it, so the rollout's guard stops it first.
    const settings = untrainedRlSettings({ iterations: 2, evalEvery: 1, tokensEvery: 0 });
    const poisoned = initGpt({ ...config, scalarHead: true }, createRng('resume-test:rm'));
    const head = poisoned.get('head.w')!;
    head.assign(tf.tidy(() => tf.mul(head, tf.scalar(NaN))));
    const states: RlResumeState[] = [];
    const run = trainRl({ ...base, settings, rewardModel: { ...base.rewardModel, params: poisoned }, checkpointEvery: 1, onCheckpoint: (s) => states.push(s) });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as NonFiniteError).message).toMatch(/^ppo stopped at iteration 1: (value|reward-model score) is NaN/);
    expect(states).toHaveLength(0);
    disposeParams((error as NonFiniteError).params!);
    disposeParams(poisoned);
    // And the checkpoint's own guard, on a state whose actor holds an ∞.
    const w = tf.tensor2d([[1, Infinity], [0, 2]]);
    const actor = paramsFromTensors([['w', w]]);
    w.dispose();
    const adam = new Adam(actor);
    const live = { iteration: 4, step: 4, episodes: 8, actor, critic: undefined, actorAdam: adam, criticAdam: undefined, rng: createRng(1), promptStream: { order: [0], index: 1 }, history: [] };
    const ctx = { stage: 'rto', step: 4, unit: 'iteration', models: 1, advice: 'Lower the learning rate.' } as const;
    const refused = await captureRlState(live, ctx).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NonFiniteError);
    expect((refused as NonFiniteError).message).toBe('rto stopped at iteration 4: checkpoint actor tensor "w" is Infinity (non-finite); the model from before this step is kept. Lower the learning rate.');
    actor.get('w')!.assign(tf.tensor2d([[1, 3], [0, 2]]));
    const ok = await captureRlState({ ...live, history: [{ iteration: 0, episodes: 0, gold: NaN, goldSe: 0, winRate: 0.5, winRateSe: 0, kl: 0, length: 3 }] }, ctx).catch((e: unknown) => e);
    expect((ok as Error).message).toMatch(/checkpoint evaluation gold at iteration 0 is NaN/);
    const good = await captureRlState(live, ctx);
    expect(Array.from(good.actor[0]!.data)).toEqual([1, 3, 0, 2]);
    adam.dispose();
    disposeParams(actor);
  });
});

describe('an RL run with checkpoints every iteration', () => {
  it('holds the same number of tensors at iterations 10 and 500 (width 8, one layer, 4 prompts)', async () => {
    await useNodeBackend('wasm');
    const config: GptConfig = { vocabSize: 24, contextLength: 16, layers: 1, heads: 2, width: 8, scalarHead: false };
    const task = oracleTask({ seed: 5, sftExamples: 50 });
    const sft = initGpt(config, createRng('memory:sft'));
    const rm = initGpt({ ...config, scalarHead: true }, createRng('memory:rm'));
    const evalPrompts = task.heldOut.slice(0, 2).map((e) => e.prompt);
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 1);
    const counts = new Map<number, number>();
    let checkpoints = 0;
    let latest: RlResumeState | null = null;
    const started = performance.now();
    const r: RlResult = await trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0, std: 1 } },
      settings: untrainedRlSettings({ iterations: 500, promptsPerRollout: 2, minibatches: 1, evalEvery: 1000, tokensEvery: 0 }),
      seed: 1,
      prompts: task.train.slice(0, 4).map((e) => e.prompt),
      evalPrompts,
      baseline,
      checkpointEvery: 1,
      onCheckpoint: (s) => {
        latest = s;
        checkpoints += 1;
      },
      onEvent: (e) => {
        if (e.type === 'metrics' && (e.step === 10 || e.step === 500)) counts.set(e.step, tf.memory().numTensors);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`500 RL iterations with a checkpoint each: ${seconds.toFixed(1)} s; numTensors at 10: ${counts.get(10)}, at 500: ${counts.get(500)}`);
    expect(r.iterations).toBe(500);
    expect(checkpoints).toBe(499); // every iteration but the last
    expect(latest!.iteration).toBe(499);
    expect(counts.get(10)).toBeGreaterThan(0);
    expect(counts.get(500)).toBe(counts.get(10));
    disposeParams(r.params);
    disposeParams(sft);
    disposeParams(rm);
  }, 120_000);
});
