import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent } from '../events';
import { disposeParams, initGpt, type Params } from '../model/gpt';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import { trainRl } from '../train/rl';
import { evaluateLikeRl, EVAL_SEED, sftBaseline } from '../train/rlBaseline';
import { opinionatedGpt, UNTRAINED_CONFIG, untrainedRlSettings } from '../train/untrainedRlFixture';
import { sampleResponses, taskSampleOptions } from '../model/sample';
import { scoreBatch } from '../train/rollout';
import { evaluatePolicy, evaluateResponses, RESPONSE_ROWS, responseRows, standardError, winOutcome } from './policyEval';

describe('standard errors over prompts', () => {
  it('is s/√n with the n − 1 standard deviation, on a hand-made case', () => {
    // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, s² = 5/3, SE² = s²/4 = 5/12.
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 12), 14);
    // Outcomes win, tie, loss, win: mean 0.625, squared deviations sum to 0.6875, SE² = 0.6875/3/4.
    expect(standardError([1, 0.5, 0, 1])).toBeCloseTo(Math.sqrt(0.6875 / 12), 14);
    expect(standardError([0.5, 0.5, 0.5])).toBe(0);
    expect(standardError([3])).toBeNaN();
  });

  it('scores a win 1, a tie ½ and a loss 0', () => {
    expect([winOutcome(0.2, 0.1), winOutcome(0.1, 0.1), winOutcome(-0.3, 0.1)]).toEqual([1, 0.5, 0]);
  });
});

// Untrained models with large weights on the oracle task (untrainedRlFixture.ts): the evaluation's bookkeeping does
// not need trained ones.
const config = UNTRAINED_CONFIG;
const settings = untrainedRlSettings({ iterations: 2, evalEvery: 1, tokensEvery: 0 });

