import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusAssetFromDisk } from '../../cli/assets';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings } from '../config';
import { cloneParams, disposeParams, sequenceLogProbs, type GptConfig, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rlSettingsOf, sftSettingsOf } from '../stageSettings';
import { sentimentTask } from '../tasks/sentiment';
import type { Task } from '../tasks/task';
import { trainDpo, type DpoResult } from './dpo';
import { makePreferencePairs, type PreferencePair } from './preferences';
import { trainRl } from './rl';
import { sftBaseline } from './rlBaseline';
import { dumpDeviations, rolloutDump, type RolloutDump } from './rolloutDump';
import { runSft } from './sft';

// One distribution per model, on real rollouts of the sentiment task: a tiny SFT (150 steps), pairs from 400
// prompts, DPO, then the first rollout of an RTO run. (The oracle chain checks the same in rlhfStages.test.ts.)
// DPO is trained in the action space RL samples from, so the RTO term summed over a response is β1/β times DPO's
// implicit sentence reward. Measured (wasm, 2026-12-03): 64 responses, 409 tokens, relative deviation 8.9e-8, the
// DPO channel exactly clip(β1·ratio, ±c); the same ids in the raw softmax differ by up to 0.48 nats. 28 s on 2 cores.
const settings = resolveSettings('tiny', { sftSteps: 150, prefPrompts: 400, prefHeldOutPrompts: 100 }, 'sentiment');

/**
 * The largest deviation, over the responses of an RTO dump, of Σ_h β1·(ℓ_dpo − ℓ_ref) from (β1/β) times DPO's implicit
 * sentence reward β·dpoSequenceLogRatio, relative to the scale of what is differenced, β1·Σ_h (|ℓ_dpo| + |ℓ_ref|):
 * float32 sums of log-probs near −50 carry absolute rounding of ~1e-5 whatever the distribution.
 */
function sumInvariant(d: RolloutDump, dpoBeta: number): number {
  const { beta1 } = d.config;
  let worst = 0;
  d.mask.forEach((row, b) => {
    let rto = 0;
    let scale = 0;
    row.forEach((m, h) => {
      if (!m) return;
      rto += beta1 * (d.dpoTokenLogRatio?.[b]?.[h] ?? NaN);
      scale += beta1 * (Math.abs(d.logpDpo?.[b]?.[h] ?? NaN) + Math.abs(d.logpRef[b]?.[h] ?? NaN));
    });
    const implicit = dpoBeta * (d.dpoSequenceLogRatio?.[b] ?? NaN); // DPO's implicit sentence reward β·log(π_dpo/π_ref)
    worst = Math.max(worst, Math.abs(rto - (beta1 / dpoBeta) * implicit) / Math.max(1, scale));
  });
  return worst;
}

