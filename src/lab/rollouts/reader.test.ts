/** Tests of the rollout-log reader: chunk splits, bad lines, alignment, pad stripping, Unicode and views. */
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lineSplitter';
import { parseRolloutLine } from './parseLine';
import { readRolloutText, RolloutFileReader } from './fileReader';
import type { RolloutRecord } from './fields';

const line = (o: object): string => JSON.stringify(o);

const SMALL = [
  line({ step: 0, prompt: 'p0', response: 'r0', response_tokens: ['a', 'b'], logprobs: [-1, -2], ref_logprobs: [-1.5, -2], reward: 0.5 }),
  '',
  line({ step: 0, prompt: '你好', response: '🙂 שלום', reward: -0.25, ref_reward: 0.1 }),
  '{not json',
  line({ step: 1, response_tokens: ['x', 'y', 'z'], values: [1, 2], reward: 2 }),
  line({ step: 1, reward: 'high' }),
].join('\r\n');

function readInChunks(text: string, cuts: number[]): { records: RolloutRecord[]; summary: ReturnType<RolloutFileReader['summary']> } {
  const reader = new RolloutFileReader();
  const records: RolloutRecord[] = [];
  let from = 0;
  for (const c of [...cuts, text.length]) {
    records.push(...reader.push(text.slice(from, c)));
    from = c;
  }
  records.push(...reader.end());
  return { records, summary: reader.summary() };
}

describe('streaming', () => {
  it('gives identical records and summaries for a split at every position and for every pair of splits', () => {
    const whole = readRolloutText(SMALL);
    expect(whole.records.map((r) => r.line)).toEqual([1, 3, 5]);
    expect(whole.summary.badLines).toEqual([
      { line: 4, reason: expect.stringMatching(/^not JSON/) },
      { line: 6, reason: 'reward must be a number, got a string' },
    ]);
    for (let i = 0; i <= SMALL.length; i++) {
      expect(readInChunks(SMALL, [i])).toEqual(whole);
    }
    for (let i = 0; i <= SMALL.length; i += 7) {
      for (let j = i; j <= SMALL.length; j += 5) expect(readInChunks(SMALL, [i, j])).toEqual(whole);
    }
    // One character per chunk.
    expect(readInChunks(SMALL, Array.from({ length: SMALL.length }, (_, k) => k))).toEqual(whole);
  });

  it('numbers lines from 1, drops a byte-order mark, keeps a last line without a newline', () => {
    const s = new LineSplitter();
    expect(s.push('\uFEFFa\nb')).toEqual([{ text: 'a', lineNumber: 1 }]);
    expect(s.push('c\r\n\n')).toEqual([{ text: 'bc', lineNumber: 2 }, { text: '', lineNumber: 3 }]);
    expect(s.push('d')).toEqual([]);
    expect(s.end()).toEqual([{ text: 'd', lineNumber: 4 }]);
  });

  it('reports a line longer than the limit without buffering it', () => {
    const text = `${line({ step: 0, reward: 1 })}\n${'x'.repeat(50)}\n${line({ step: 1, reward: 2 })}\n`;
    const { records, summary } = readRolloutText(text, { maxLineChars: 40 });
    expect(records.map((r) => r.step)).toEqual([0, 1]);
    expect(summary.badLines).toEqual([{ line: 2, reason: 'longer than 40 characters' }]);
  });
});

