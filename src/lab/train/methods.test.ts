/**
 * The methods table (methods.ts) and the group methods in the RL loop, on untrained models on the oracle task
 * (untrainedRlFixture.ts): every row runs, keeps tf.memory() flat, samples G responses per prompt where it should,
 * and a group method's run resumes from a checkpoint like PPO's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings, validateSettings } from '../config';
import type { StageEvent } from '../events';
import type { RlResumeState } from '../lab/snapshot';
import { disposeParams, initGpt, type Params } from '../model/gpt';
import { createRng } from '../rng';
import { rlSettingsOf } from '../stageSettings';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { METHOD_NAMES, METHODS, methodOf, type MethodName } from './methods';
import { REWARD_MODES } from './rewards';
import { trainRl, type RlRun } from './rl';
import { sftBaseline } from './rlBaseline';
import type { RlSettings } from './rlSettings';
import { ofSequence } from './rollout';
import { opinionatedGpt, UNTRAINED_CONFIG } from './untrainedRlFixture';

const config = UNTRAINED_CONFIG;
const labSettings = resolveSettings('tiny', {}, 'oracle');
/** A method's settings from the table (rlSettingsOf), at the fixture's size. */
const settingsOf = (name: MethodName, over: Partial<RlSettings> = {}, lab: Record<string, number> = {}): RlSettings => ({
  ...rlSettingsOf({ ...labSettings, ...lab }, name),
  iterations: 2,
  promptsPerRollout: 16,
  minibatches: 4,
  actorLr: 3e-3,
  criticLr: 1e-2,
  evalEvery: 2,
  tokensEvery: 2,
  tokenRows: 2,
  ...over,
});

