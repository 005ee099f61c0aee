import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings } from '../config';
import { tokenRewardAgreement } from '../eval/tokenRewards';
import { disposeParams, type GptConfig, type Params } from '../model/gpt';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rlPromptsOf, rlSettingsOf, rmSettingsOf, sftSettingsOf } from '../stageSettings';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { trainDpo, type DpoResult } from './dpo';
import { makePreferencePairs, preferenceProbability, type PreferencePair } from './preferences';
import { normalisedScore, trainRewardModel, type RmResult } from './rm';
import { sftBaseline, trainRl } from './rl';
import { runSft } from './sft';

// The oracle task on the tiny preset, seed 1, with the same seeds as `npm run lab -- rl --task oracle --preset tiny`:
// the whole chain SFT → pairs → RM and DPO → PPO and RTO in about a minute and a half.
// Measured (wasm, 2026-11-28, sampler with a key/value cache): judge agreement 0.935, RM held-out accuracy 0.623
// (300 pairs, so ±0.028), DPO held-out reward accuracy 0.740 (margin 0.192), DPO token reward against r*: Pearson
// 0.681, Spearman 0.765. (Before the cache, which changed float rounding and so the samples: 0.945, 0.660, 0.767,
// 0.468, 0.758.)
// Assertions sit below these. (A one-layer reward model reads a sum of bigram terms at <eos> poorly; DPO's token
// log-probs get the previous token for free — a reference prototype saw DPO beat the EOS-read RM here too.)
const settings = resolveSettings('tiny', {}, 'oracle');
// PPO and RTO, 20 iterations of 64 prompts: measured gold gains over SFT (−35.02) of +3.92 (PPO, KL 1.33, win rate
// 0.719) and +5.24 (RTO, KL 1.71, win rate 0.719); before the cache +3.25 and +3.81. With the pairs of another judge
// seed the RM reached only 0.623 and PPO gained +0.34 while RTO still gained +3.64: PPO leans on the reward model.
const GOLD_GAIN = 1.5;

describe('preferences, reward model and DPO on the oracle task (tiny preset, seed 1)', () => {
  let task: Task;
  let sft: { params: Params; config: GptConfig };
  let train: PreferencePair[];
  let heldOut: PreferencePair[];
  let rm: RmResult;
  let dpo: DpoResult;

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: settings.seed });
    const r = await runSft({ task, model: modelOf(settings), seed: settings.seed, settings: { ...sftSettingsOf(settings, 0), evalEvery: 1000 } });
    sft = { params: r.params, config: r.config };
  });

  it('makes preference pairs whose judge mostly agrees with the gold order (and never keeps a tie)', async () => {
    const before = tf.memory().numTensors;
    const prompts = (examples: Task['train']) => examples.map((e) => e.prompt);
    const t = await makePreferencePairs(task, sft, prompts(task.train.slice(0, settings.prefPrompts)), preferenceSettingsOf(settings), `${settings.seed}:train`);
    const h = await makePreferencePairs(task, sft, prompts(task.heldOut.slice(0, settings.prefHeldOutPrompts)), preferenceSettingsOf(settings), `${settings.seed}:held-out`);
    train = t.pairs;
    heldOut = h.pairs;
    console.log(`pairs: ${train.length} train, ${heldOut.length} held-out; agreement ${t.stats.agreement.toFixed(3)}`);
    expect(tf.memory().numTensors).toBe(before);
    expect(t.stats.pairs + t.stats.ties).toBe(settings.prefPrompts);
    expect(t.stats.agreement).toBeGreaterThan(0.9);
    expect(t.stats.agreement).toBeLessThan(1); // τ = 1: a noisy judge, not an oracle
    for (const p of train) expect(p.goldChosen).not.toBe(p.goldRejected);
    expect(preferenceProbability(1, 0, 0)).toBe(1);
    expect(preferenceProbability(0.5, 0, 1)).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
  });

  it('trains a reward model clearly above chance on held-out pairs, and normalises its scores', async () => {
    const r = await trainRewardModel({ sft, train, heldOut, settings: rmSettingsOf(settings), seed: settings.seed });
    console.log(`RM held-out accuracy ${r.heldOut.accuracy.toFixed(3)}, train ${r.train.accuracy.toFixed(3)}; μ ${r.norm.mean.toFixed(3)} σ ${r.norm.std.toFixed(3)}`);
    expect(r.heldOut.accuracy).toBeGreaterThan(0.57);
    expect(r.heldOut.chosenMean).toBeGreaterThan(r.heldOut.rejectedMean);
    expect(normalisedScore(r.norm.mean + 2 * r.norm.std, r.norm)).toBeCloseTo(2, 9);
    expect(normalisedScore(r.norm.mean + 1e6, r.norm)).toBe(10);
    rm = r;
  });

  it('trains DPO to a held-out reward accuracy clearly above chance, and its token reward tracks r*', async () => {
    const d = await trainDpo({ sft, train, heldOut, settings: dpoSettingsOf(settings), seed: settings.seed });
    const agreement = await tokenRewardAgreement(task, d.params, sft.params, d.config, heldOut, settings.dpoBeta);
    console.log(`DPO held-out accuracy ${d.heldOut.accuracy.toFixed(3)} margin ${d.heldOut.margin.toFixed(3)}; token reward vs r*: Pearson ${agreement.pearson.toFixed(3)} Spearman ${agreement.spearman.toFixed(3)}`);
    expect(d.heldOut.accuracy).toBeGreaterThan(0.7);
    expect(d.heldOut.margin).toBeGreaterThan(0.1);
    expect(agreement.pearson).toBeGreaterThan(0.3);
    expect(agreement.spearman).toBeGreaterThan(0.6);
    dpo = d;
  });

  it('raises the gold reward above SFT with both PPO and RTO in 20 iterations, with flat tf.memory()', async () => {
    const { prompts, evalPrompts } = rlPromptsOf(task, settings);
    const baseline = await sftBaseline(task, sft, evalPrompts, settings.seed);
    const gains: [number, number][] = [];
    for (const mode of ['ppo', 'rto'] as const) {
      const counts: number[] = [];
      const r = await trainRl({
        task,
        sft,
        rewardModel: rm,
        dpo,
        settings: rlSettingsOf(settings, mode),
        seed: settings.seed,
        prompts,
        evalPrompts,
        baseline,
        onEvent: (e) => e.type === 'metrics' && counts.push(tf.memory().numTensors),
      });
      const gain = r.final.gold - baseline.evaluation.gold;
      console.log(`${mode}: gold ${r.final.gold.toFixed(3)} (SFT ${baseline.evaluation.gold.toFixed(3)}, +${gain.toFixed(3)}), win rate ${r.final.winRate.toFixed(3)}, KL ${r.final.kl.toFixed(3)}`);
      gains.push([gain, r.final.winRate]);
      expect(new Set(counts.slice(2)).size).toBe(1); // from iteration 1 on (0 is the evaluation before training)
      disposeParams(r.params);
    }
    for (const [gain, winRate] of gains) {
      expect(gain).toBeGreaterThan(GOLD_GAIN);
      expect(winRate).toBeGreaterThan(0.55);
    }
    disposeParams(rm.params);
    disposeParams(dpo.params);
  }, 180_000);
});
