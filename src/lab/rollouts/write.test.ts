/**
 * Round trip of the rollout-log writer: the heatmap rows of a tiny real RTO run (untrained models on the oracle
 * task), written as JSONL and read back with the reader, give exactly the same numbers per token, and the reader
 * reports the token views as supported. Also: the writer refuses non-finite numbers and misshapen rows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import type { StageEvent, TokenRow } from '../events';
import { disposeParams, initGpt } from '../model/gpt';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import { trainRl } from '../train/rl';
import { sftBaseline } from '../train/rlBaseline';
import { opinionatedGpt, UNTRAINED_CONFIG, untrainedRlSettings } from '../train/untrainedRlFixture';
import { readRolloutText } from './fileReader';
import { rolloutRunViewOf } from './runView';
import { rolloutLinesOf, rolloutTextOf } from './write';

const config = UNTRAINED_CONFIG;
/** −0 as 0, as JSON writes it. */
const z = (xs: readonly number[]): number[] => xs.map((x) => x + 0);

describe('rollout-log writer', () => {
  let tokens: { step: number; rows: TokenRow[] }[] = [];

  beforeAll(async () => {
    await useNodeBackend('wasm');
    const task = oracleTask({ seed: 3, sftExamples: 200 });
    const sft = opinionatedGpt('write-test:sft');
    const dpo = opinionatedGpt('write-test:dpo');
    const rm = initGpt({ ...config, scalarHead: true }, createRng('write-test:rm'));
    const evalPrompts = task.heldOut.slice(0, 4).map((e) => e.prompt);
    const events: StageEvent[] = [];
    const r = await trainRl({
      task,
      sft: { params: sft, config },
      rewardModel: { params: rm, config: { ...config, scalarHead: true }, norm: { mean: 0.1, std: 2 } },
      dpo: { params: dpo, config },
      settings: untrainedRlSettings({ mode: 'rto', iterations: 2, tokensEvery: 1, tokenRows: 2, evalEvery: 2 }),
      seed: 7,
      prompts: task.train.slice(0, 40).map((e) => e.prompt),
      evalPrompts,
      baseline: await sftBaseline(task, { params: sft, config }, evalPrompts, 7),
      onEvent: (e) => events.push(e),
    });
    disposeParams(r.params);
    for (const p of [sft, dpo, rm]) disposeParams(p);
    tokens = events.flatMap((e) => (e.type === 'tokens' ? [{ step: e.step, rows: e.rows }] : []));
  }, 60_000);

  it('writes one line per heatmap row that reads back with exactly the same numbers per token', () => {
    expect(tokens.map((t) => [t.step, t.rows.length])).toEqual([[1, 2], [2, 2]]);
    const lines = rolloutLinesOf({ method: 'rto', tokens });
    expect(lines).toHaveLength(4);
    const { records, summary } = readRolloutText(rolloutTextOf({ method: 'rto', tokens }));
    expect(summary.badLineCount).toBe(0);
    expect(summary.unknownKeys).toEqual([]);
    expect(summary.droppedTokens).toBe(0);
    expect(summary.records).toBe(4);
    const rows = tokens.flatMap((t) => t.rows.map((row) => ({ step: t.step, row })));
    records.forEach((rec, i) => {
      const { step, row } = rows[i]!;
      const c = row.channels;
      expect(rec.step).toBe(step);
      expect(rec.prompt).toBe(row.prompt);
      expect(rec.response_tokens).toEqual(row.tokens);
      expect(rec.response).toBe(row.tokens.join(' '));
      expect(rec.response_tokens!.at(-1)).toBe('<eos>');
      // Exact: JSON writes the shortest decimal that parses back to the same double (−0 is written as 0).
      expect(rec.logprobs).toEqual(z(c.logpPolicy));
      expect(rec.ref_logprobs).toEqual(z(c.logpRef));
      expect(rec.dpo_logprobs).toEqual(z(c.logpDpo!));
      expect(rec.values).toEqual(z(c.value));
      expect(rec.token_rewards).toEqual(z(c.total));
      expect(rec.dpo_rewards).toEqual(z(c.dpo));
      expect(rec.kl_rewards).toEqual(z(c.kl));
      const score = c.score.at(-1)!;
      expect(c.score.slice(0, -1).every((x) => x === 0)).toBe(true);
      expect(rec.score_reward).toBe(score);
      expect(rec.reward).toBe(score);
      expect(rec.gold).toBe(row.gold);
      expect(rec.method).toBe('rto');
      // The lab's total is the Python writer's token_rewards: kl + dpo, plus score_reward on the last token.
      rec.token_rewards!.forEach((t, h) => {
        expect(t).toBeCloseTo(rec.kl_rewards![h]! + rec.dpo_rewards![h]! + (h === rec.token_rewards!.length - 1 ? score : 0), 12);
      });
      // The untrained models are opinionated: the numbers are not all zero.
      expect(rec.logprobs!.some((x, h) => x !== rec.ref_logprobs![h])).toBe(true);
    });
    expect(summary.views).toEqual(expect.arrayContaining([
      'reward-curve', 'reward-distribution', 'responses-by-reward', 'responses-by-kl',
      'token-heatmap', 'token-rewards', 'token-values', 'token-probs', 'token-log-ratio', 'token-rto-channels', 'gold-curve',
    ]));
    expect(summary.viewCounts['token-rto-channels']).toBe(4);
    expect(summary.viewCounts['token-probs']).toBe(4);
  });

  it("reopens in the page's view with the live heatmap's numbers per token, one series per method", () => {
    // The page downloads every run in one file: here the same rows as an 'rto' and a 'ppo' run.
    const text = rolloutTextOf({ method: 'rto', tokens }) + rolloutTextOf({ method: 'ppo', tokens });
    const view = rolloutRunViewOf([{ name: 'rto-lab-rollouts.jsonl', text }]);
    expect(view.records).toBe(8);
    expect(view.series.map((s) => [s.method, s.records, s.steps.map((r) => [r.step, r.responses])])).toEqual([
      ['rto', 4, [[1, 2], [2, 2]]],
      ['ppo', 4, [[1, 2], [2, 2]]],
    ]);
    for (const series of view.series) {
      expect(series.samples.map((s) => s.step)).toEqual([1, 2]);
      series.samples.forEach((sample, k) => {
        const live = tokens[k]!;
        expect(sample.heatmap).toHaveLength(live.rows.length);
        sample.heatmap.forEach((h, i) => {
          const c = live.rows[i]!.channels;
          expect(h.tokens).toEqual(live.rows[i]!.tokens);
          expect(h.gold).toBe(live.rows[i]!.gold);
          // Every channel the log holds, exactly: the score channel is rebuilt from score_reward on the last token.
          expect(h.channels).toEqual({ total: z(c.total), logpPolicy: z(c.logpPolicy), logpRef: z(c.logpRef), logpDpo: z(c.logpDpo!), value: z(c.value), dpo: z(c.dpo), kl: z(c.kl), score: z(c.score) });
        });
        expect(sample.rewards).toEqual(live.rows.map((r) => r.channels.score.at(-1)! + 0));
        expect(sample.table.map((t) => t.kl)).toEqual(live.rows.map((r) => r.channels.logpPolicy.reduce((a, x, h) => a + x - r.channels.logpRef[h]!, 0)));
      });
      expect(series.steps[0]!.meanReward).toBeCloseTo((tokens[0]!.rows[0]!.channels.score.at(-1)! + tokens[0]!.rows[1]!.channels.score.at(-1)!) / 2, 12);
    }
  });

  const row = (over: Partial<TokenRow['channels']> = {}, gold = 0.5): TokenRow => ({
    prompt: 'a b',
    tokens: ['x', '<eos>'],
    gold,
    channels: { logpPolicy: [-1, -2], logpRef: [-1.5, -2], dpo: [0.1, 0], kl: [0.025, 0], score: [0, 1.5], total: [0.125, 1.5], value: [0.2, 0.3], advantage: [1, 1], ...over },
  });

  it('refuses non-finite numbers, naming the field, and arrays of the wrong length', () => {
    expect(() => rolloutLinesOf({ method: 'ppo', tokens: [{ step: 3, rows: [row(), row({ value: [0, Number.NaN] })] }] })).toThrow(
      'rollout log: step 3 row 1: values[1] must be a finite number, got NaN',
    );
    expect(() => rolloutLinesOf({ method: 'ppo', tokens: [{ step: 0, rows: [row({ logpPolicy: [-Infinity, 0] })] }] })).toThrow('logprobs[0] must be a finite number, got -Infinity');
    expect(() => rolloutLinesOf({ method: 'ppo', tokens: [{ step: 0, rows: [row({}, Number.POSITIVE_INFINITY)] }] })).toThrow('gold must be a finite number');
    expect(() => rolloutLinesOf({ method: 'ppo', tokens: [{ step: 0, rows: [row({ kl: [0] })] }] })).toThrow('kl_rewards has 1 values but response_tokens has 2 tokens');
    expect(() => rolloutLinesOf({ method: 'ppo', tokens: [{ step: -1, rows: [row()] }] })).toThrow('step must be a whole number >= 0');
  });

  it('writes the Python writer’s key order and leaves out dpo_logprobs without a DPO model', () => {
    const [line] = rolloutLinesOf({ method: 'ppo', tokens: [{ step: 0, rows: [row()] }] });
    expect(line).toBe(
      '{"step":0,"prompt":"a b","response":"x <eos>","response_tokens":["x","<eos>"],"reward":1.5,"logprobs":[-1,-2],"ref_logprobs":[-1.5,-2],' +
        '"values":[0.2,0.3],"token_rewards":[0.125,1.5],"dpo_rewards":[0.1,0],"kl_rewards":[0.025,0],"score_reward":1.5,"gold":0.5,"method":"ppo"}',
    );
  });
});
