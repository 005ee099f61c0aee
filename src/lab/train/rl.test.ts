import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent } from '../events';
import { actionLogitBias, isLegalAction } from '../model/actionMask';
import { disposeParams, initGpt, logits, scalarAt, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { dumpDeviations, rolloutDump } from './rolloutDump';
import { trainRl } from './rl';
import type { GoldBaseline } from '../eval/policyEval';
import { sftBaseline } from './rlBaseline';
import type { RlSettings } from './rlSettings';
import { opinionatedGpt, UNTRAINED_CONFIG, untrainedRlSettings } from './untrainedRlFixture';

// Untrained (randomly initialised) models on the oracle task: the invariants of the RL machinery do not need
// trained ones, and these runs take seconds. The learning test with trained models is in rlhfStages.test.ts.
const config = UNTRAINED_CONFIG;
const settings = untrainedRlSettings();

describe('the RL loop (PPO, RTO and the ablations) on untrained models', () => {
  let task: Task;
  let sft: Params;
  let dpo: Params;
  let rm: Params;
  let prompts: number[][];
  let evalPrompts: number[][];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('rl-test:sft');
    dpo = opinionatedGpt('rl-test:dpo');
    rm = initGpt({ ...config, scalarHead: true }, createRng('rl-test:rm'));
    prompts = task.train.slice(0, 40).map((e) => e.prompt);
    evalPrompts = task.heldOut.slice(0, 8).map((e) => e.prompt);
  });

  const run = async (over: Partial<RlSettings>, dpoModel: Params = dpo, onEvent?: (e: StageEvent) => void, onFirst?: Parameters<typeof trainRl>[0]['onFirstMinibatch']) => {
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 7);
    return trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } },
      dpo: { params: dpoModel, config },
      settings: { ...settings, ...over },
      seed: 7,
      prompts,
      evalPrompts,
      baseline,
      onEvent,
      onFirstMinibatch: onFirst,
    });
  };

  it('scores exactly the sampler’s distribution: illegal actions get no mass, a forced <eos> has log-prob 0', () => {
    const o = taskSampleOptions(task, 1);
    const h = [0, 5, task.horizon - 1];
    const lp = tf.tidy(() => {
      const lg = tf.slice(tf.reshape(logits(sft, config, tf.tensor2d([[1, 5, 6, 7]], [1, 4], 'int32')), [4, 24]), [0, 0], [3, 24]);
      return tf.logSoftmax(tf.add(lg, actionLogitBias(o, 24, h)));
    });
    const p = lp.arraySync() as number[][];
    lp.dispose();
    h.forEach((pos, m) => {
      const row = p[m]!;
      expect(row.reduce((a, x) => a + Math.exp(x), 0)).toBeCloseTo(1, 5);
      row.forEach((x, v) => (isLegalAction(v, pos, o) ? expect(Math.exp(x)).toBeGreaterThan(0) : expect(Math.exp(x)).toBe(0)));
    });
    expect(p[2]![2]).toBe(0); // <eos> at the last position is forced: log 1
  });

  it('first minibatch of a rollout: ratio 1 everywhere, clipfrac 0, approx-KL 0, values unchanged', async () => {
    let seen = false;
    const r = await run({ iterations: 1, mode: 'rto' }, dpo, undefined, (x) => {
      seen = true;
      expect(x.result.clipfrac).toBe(0);
      expect(x.result.approxKl).toBe(0);
      const d = rolloutDump({ ...settings, mode: 'rto' }, x.rollout, x.targets, x.minibatch, x.result, x.dpoSequenceLogRatio);
      d.firstMinibatch.indices.forEach((b, i) => {
        d.mask[b]!.forEach((m, h) => {
          if (!m) return;
          expect(d.firstMinibatch.logpNew[i]![h]).toBeCloseTo(d.logpOld[b]![h]!, 5);
          expect(d.firstMinibatch.valuesNew[i]![h]).toBeCloseTo(d.values[b]![h]!, 5);
        });
      });
      // Whitening: mean 0 and std 1 over the valid tokens, padding never counted.
      const valid = d.advantagesWhitened.flatMap((row, b) => row.filter((_, h) => d.mask[b]![h]));
      const mean = valid.reduce((a, x) => a + x, 0) / valid.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(Math.sqrt(valid.reduce((a, x) => a + (x - mean) ** 2, 0) / valid.length)).toBeCloseTo(1, 4);
      // Every response ends with its <eos> action inside the mask, and the dump's rewards add up per channel.
      d.mask.forEach((row, b) => expect(d.ids[b]![d.promptLengths[b]! + row.reduce((a, x) => a + x, 0) - 1]).toBe(2));
      d.rewards.forEach((row, b) => row.forEach((x, h) => expect(x).toBeCloseTo(d.rewardChannels.dpo[b]![h]! + d.rewardChannels.kl[b]![h]! + d.rewardChannels.score[b]![h]!, 6)));
      // The DPO fields: the channel is clip(β1·dpoTokenLogRatio, ±c), each row of the ratio sums to the sequence ratio.
      const dev = dumpDeviations(d);
      expect(dev.rewardChannels).toBeLessThan(1e-9);
      expect(dev.dpoChannel).toBeLessThan(1e-12);
      expect(dev.dpoSequenceSum).toBeLessThan(1e-5);
      expect(d.dpoSequenceLogRatio).toHaveLength(d.ids.length);
    });
    expect(seen).toBe(true);
    disposeParams(r.params);
  });

  it('critic values are the RM head normalised, (w·h − μ)/σ, in the rollout and in the value loss', async () => {
    let checked = false;
    const r = await run({ iterations: 1, mode: 'rto' }, dpo, undefined, (x) => {
      const d = rolloutDump(settings, x.rollout, x.targets, x.minibatch, x.result, x.dpoSequenceLogRatio);
      const B = d.ids.length;
      const L = d.ids[0]!.length;
      // The raw head at the hidden state before each response token, read directly.
      const before = d.mask.flatMap((row, b) => row.flatMap((m, h) => (m ? [b * L + d.promptLengths[b]! + h - 1] : [])));
      const raw = tf.tidy(() => scalarAt(rm, { ...config, scalarHead: true }, tf.tensor2d(d.ids.flat(), [B, L], 'int32'), before)).arraySync();
      const values = d.mask.flatMap((row, b) => row.flatMap((m, h) => (m ? [d.values[b]![h]!] : [])));
      values.forEach((v, m) => expect(v).toBeCloseTo((raw[m]! - 0.1) / 2, 5));
      expect(Math.max(...raw.map((x, m) => Math.abs(x - values[m]!)))).toBeGreaterThan(0.01); // not the raw head
      // The value loss of the first minibatch (V_new = V_old, so the clip is idle): ½·mean_seq(mean_tok((V − R)²)) of
      // the normalised values the dump holds.
      const fm = d.firstMinibatch;
      const perSeq = fm.indices.map((b, i) => {
        const n = d.mask[b]!.reduce((a, m) => a + m, 0);
        return fm.valuesNew[i]!.slice(0, n).reduce((a, v, h) => a + (v - d.returns[b]![h]!) ** 2, 0) / n;
      });
      expect(fm.valueLoss).toBeCloseTo((0.5 * perSeq.reduce((a, x) => a + x, 0)) / perSeq.length, 5);
      checked = true;
    });
    expect(checked).toBe(true);
    disposeParams(r.params);
  });

  it('with π_dpo ≡ π_ref, a seeded RTO run reproduces the PPO run exactly', async () => {
    const trace = async (mode: 'ppo' | 'rto') => {
      const events: StageEvent[] = [];
      const r = await run({ mode }, sft, (e) => events.push(e));
      disposeParams(r.params);
      // Everything but the wall-clock speed.
      const strip = ({ 'tokens/s': _speed, ...rest }: Record<string, number>) => rest;
      return events.map((e) => (e.type === 'metrics' ? strip(e.values) : e.type === 'tokens' ? e.rows.map((row) => row.channels.total) : null));
    };
    const ppo = await trace('ppo');
    const rto = await trace('rto');
    expect(ppo.length).toBeGreaterThan(3);
    expect(rto).toEqual(ppo);
  });

  it('keeps tf.memory().numTensors flat across iterations, in every mode and with REINFORCE++', async () => {
    for (const [mode, estimator] of [['rto', 'gae'], ['ddpo', 'gae'], ['semi-rto', 'gae'], ['rs-ppo', 'reinforce++']] as const) {
      const counts: number[] = [];
      const r = await run({ mode, estimator, iterations: 4 }, dpo, (e) => e.type === 'metrics' && counts.push(tf.memory().numTensors));
      expect(counts).toHaveLength(5); // iteration 0 (the SFT policy's evaluation), then 4 iterations
      expect(new Set(counts.slice(2)).size).toBe(1);
      expect(r.history.every((p) => Number.isFinite(p.gold) && Number.isFinite(p.kl))).toBe(true);
      disposeParams(r.params);
    }
  });

  it("iteration 0 scores the SFT baseline's own responses, and they are what drawing them again gives, to the bit", async () => {
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 7);
    expect(baseline.sample?.batch.responses).toEqual(baseline.evaluation.responses);
    // Iteration 0's metrics and response rows, with the baseline's responses (as the page runs) and drawn afresh.
    const atZero = async (b: GoldBaseline) => {
      const seen: StageEvent[] = [];
      await trainRl({
        task,
        sft: { params: sft, config },
        rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } },
        settings: { ...settings, iterations: 1, mode: 'ppo' },
        seed: 7,
        prompts,
        evalPrompts,
        baseline: b,
        onEvent: (e) => {
          if ((e.type === 'metrics' || e.type === 'responses') && e.step === 0) seen.push(e);
        },
      });
      return seen;
    };
    const reused = await atZero(baseline);
    expect(reused.map((e) => e.type)).toEqual(['responses', 'metrics']);
    expect(reused).toEqual(await atZero({ gold: baseline.gold, evaluation: baseline.evaluation }));
    // The sample is read when it says it was drawn by the SFT weights with the run's prompts and seed (a stand-in
    // batch shows it), and ignored when it was drawn with another seed.
    const other = await sftBaseline(task, { params: dpo, config }, evalPrompts, 7);
    const standIn = { ...baseline, sample: { ...baseline.sample!, batch: other.sample!.batch } };
    const rows = (events: StageEvent[]) => events.flatMap((e) => (e.type === 'responses' ? e.rows.map((r) => r.response) : []));
    expect(rows(await atZero(standIn))).toEqual(other.evaluation.responses.map((r) => task.tokenizer.decode(r)));
    expect(other.evaluation.responses).not.toEqual(baseline.evaluation.responses);
    expect(rows(await atZero({ ...standIn, sample: { ...standIn.sample, seed: 'another' } }))).toEqual(rows(reused));
  });

  it('how often it evaluates changes no weight and no point it evaluates (the Quick demo evaluates half as often)', async () => {
    // Evaluations draw from their own seed, so skipping some leaves the training draws, the weights and the other
    // points as they were, to the bit (src/lab/quickDemoSettings.ts relies on it).
    const trained = async (evalEvery: number) => {
      const r = await run({ mode: 'rto', iterations: 4, evalEvery });
      const weights = await Promise.all([...r.params].map(async ([name, v]) => [name, Array.from(await v.data())] as const));
      disposeParams(r.params);
      return { weights, history: r.history, final: r.final };
    };
    const every = await trained(1);
    const fewer = await trained(3);
    expect(every.history.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4]);
    expect(fewer.history.map((p) => p.iteration)).toEqual([0, 3, 4]);
    expect(fewer.history).toEqual(every.history.filter((p) => p.iteration !== 1 && p.iteration !== 2));
    expect(fewer.final).toEqual(every.final);
    expect(fewer.weights).toEqual(every.weights);
  });

  it('refuses settings that cannot run, with a message that says why', async () => {
    await expect(run({ promptsPerRollout: 10, minibatches: 4 })).rejects.toThrow(/divisible/);
    await expect(run({ mode: 'rto', beta1: 0 })).rejects.toThrow(/β1/);
  });
});