describe('bad lines', () => {
  const cases: [string, RegExp | string][] = [
    ['{"reward": 1', /^not JSON/],
    ['{"reward": NaN}', /NaN or Infinity/],
    ['[1, 2]', 'not a JSON object (an array)'],
    ['42', 'not a JSON object (the number 42)'],
    ['{"step": "3"}', 'step must be a whole number, got a string'],
    ['{"step": 1.5}', 'step must be a whole number ≥ 0, got 1.5'],
    ['{"step": -1}', 'step must be a whole number ≥ 0, got -1'],
    ['{"reward": 1e999}', 'reward is not finite (Infinity)'],
    ['{"ref_reward": -1e999}', 'ref_reward is not finite (-Infinity)'],
    ['{"prompt": 7}', 'prompt must be a string, got the number 7'],
    ['{"response_tokens": "ab"}', 'response_tokens must be an array of strings, got a string'],
    ['{"response_tokens": ["a", 1]}', 'response_tokens[1] must be a string, got the number 1'],
    ['{"logprobs": [-1, "x"]}', 'logprobs[1] must be a number, got a string'],
    ['{"values": [0, 1e999]}', 'values[1] is not finite (Infinity)'],
    ['{"response_tokens": ["a"], "logprobs": [-1, -2]}', 'logprobs has 2 values for 1 response_tokens (more values than tokens)'],
    ['{"response_tokens": ["a", "b", "c"], "values": [1]}', /^values has 1 values for 3 response_tokens \(a reader aligns at most one/],
    ['{"logprobs": [-1, -2], "ref_logprobs": [-1]}', /^ref_logprobs has 1 values but logprobs has 2/],
  ];
  it.each(cases)('%s', (text, reason) => {
    const parsed = parseRolloutLine(text, 9);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('lists each with its line number, counts them all, lists at most the first N, never uses them', () => {
    const lines = [line({ step: 0, reward: 1 }), ...cases.map((c) => c[0]), line({ step: 0, reward: 3 })];
    const { records, summary } = readRolloutText(lines.join('\n'), { maxListedBadLines: 5 });
    expect(records.map((r) => r.reward)).toEqual([1, 3]);
    expect(summary.badLineCount).toBe(cases.length);
    expect(summary.badLines.map((b) => b.line)).toEqual([2, 3, 4, 5, 6]);
    expect(summary.badLines[2]).toEqual({ line: 4, reason: 'not a JSON object (an array)' });
    expect(summary.records).toBe(2);
    expect(summary.lines).toBe(cases.length + 2);
  });

  it('treats null and missing fields alike and ignores unknown keys', () => {
    const parsed = parseRolloutLine('{"step": 2, "ref_response": null, "ref_reward": null, "extra": [1]}', 1);
    expect(parsed).toEqual({ ok: true, record: { line: 1, step: 2 }, unknownKeys: ['extra'], droppedTokens: 0, strippedPadTokens: 0 });
    expect(parseRolloutLine('{}', 3)).toMatchObject({ ok: true, record: { line: 3 } });
  });
});

describe('alignment and pad stripping', () => {
  it('aligns arrays one shorter than response_tokens from the first token and counts the dropped tokens', () => {
    const text = [
      line({ step: 0, response_tokens: ['a', 'b', 'c'], logprobs: [-1, -2], ref_logprobs: [-1, -2, -3] }),
      line({ step: 0, response_tokens: ['a', 'b'], logprobs: [-1, -2], values: [0.5] }),
      line({ step: 0, response_tokens: ['a', 'b'], logprobs: [-1, -2] }),
    ].join('\n');
    const { records, summary } = readRolloutText(text);
    expect(records[0]).toEqual({ line: 1, step: 0, response_tokens: ['a', 'b'], logprobs: [-1, -2], ref_logprobs: [-1, -2] });
    expect(records[1]).toEqual({ line: 2, step: 0, response_tokens: ['a'], logprobs: [-1], values: [0.5] });
    expect(records[2]!.response_tokens).toEqual(['a', 'b']);
    expect(summary.alignedRecords).toBe(2);
    expect(summary.droppedTokens).toBe(2);
  });

  it('strips trailing pad tokens (and their values), pads around the prompt and after the response', () => {
    const pad = '<pad>';
    const text = [
      line({ prompt: '<pad><pad>Hi <pad>there<pad>', response: 'ok<pad><pad>', response_tokens: ['o', 'k', pad, pad, pad], logprobs: [-1, -2, 0, 0], values: [1, 2, 3, 4, 5] }),
      line({ response_tokens: [pad, 'x'], token_rewards: [0, 1] }),
    ].join('\n');
    const { records, summary } = readRolloutText(text, { padToken: pad });
    expect(records[0]).toEqual({ line: 1, prompt: 'Hi <pad>there', response: 'ok', response_tokens: ['o', 'k'], logprobs: [-1, -2], values: [1, 2] });
    expect(records[1]!.response_tokens).toEqual([pad, 'x']);
    expect(summary.strippedPadTokens).toBe(3);
    expect(summary.droppedTokens).toBe(0);
    // Without the pad token the same line is one value short: aligned, one token dropped.
    const plain = readRolloutText(text);
    expect(plain.records[0]!.response_tokens).toEqual(['o', 'k', pad, pad]);
    expect(plain.summary.droppedTokens).toBe(1);
    expect(plain.records[0]!.prompt).toBe('<pad><pad>Hi <pad>there<pad>');
  });

  it('turns more than one unscored pad into a bad line without the pad token, and aligns it with the pad token', () => {
    const text = line({ response_tokens: ['a', '<pad>', '<pad>', '<pad>'], logprobs: [-1] });
    expect(readRolloutText(text).summary.badLineCount).toBe(1);
    const withPad = readRolloutText(text, { padToken: '<pad>' });
    expect(withPad.records[0]).toMatchObject({ response_tokens: ['a'], logprobs: [-1] });
    expect(withPad.summary.strippedPadTokens).toBe(3);
  });
});

describe('Unicode', () => {
  it('passes CJK, emoji, RTL and combining text through unchanged, also when chunks split surrogate pairs', () => {
    const texts = { prompt: '请写一首关于春天的诗', response: '春眠不觉晓 🌸👩‍👩‍👧 مرحبا بالعالم שלום é', ref_response: '🇯🇵 日本語', response_tokens: ['春', '🌸', 'مر', 'Ġש', '\u200f'] };
    const text = `${line({ ...texts, step: 3, logprobs: [-1, -1, -1, -1, -1] })}\n`;
    const whole = readRolloutText(text);
    expect(whole.records[0]).toMatchObject(texts);
    for (let i = 0; i <= text.length; i++) expect(readInChunks(text, [i]).records).toEqual(whole.records);
  });
});

describe('views', () => {
  it('a text-only log supports the reward views and not the token views', () => {
    const text = [
      line({ prompt: 'a', response: 'b', reward: 1, step: 0, ref_response: 'c', ref_reward: 0.5 }),
      line({ prompt: 'a', response: 'd', reward: 2, step: 1, ref_response: 'e', ref_reward: 0.25 }),
    ].join('\n');
    const { summary } = readRolloutText(text);
    expect(summary.fields).toEqual(['step', 'prompt', 'response', 'reward', 'ref_response', 'ref_reward']);
    expect(summary.views).toEqual(['reward-curve', 'ref-reward-curve', 'reward-distribution', 'reward-minus-ref', 'responses-by-reward', 'ref-responses']);
    expect(summary.viewCounts['reward-curve']).toBe(2);
    for (const v of ['token-heatmap', 'token-rewards', 'token-probs', 'responses-by-kl'] as const) expect(summary.views).not.toContain(v);
  });

  it('a full per-token log supports the token views', () => {
    const text = line({ step: 0, response: 'x', response_tokens: ['x'], logprobs: [-1], ref_logprobs: [-2], values: [0], token_rewards: [1], reward: 1, kl_rewards: [0.1] });
    const { summary } = readRolloutText(text);
    expect(summary.views).toEqual(expect.arrayContaining(['token-heatmap', 'token-rewards', 'token-values', 'token-probs', 'token-log-ratio', 'responses-by-kl', 'token-rto-channels']));
    expect(summary.views).not.toContain('ref-reward-curve');
    expect(summary.fieldCounts.logprobs).toBe(1);
  });
});