describe('the RTO DPO term is DPO’s implicit reward, token by token (sentiment, tiny SFT, seed 1)', () => {
  let task: Task;
  let sft: { params: Params; config: GptConfig };
  let train: PreferencePair[];
  let heldOut: PreferencePair[];
  let dpo: DpoResult;
  const losses: number[] = [];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed });
    const r = await runSft({ task, model: modelOf(settings), seed: settings.seed, settings: { ...sftSettingsOf(settings, 0), evalEvery: 1000 } });
    sft = { params: r.params, config: r.config };
    const prompts = (examples: Task['train']) => examples.map((e) => e.prompt);
    train = (await makePreferencePairs(task, sft, prompts(task.train.slice(0, settings.prefPrompts)), preferenceSettingsOf(settings), `${settings.seed}:train`)).pairs;
    heldOut = (await makePreferencePairs(task, sft, prompts(task.heldOut.slice(0, settings.prefHeldOutPrompts)), preferenceSettingsOf(settings), `${settings.seed}:held-out`)).pairs;
    dpo = await trainDpo({
      sft,
      train,
      heldOut,
      settings: dpoSettingsOf(settings),
      actionSpace: taskSampleOptions(task),
      seed: settings.seed,
      onEvent: (e) => e.type === 'metrics' && losses.push(e.values.loss ?? NaN),
    });
  }, 120_000);

  // (That DPO in the masked space lowers the held-out loss is checked on the oracle chain, whose pairs carry a strong
  // signal; here a few hundred pairs of a 150-step SFT are too few for the held-out side: measured 2026-12-03, 247
  // pairs, train loss 0.672 and accuracy 0.858, held-out loss 0.698 and accuracy 0.448 on 67 pairs.)
  it('DPO in the masked action space starts at ln 2 and lowers its training loss', () => {
    console.log(`sentiment: ${train.length} train / ${heldOut.length} held-out pairs; DPO step-1 loss ${losses[0]?.toFixed(6)}; train loss ${dpo.train.loss.toFixed(4)} accuracy ${dpo.train.accuracy.toFixed(3)}; held-out loss ${dpo.heldOut.loss.toFixed(4)} accuracy ${dpo.heldOut.accuracy.toFixed(3)}`);
    expect(Math.abs((losses[0] ?? NaN) - Math.LN2)).toBeLessThan(1e-5);
    expect(dpo.train.loss).toBeLessThan(Math.LN2 - 0.01);
  });

  it('on a real RTO rollout: Σ_h β1·(ℓ_dpo − ℓ_ref) = (β1/β)·β·dpoSequenceLogRatio, and the DPO channel is clip(β1·dpoTokenLogRatio, ±c)', async () => {
    const evalPrompts = task.heldOut.slice(0, 8).map((e) => e.prompt);
    const rm = cloneParams(sft.params, [['head.w', tf.zeros([sft.config.width, 1])]]); // its score does not enter the DPO channel
    let dump: RolloutDump | null = null;
    const s = rlSettingsOf(settings, 'rto');
    const r = await trainRl({
      task,
      sft,
      rewardModel: { params: rm, config: { ...sft.config, scalarHead: true }, norm: { mean: 0, std: 1 } },
      dpo,
      settings: { ...s, iterations: 1, tokensEvery: 0 },
      seed: settings.seed,
      prompts: task.train.slice(settings.prefPrompts, settings.prefPrompts + s.promptsPerRollout).map((e) => e.prompt),
      evalPrompts,
      baseline: await sftBaseline(task, sft, evalPrompts, settings.seed),
      onFirstMinibatch: (x) => (dump = rolloutDump(s, x.rollout, x.targets, x.minibatch, x.result, x.dpoSequenceLogRatio)),
    });
    disposeParams(r.params);
    const d = dump as RolloutDump | null;
    if (!d?.dpoTokenLogRatio || !d.dpoSequenceLogRatio) throw new Error('the dump has no DPO fields');
    const dev = dumpDeviations(d);
    const worst = sumInvariant(d, settings.dpoBeta);
    // The same ids scored in the raw softmax (what DPO used to be trained and judged in) break the identity.
    const B = d.ids.length;
    const raw = tf.tidy(() => {
      const ids = tf.tensor2d(d.ids.flat(), [B, d.ids[0]!.length], 'int32');
      const mask = d.ids.flatMap((row, b) => row.map((_, t) => (t >= d.promptLengths[b]! && t - d.promptLengths[b]! < d.mask[b]!.reduce((a, m) => a + m, 0) ? 1 : 0)));
      return tf.sub(sequenceLogProbs(dpo.params, dpo.config, ids, mask), sequenceLogProbs(sft.params, sft.config, ids, mask));
    });
    const rawRatio = Array.from(await raw.data());
    raw.dispose();
    const rawGap = Math.max(...rawRatio.map((x, b) => Math.abs(x - d.dpoSequenceLogRatio![b]!)));
    const tokens = d.mask.flat().reduce((a, m) => a + m, 0);
    console.log(`sentiment rollout: ${B} responses, ${tokens} tokens; relative sum deviation ${worst.toExponential(2)}; DPO channel − clip(β1·ratio) ${dev.dpoChannel?.toExponential(2)}; Σ ratio − sequence ratio (relative) ${dev.dpoSequenceSum?.toExponential(2)}; raw-softmax sequence ratio differs by up to ${rawGap.toFixed(3)} nats`);
    expect(worst).toBeLessThan(1e-5);
    expect(dev.dpoSequenceSum).toBeLessThan(1e-5);
    expect(dev.dpoChannel).toBeLessThan(1e-12);
    expect(dev.rewardChannels).toBeLessThan(1e-9);
    expect(rawGap).toBeGreaterThan(1e-2);
    // Not a vacuous identity: DPO moved away from SFT on these responses.
    expect(Math.max(...d.dpoSequenceLogRatio.map(Math.abs))).toBeGreaterThan(0.05);
    disposeParams(rm);
    disposeParams(dpo.params);
    disposeParams(sft.params);
  }, 120_000);
});
