/**
 * The page's view of opened rollout logs (runView.ts): several files merged by step, a text-only log's reward
 * samples without token rows, bad lines counted per file, and the per-step caps.
 */
import { describe, expect, it } from 'vitest';
import { rolloutRunViewOf, RolloutRunCollector, rolloutTokenRow } from './runView';

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

describe('rollout run view', () => {
  it('merges the files of one run by step and keeps each file’s summary', () => {
    const a = line({ step: 0, prompt: 'p', response: 'r1', reward: 1, ref_reward: 0.5 }) + line({ step: 1, prompt: 'p', response: 'r2', reward: 3, ref_reward: 1 });
    const b = line({ step: 0, prompt: 'q', response: 'r3', reward: 2, ref_reward: 1 }) + 'not json\n' + line({ step: 1, reward: 'x' });
    const view = rolloutRunViewOf([{ name: 'rank0.jsonl', text: a }, { name: 'rank1.jsonl', text: b }]);
    expect(view.series).toHaveLength(1);
    const [s] = view.series;
    expect(s!.method).toBeNull();
    expect(s!.steps.map((r) => [r.step, r.responses, r.meanReward, r.meanRefReward])).toEqual([[0, 2, 1.5, 0.75], [1, 1, 3, 1]]);
    expect(s!.samples[0]!.rewards).toEqual([1, 2]);
    expect(s!.samples[0]!.minusRef).toEqual([0.5, 1]);
    expect(s!.samples[0]!.table.map((t) => [t.response, t.file, t.line])).toEqual([['r1', 0, 1], ['r3', 1, 1]]);
    expect(view.files.map((f) => [f.name, f.summary.records, f.summary.badLineCount])).toEqual([['rank0.jsonl', 2, 0], ['rank1.jsonl', 1, 2]]);
    expect(view.files[1]!.summary.badLines.map((b) => b.line)).toEqual([2, 3]);
    expect(view.files[0]!.bytes).toBe(new TextEncoder().encode(a).length);
  });

  it('gives a text-only log the reward views and no token rows', () => {
    const text = [0, 0, 1].map((step, i) => line({ prompt: `p${i}`, response: `ответ ${i} 回答`, reward: i, step, ref_response: 'ref', ref_reward: -i })).join('');
    const view = rolloutRunViewOf([{ name: 'text.jsonl', text }]);
    expect(view.views).toEqual(['reward-curve', 'ref-reward-curve', 'reward-distribution', 'reward-minus-ref', 'responses-by-reward', 'ref-responses']);
    const samples = view.series[0]!.samples;
    expect(samples.every((s) => s.heatmap.length === 0)).toBe(true);
    expect(samples[0]!.table.map((t) => [t.response, t.refResponse, t.refReward, t.kl, t.tokens])).toEqual([['ответ 0 回答', 'ref', 0, null, null], ['ответ 1 回答', 'ref', -1, null, null]]);
    expect(samples[1]!.minusRef).toEqual([4]);
  });

  it('caps what it keeps per step and says how many responses the step had', () => {
    const collector = new RolloutRunCollector({}, { maxValuesPerStep: 3, maxTableRowsPerStep: 2, maxHeatmapRowsPerStep: 1, maxTextChars: 5 });
    const feed = collector.addFile('big.jsonl', 0);
    for (let i = 0; i < 10; i++) feed.push(line({ step: 4, prompt: 'a long prompt', response: 'r', response_tokens: ['r'], logprobs: [-1], reward: i }));
    feed.end();
    const [s] = collector.view().series;
    expect(s!.steps[0]!.responses).toBe(10);
    expect(s!.steps[0]!.meanReward).toBe(4.5);
    expect(s!.samples[0]!.rewards).toEqual([0, 1, 2]);
    expect(s!.samples[0]!.table).toHaveLength(2);
    expect(s!.samples[0]!.table[0]!.prompt).toBe('a lon…');
    expect(s!.samples[0]!.heatmap).toHaveLength(1);
  });

  it('marks a file read only in part', () => {
    const collector = new RolloutRunCollector();
    const feed = collector.addFile('cut.jsonl', 100);
    feed.push(line({ step: 0, reward: 1 }) + '{"step": 1, "rew');
    feed.stop('cancelled after 40 of 100 bytes');
    const view = collector.view();
    expect(view.files[0]!.stopped).toBe('cancelled after 40 of 100 bytes');
    expect(view.records).toBe(1);
  });

  it('builds token rows only from token arrays, the score on the last token', () => {
    expect(rolloutTokenRow({ line: 1, response_tokens: ['a'] }, 0)).toBeNull();
    expect(rolloutTokenRow({ line: 1, logprobs: [-1] }, 0)).toBeNull();
    expect(rolloutTokenRow({ line: 7, response_tokens: ['a', 'b'], token_rewards: [0.1, 0.2], score_reward: 2 }, 3)).toEqual({
      prompt: '',
      tokens: ['a', 'b'],
      channels: { total: [0.1, 0.2], score: [0, 2] },
      file: 3,
      line: 7,
    });
  });
});
