import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings } from '../config';
import { tokenRewardAgreement } from '../eval/tokenRewards';
import { disposeParams, type GptConfig, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rlPromptsOf, rlSettingsOf, rmSettingsOf, sftSettingsOf } from '../stageSettings';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { trainDpo, type DpoResult } from './dpo';
import { makePreferencePairs, preferenceProbability, type PreferencePair } from './preferences';
import { normalisedScore, trainRewardModel, type RmResult } from './rm';
import { trainRl } from './rl';
import { sftBaseline } from './rlBaseline';
import { dumpDeviations, rolloutDump, type RolloutDump } from './rolloutDump';
import { runSft } from './sft';

// The oracle task on the tiny preset, seed 1, with the same seeds as `npm run lab -- rl --task oracle --preset tiny`:
// the whole chain SFT → pairs → RM and DPO → PPO and RTO in under a minute.
// Measured (wasm, 2026-12-03; HF's warm-up, RM head std 1/(d+1), DPO trained and judged in the sampler's masked
// action space, critic values normalised): judge agreement 0.935, RM held-out accuracy 0.570 (300 pairs, so ±0.029),
// DPO held-out reward accuracy 0.777 (margin 0.204, loss 0.606), DPO token reward against r*: Pearson 0.750,
// Spearman 0.766. Step by step from the values before (0.623, 0.740, 0.681, 0.765): the warm-up alone gave RM 0.583,
// DPO 0.723, Pearson 0.606; the head init then RM 0.570; DPO in the masked space 0.777 and 0.750.
// Assertions sit below these. (A one-layer reward model reads a sum of bigram terms at <eos> poorly; DPO's token
// log-probs get the previous token for free — a reference prototype saw DPO beat the EOS-read RM here too.)
// The RL settings are pinned to those these values were measured with (the task's defaults before tuning), so the
// tuned defaults of config.ts can change without moving them.
const settings = resolveSettings('tiny', { beta1: 0.5, rtoClip: 0.1, beta2: 0.01, ppoBeta2: 0.01, actorLr: 5e-4, ppoActorLr: 5e-4 }, 'oracle');
// PPO and RTO, 20 iterations of 64 prompts: measured gold gains over SFT (−34.37) of +2.53 (PPO, KL 0.84, win rate
// 0.652) and +4.62 (RTO, KL 1.01, win rate 0.758); before the changes above (SFT −35.02) +3.92 (KL 1.33, 0.719) and
// +5.24 (KL 1.71, 0.719). With the pairs of another judge seed the RM reached only 0.623 and PPO gained +0.34 while
// RTO still gained +3.64: PPO leans on the reward model.
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
    expect(r.heldOut.accuracy).toBeGreaterThan(0.55);
    expect(r.heldOut.chosenMean).toBeGreaterThan(r.heldOut.rejectedMean);
    expect(normalisedScore(r.norm.mean + 2 * r.norm.std, r.norm)).toBeCloseTo(2, 9);
    expect(normalisedScore(r.norm.mean + 1e6, r.norm)).toBe(10);
    rm = r;
  });

  it('trains DPO to a held-out reward accuracy clearly above chance, and its token reward tracks r*', async () => {
    const losses: number[] = [];
    const d = await trainDpo({ sft, train, heldOut, settings: dpoSettingsOf(settings), actionSpace: taskSampleOptions(task), seed: settings.seed, onEvent: (e) => e.type === 'metrics' && losses.push(e.values.loss ?? NaN) });
    const agreement = await tokenRewardAgreement(task, d.params, sft.params, d.config, heldOut, settings.dpoBeta);
    console.log(`DPO held-out accuracy ${d.heldOut.accuracy.toFixed(3)} margin ${d.heldOut.margin.toFixed(3)} loss ${d.heldOut.loss.toFixed(4)}; step-1 loss ${losses[0]?.toFixed(6)}; token reward vs r*: Pearson ${agreement.pearson.toFixed(3)} Spearman ${agreement.spearman.toFixed(3)}`);
    // DPO is trained in the action space RL samples from: at step 0 the policy is the reference (ln 2), and the
    // held-out loss falls well below it.
    expect(Math.abs((losses[0] ?? NaN) - Math.LN2)).toBeLessThan(1e-5);
    expect(d.heldOut.loss).toBeLessThan(Math.LN2 - 0.05);
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
    let dump: RolloutDump | null = null;
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
        onFirstMinibatch: (x) => {
          if (mode === 'rto') dump = rolloutDump(rlSettingsOf(settings, mode), x.rollout, x.targets, x.minibatch, x.result, x.dpoSequenceLogRatio);
        },
      });
      const gain = r.final.gold - baseline.evaluation.gold;
      console.log(`${mode}: gold ${r.final.gold.toFixed(3)} (SFT ${baseline.evaluation.gold.toFixed(3)}, +${gain.toFixed(3)}), win rate ${r.final.winRate.toFixed(3)}, KL ${r.final.kl.toFixed(3)}`);
      gains.push([gain, r.final.winRate]);
      expect(new Set(counts.slice(2)).size).toBe(1); // from iteration 1 on (0 is the evaluation before training)
      disposeParams(r.params);
    }
    // One distribution per model, on the RTO run's first real rollout: Σ_h β1·(ℓ_dpo − ℓ_ref) equals β1/β times DPO's
    // implicit sentence reward β·(log π_dpo(y) − log π_ref(y)) from the function DPO's loss uses, and the DPO channel is
    // clip(β1·dpoTokenLogRatio, ±c).
    const d = dump as RolloutDump | null;
    if (!d?.dpoTokenLogRatio || !d.dpoSequenceLogRatio) throw new Error('the RTO dump has no DPO fields');
    const dev = dumpDeviations(d);
    const { beta1 } = d.config;
    const literal = Math.max(...d.mask.map((row, b) => Math.abs(row.reduce((a, m, h) => a + m * beta1 * (d.dpoTokenLogRatio?.[b]?.[h] ?? NaN), 0) - (beta1 / settings.dpoBeta) * settings.dpoBeta * (d.dpoSequenceLogRatio?.[b] ?? NaN))));
    console.log(`oracle RTO rollout: Σ β1·ratio − (β1/β)·β·sequence ratio up to ${literal.toExponential(2)} (relative deviation ${dev.dpoSequenceSum?.toExponential(2)}); DPO channel − clip ${dev.dpoChannel?.toExponential(2)}; largest |sequence ratio| ${Math.max(...d.dpoSequenceLogRatio.map(Math.abs)).toFixed(3)}`);
    expect(dev.dpoSequenceSum).toBeLessThan(1e-5);
    expect(literal).toBeLessThan(1e-4);
    expect(dev.dpoChannel).toBeLessThan(1e-12);
    expect(dev.rewardChannels).toBeLessThan(1e-9);
    expect(Math.max(...d.dpoSequenceLogRatio.map(Math.abs))).toBeGreaterThan(0.1);
    for (const [gain, winRate] of gains) {
      expect(gain).toBeGreaterThan(GOLD_GAIN);
      expect(winRate).toBeGreaterThan(0.55);
    }
    disposeParams(rm.params);
    disposeParams(dpo.params);
  }, 180_000);
});