describe('evaluation against the SFT baseline (common random numbers)', () => {
  let task: Task;
  let sft: Params;
  let other: Params;
  let rm: Params;
  let evalPrompts: number[][];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = oracleTask({ seed: 3, sftExamples: 200 });
    sft = opinionatedGpt('policy-eval-test:sft');
    other = opinionatedGpt('policy-eval-test:other');
    rm = initGpt({ ...config, scalarHead: true }, createRng('policy-eval-test:rm'));
    // Any 24 prompts the RL prompts below do not include (the task's held-out split is smaller here).
    evalPrompts = task.train.slice(100, 124).map((e) => e.prompt);
  });

  it('gives win rate and its standard error from the per-prompt outcomes', async () => {
    const e = await evaluatePolicy(task, other, sft, config, evalPrompts, 'se-case');
    // A baseline made by hand: SFT below on the first 12 prompts (wins), equal on the next 6 (ties), above on the rest.
    const gold = e.golds.map((g, i) => (i < 12 ? g - 1 : i < 18 ? g : g + 1));
    const w = await evaluatePolicy(task, other, sft, config, evalPrompts, 'se-case', { gold });
    const outcomes = [...Array<number>(12).fill(1), ...Array<number>(6).fill(0.5), ...Array<number>(6).fill(0)];
    expect(w.winRate).toBe(15 / 24);
    expect(w.winRateSe).toBeCloseTo(standardError(outcomes), 14);
    expect(w.goldSe).toBeCloseTo(standardError(e.golds), 14);
    expect(w.golds).toEqual(e.golds); // the same seed draws the same responses
  });

  it('iteration 0 of an RL run is the SFT baseline exactly: the same gold, win rate ½, KL 0', async () => {
    const before = tf.memory().numTensors;
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 5);
    const events: StageEvent[] = [];
    const r = await trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0, std: 1 } },
      settings,
      seed: 5,
      prompts: task.train.slice(0, 32).map((e) => e.prompt),
      evalPrompts,
      baseline,
      onEvent: (e) => events.push(e),
    });
    disposeParams(r.params);
    expect(tf.memory().numTensors).toBe(before);
    const start = r.history[0]!;
    expect(start.iteration).toBe(0);
    expect(start.gold).toBe(baseline.evaluation.gold);
    expect(start.goldSe).toBe(baseline.evaluation.goldSe);
    expect(start.winRate).toBe(0.5);
    expect(start.winRateSe).toBe(0);
    expect(start.kl).toBe(0);
    expect(start.length).toBe(baseline.evaluation.length);
    const first = events.find((e) => e.type === 'metrics' && e.step === 0);
    expect(first?.type === 'metrics' && first.values).toMatchObject({ 'gold/reward': baseline.evaluation.gold, 'gold/win_rate': 0.5, 'gold/win_rate_se': 0, 'eval/length_cap': task.horizon });
    // Later evaluations report the same keys; the policy moved, so they are no longer all ties.
    const later = events.filter((e) => e.type === 'metrics' && e.step > 0);
    expect(later).toHaveLength(2);
    for (const e of later) if (e.type === 'metrics') expect(Object.keys(e.values)).toEqual(expect.arrayContaining(['gold/reward_se', 'gold/win_rate_se', 'objective/entropy', 'objective/entropy_sum']));
  });

  it('the DPO row uses the same seed: a policy equal to SFT reproduces the baseline; another differs', async () => {
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 5);
    const same = await evaluateLikeRl(task, { params: sft, config }, { params: sft, config }, evalPrompts, 5, baseline);
    expect(same.golds).toEqual(baseline.gold);
    expect(same.winRate).toBe(0.5);
    expect(same.kl).toBe(0);
    const moved = await evaluateLikeRl(task, { params: other, config }, { params: sft, config }, evalPrompts, 5, baseline);
    const direct = await evaluatePolicy(task, other, sft, config, evalPrompts, EVAL_SEED(5), baseline);
    expect(moved.winRate).toBe(direct.winRate);
    expect(moved.golds).not.toEqual(baseline.gold);
  });

  it("keeps each response's KL, length and RM score: the rollout's numbers for the same responses, and the same means", async () => {
    const norm = { mean: 0.3, std: 2 };
    const e = await evaluateResponses(task, other, sft, config, evalPrompts, 'per-response', undefined, { params: rm, config: { ...config, scalarHead: true }, norm });
    const plain = await evaluatePolicy(task, other, sft, config, evalPrompts, 'per-response');
    // The old numbers are unchanged (the mean KL is still one sum on the device).
    expect(plain).toEqual({ gold: e.gold, goldSe: e.goldSe, winRate: e.winRate, winRateSe: e.winRateSe, kl: e.kl, length: e.length, responses: e.responses, golds: e.golds });
    expect(e.lengths).toEqual(e.responses.map((r) => r.length));
    expect(e.kls.reduce((a, b) => a + b, 0) / e.kls.length).toBeCloseTo(e.kl, 4);
    expect(e.kls.some((k) => Math.abs(k) > 0.1)).toBe(true); // an opinionated policy is far from SFT
    // The same seed's batch scored as a rollout scores it: Σ(ℓ_old − ℓ_ref) per sequence and the clamped RM score.
    const options = taskSampleOptions(task, 1);
    const batch = await sampleResponses(other, config, evalPrompts, options, createRng('per-response'));
    expect(batch.responses).toEqual(e.responses);
    const r = await scoreBatch({ policy: other, reference: sft, rewardModel: rm, norm, config }, batch, options);
    e.kls.forEach((k, b) => {
      const from = r.offsets[b]!;
      const to = r.offsets[b + 1]!;
      let sum = 0;
      for (let m = from; m < to; m++) sum += r.logpOld[m]! - r.logpRef[m]!;
      expect(k).toBeCloseTo(sum, 4);
    });
    e.scores.forEach((x, b) => expect(x).toBeCloseTo(r.rmScore[b]!, 5));
    expect(new Set(e.scores.map((x) => x.toFixed(4))).size).toBeGreaterThan(1);
    // Without the reward model or the reference, those columns are NaN.
    const bare = await evaluateResponses(task, other, null, config, evalPrompts, 'per-response');
    expect(bare.kls.every(Number.isNaN) && bare.scores.every(Number.isNaN)).toBe(true);
    expect(bare.lengths).toEqual(e.lengths);
  });

  it("a run's responses event: the first prompts, their numbers, and SFT's responses to the same prompts", async () => {
    const baseline = await sftBaseline(task, { params: sft, config }, evalPrompts, 5);
    const events: StageEvent[] = [];
    const r = await trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0, std: 1 } },
      settings: untrainedRlSettings({ iterations: 3, evalEvery: 2, tokensEvery: 0 }),
      seed: 5,
      prompts: task.train.slice(0, 32).map((e) => e.prompt),
      evalPrompts,
      baseline,
      onEvent: (e) => events.push(e),
    });
    disposeParams(r.params);
    const tables = events.flatMap((e) => (e.type === 'responses' ? [e] : []));
    // The gold evaluations: iteration 0, every 2nd and the last.
    expect(tables.map((t) => t.step)).toEqual([0, 2, 3]);
    const evalSteps = events.flatMap((e) => (e.type === 'metrics' && e.values['gold/reward'] !== undefined ? [e.step] : []));
    expect(evalSteps).toEqual([0, 2, 3]);
    const start = tables[0]!;
    expect(start.rows).toHaveLength(evalPrompts.length); // 24 < 64: every prompt
    expect(start.sft).toHaveLength(evalPrompts.length);
    // Iteration 0 is SFT: its rows are SFT's, KL 0 each.
    start.rows.forEach((row, i) => {
      expect(row.response).toEqual(start.sft[i]!.response);
      expect(row.gold).toBe(baseline.gold[i]);
      expect(row.kl).toBe(0);
      expect(row.length).toBe(row.response.length);
      expect(row.response[row.response.length - 1]).toBe('<eos>');
      expect(Number.isFinite(row.score)).toBe(true);
    });
    expect(start.rows[0]!.prompt).toBe(task.tokenizer.decode(evalPrompts[0]!.filter((id) => id !== 1)).join(' '));
    const last = tables[2]!;
    const metrics = events.find((e) => e.type === 'metrics' && e.step === 3);
    const meanLength = last.rows.reduce((a, x) => a + x.length, 0) / last.rows.length;
    expect(metrics?.type === 'metrics' && metrics.values['eval/length']).toBeCloseTo(meanLength, 10);
    expect(last.sft).toEqual(start.sft);
  });

  it('keeps at most the first 64 prompts', () => {
    const n = RESPONSE_ROWS + 6;
    const prompts = Array.from({ length: n }, (_, i) => [1, 4 + (i % 5)]);
    const responses = prompts.map(() => [5, 2]);
    const golds = prompts.map((_, i) => i);
    const e = { responses, golds, scores: golds.map(() => 0.5), kls: golds.map(() => 0.1), lengths: golds.map(() => 2) };
    const { rows, sft } = responseRows(task, prompts, e, { gold: golds, evaluation: { responses, golds } });
    expect(rows).toHaveLength(64);
    expect(sft).toHaveLength(64);
    expect(rows[63]!.gold).toBe(63);
    expect(responseRows(task, prompts, e, { gold: golds }).sft).toEqual([]);
  });
});