describe('the methods table', () => {
  it('has every reward mode as a method of its own name, and rows that agree with themselves', () => {
    expect(METHODS.map((m) => m.name)).toEqual([...METHOD_NAMES]);
    for (const mode of REWARD_MODES) expect(methodOf(mode).reward).toBe(mode);
    for (const m of METHODS) {
      expect(m.needsCritic).toBe(m.estimator === 'gae');
      expect(m.needsDpo).toBe(m.reward !== 'ppo');
      expect(m.usesGroups).toBe(m.settings.includes('groupSize'));
      expect(m.paper.arxiv).toMatch(/^\d{4}\.\d{5}$/);
      expect(m.help.length).toBeGreaterThan(20);
      // Every setting a row names is a setting of the table.
      expect(validateSettings(Object.fromEntries(m.settings.map((k) => [k, labSettings[k]])))).toEqual([]);
    }
    expect(() => methodOf('ppo2')).toThrow(/unknown RL method "ppo2" \(known: ppo, rto/);
  });

  it('rlSettingsOf: PPO keeps its own β2 and actor LR; GRPO’s KL goes in the loss or the reward; RLOO keeps β2', () => {
    const s = { ...labSettings, ppoBeta2: 0.003, beta2: 0.02, ppoActorLr: 4e-4, actorLr: 5e-4, grpoBeta: 0.04 };
    expect(rlSettingsOf(s, 'ppo')).toMatchObject({ mode: 'ppo', estimator: 'gae', beta2: 0.003, actorLr: 4e-4 });
    expect(rlSettingsOf(s, 'ppo').group).toBeUndefined();
    expect(rlSettingsOf(s, 'reinforce++')).toMatchObject({ mode: 'rto', estimator: 'reinforce++', beta2: 0.02, actorLr: 5e-4 });
    expect(rlSettingsOf(s, 'rto', 'reinforce++')).toEqual(rlSettingsOf(s, 'reinforce++'));
    expect(rlSettingsOf(s, 'grpo')).toMatchObject({ mode: 'ppo', estimator: 'grpo', beta2: 0, group: { size: 4, klLossCoef: 0.04, lengthNorm: true, stdNorm: true } });
    expect(rlSettingsOf({ ...s, grpoKlInLoss: 0, grpoLengthNorm: 0, grpoStdNorm: 0 }, 'grpo-dense')).toMatchObject({ mode: 'rto', estimator: 'grpo-process', beta2: 0.04, group: { size: 4, klLossCoef: 0, lengthNorm: false, stdNorm: false } });
    expect(rlSettingsOf(s, 'rloo')).toMatchObject({ mode: 'ppo', estimator: 'rloo', beta2: 0.02, group: { size: 4, klLossCoef: 0 } });
    expect(() => rlSettingsOf(s, 'grpo', 'gae')).toThrow(/own group estimator/);
  });

  it('the settings table refuses prompts per rollout that do not split into groups', () => {
    expect(validateSettings({ rlPrompts: 64, rlMinibatches: 4, groupSize: 3 })).toEqual(['Prompts per rollout (64) must be divisible by Group size (3)']);
    expect(validateSettings({ rlPrompts: 64, rlMinibatches: 4, groupSize: 8 })).toEqual([]);
  });
});

describe('every method in the RL loop, on untrained models', () => {
  let task: Task;
  let sft: Params;
  let dpo: Params;
  let rm: Params;
  let base: Omit<RlRun, 'settings'>;

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('methods-test:sft');
    dpo = opinionatedGpt('methods-test:dpo');
    rm = initGpt({ ...config, scalarHead: true }, createRng('methods-test:rm'));
    const prompts = task.train.slice(0, 40).map((e) => e.prompt);
    const evalPrompts = task.heldOut.slice(0, 8).map((e) => e.prompt);
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 5);
    base = { task, sft: { params: sft, config }, rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } }, dpo: { params: dpo, config }, seed: 5, prompts, evalPrompts, baseline };
  });

  it('every row runs (2 iterations and then 4), with tf.memory().numTensors flat across iterations', async () => {
    for (const m of METHODS) {
      const short = await trainRl({ ...base, settings: settingsOf(m.name) });
      expect(short.iterations).toBe(2);
      expect(short.episodes).toBe(32); // responses, for a group method too
      expect([short.final.gold, short.final.kl, short.final.length].every(Number.isFinite)).toBe(true);
      disposeParams(short.params);
      const counts: number[] = [];
      const names = new Set<string | undefined>();
      const r = await trainRl({
        ...base,
        settings: settingsOf(m.name, { iterations: 4 }),
        onEvent: (e) => {
          names.add(e.run);
          if (e.type === 'metrics') counts.push(tf.memory().numTensors);
        },
      });
      expect(counts, m.name).toHaveLength(5);
      expect(new Set(counts.slice(2)).size, `${m.name}: ${counts.join(', ')}`).toBe(1);
      expect([...names]).toEqual([m.name]); // the run's label is the method's name
      disposeParams(r.params);
    }
  });

  it('a group method samples G responses per prompt, and its group advantages sum to 0 in each group', async () => {
    for (const name of ['grpo', 'rloo'] as const) {
      let checked = false;
      const r = await trainRl({
        ...base,
        settings: settingsOf(name, { iterations: 1 }),
        onFirstMinibatch: ({ rollout, targets }) => {
          const G = 4;
          const B = rollout.batch.promptLengths.length;
          expect(B).toBe(16);
          const L = rollout.batch.length;
          const promptOf = (b: number) => Array.from(rollout.batch.ids.subarray(b * L, b * L + (rollout.batch.promptLengths[b] ?? 0))).join(' ');
          for (let g = 0; g < B; g += G) {
            for (let i = 1; i < G; i++) expect(promptOf(g + i)).toBe(promptOf(g));
            // The outcome advantage is one number per response; GRPO's and RLOO's are centred within the group.
            const adv = Array.from({ length: G }, (_, i) => ofSequence(rollout, targets.advantages, g + i)[0] ?? NaN);
            expect(Math.abs(adv.reduce((a, x) => a + x, 0))).toBeLessThan(1e-4);
          }
          expect(new Set(Array.from({ length: B / G }, (_, g) => promptOf(g * G))).size).toBeGreaterThan(1);
          checked = true;
        },
      });
      expect(checked).toBe(true);
      disposeParams(r.params);
    }
  });

  it('refuses a group of one and a rollout that does not split into groups, with a message that says why', async () => {
    await expect(trainRl({ ...base, settings: settingsOf('grpo', {}, { groupSize: 1 }) })).rejects.toThrow('GRPO needs at least 2 responses per prompt (groupSize), got 1');
    await expect(trainRl({ ...base, settings: settingsOf('rloo-dense', {}, { groupSize: 1 }) })).rejects.toThrow('RLOO needs at least 2 responses per prompt (groupSize), got 1');
    await expect(trainRl({ ...base, settings: settingsOf('grpo-dense', {}, { groupSize: 3 }) })).rejects.toThrow('Prompts per rollout (16) must be divisible by Group size (3)');
  });

  for (const name of ['grpo-dense', 'rloo'] as const) {
    it(`${name}: N iterations in one go equal k, a checkpoint (no critic), then the rest from it`, async () => {
      const settings = settingsOf(name, { iterations: 4, evalEvery: 2, tokensEvery: 2 });
      const fullEvents: StageEvent[] = [];
      const full = await trainRl({ ...base, settings, onEvent: (e) => fullEvents.push(e) });
      let saved: RlResumeState | null = null;
      const first = await trainRl({ ...base, settings, checkpointEvery: 1, onCheckpoint: (s) => s.iteration === 2 && (saved = s), shouldStop: () => saved !== null });
      disposeParams(first.params);
      const state = structuredClone(saved!);
      expect(state.critic).toBeNull();
      expect(state.episodes).toBe(32);
      const restEvents: StageEvent[] = [];
      const rest = await trainRl({ ...base, settings, resume: state, onEvent: (e) => restEvents.push(e) });
      const strip = (e: StageEvent) => (e.type === 'metrics' ? { ...e, values: { ...e.values, 'tokens/s': 0 } } : e);
      expect(restEvents.map(strip)).toEqual(fullEvents.filter((e) => e.step > 2).map(strip));
      expect(rest.final.gold).toBe(full.final.gold);
      disposeParams(rest.params);
      disposeParams(full.params);
    });
  }
});
