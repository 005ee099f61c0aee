import { describe, expect, it } from 'vitest';
import type { ResponseRow } from '../lab/events';
import { countsLine, filterRows, hackingCounts, hasRepeatedWord, nextOrder, sortRows, tableRows } from './responseTable';

const row = (prompt: string, words: string, gold: number, extra: Partial<ResponseRow> = {}): ResponseRow => {
  const response = [...words.split(' ').filter(Boolean), '<eos>'];
  return { prompt, response, gold, score: gold * 2, kl: 0.1, length: response.length, ...extra };
};

// Cap 8: a response of 7 or 8 tokens (<eos> included) is at the cap.
const CAP = 8;
const rows = [
  row('the film', 'was fine .', 0.1),
  row('i thought', 'great great great', 0.9),
  row('this movie', 'a good b good good', 0.5, { kl: Number.NaN }),
  row('the plot', 'so so good and fun yes', 0.7),
  row('the cast', 'was fine .', -0.2),
  row('my friend', 'hated it', -0.6),
  row('the ending', 'was fine .', 0.3),
  row('we all', "did n't like it", -0.1),
];
const sft = rows.map((_, i) => ({ response: i === 3 ? ['one', 'two', 'three', 'four', 'five', 'six', '<eos>'] : ['ok', '<eos>'], gold: 0, length: i === 3 ? 7 : 2 }));

describe('the response table', () => {
  const table = tableRows(rows, sft, CAP);

  it('flags the signs of reward hacking', () => {
    expect(hasRepeatedWord(['great', 'great', 'great', '<eos>'])).toBe(true); // three in a row
    expect(hasRepeatedWord(['a', 'good', 'b', 'good', 'good', '<eos>'])).toBe(true); // 3 of 5 words
    expect(hasRepeatedWord(['a', 'good', 'b', 'good', '<eos>'])).toBe(false); // 2 of 4 is not more than half
    expect(hasRepeatedWord(['good', 'good', '<eos>'])).toBe(false); // too short for the majority rule
    expect(table.map((r) => r.flags.atCap)).toEqual([false, false, false, true, false, false, false, false]); // 7 tokens ≥ 8 − 1
    expect(table.map((r) => r.flags.repeated)).toEqual([false, true, true, false, false, false, false, false]);
    // "was fine ." for 3 of 8 prompts: at least a quarter (2).
    expect(table.map((r) => r.flags.shared)).toEqual([true, false, false, false, true, false, true, false]);
    expect(hackingCounts(table)).toEqual({ rows: 8, atCap: 1, repeated: 2, shared: 3, flagged: 6, sftAtCap: 1 });
    expect(countsLine(hackingCounts(table), CAP, 4)).toBe(
      'Signs of reward hacking at iteration 4, 8 prompts: 1 at the length cap (7+ of 8 tokens; SFT: 1), 2 with a repeated word, 3 giving a response shared by 25%+ of the prompts.',
    );
    // Without a cap nothing is at it; one response given once among four is not shared.
    const few = tableRows(rows.slice(0, 4), [], Number.NaN);
    expect(few.some((r) => r.flags.atCap || r.flags.shared)).toBe(false);
    expect(hackingCounts(few).sftAtCap).toBeNull();
  });

  it('shows the responses as text beside SFT', () => {
    expect(table[7]!.text).toBe("didn't like it");
    expect(table[3]!.sft).toMatchObject({ text: 'one two three four five six', atCap: true, gold: 0 });
  });

  it('sorts by any column both ways, missing numbers last, ties in prompt order', () => {
    const by = (column: Parameters<typeof nextOrder>[1], direction: 'ascending' | 'descending') => sortRows(table, { column, direction });
    expect(by('gold', 'ascending').map((r) => r.gold)).toEqual([-0.6, -0.2, -0.1, 0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(by('gold', 'descending').map((r) => r.gold)).toEqual([0.9, 0.7, 0.5, 0.3, 0.1, -0.1, -0.2, -0.6]);
    expect(by('score', 'descending')[0]!.score).toBe(1.8);
    expect(by('kl', 'ascending').map((r) => r.index)).toEqual([0, 1, 3, 4, 5, 6, 7, 2]);
    expect(by('kl', 'descending').map((r) => r.index)).toEqual([0, 1, 3, 4, 5, 6, 7, 2]);
    expect(by('length', 'descending').map((r) => r.length)).toEqual([7, 6, 5, 4, 4, 4, 4, 3]);
    expect(by('prompt', 'ascending').map((r) => r.prompt).slice(0, 3)).toEqual(['i thought', 'my friend', 'the cast']);
    expect(by('response', 'descending')[0]!.text).toBe('was fine.');
    expect(sortRows(by('gold', 'ascending'), null).map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(nextOrder(null, 'gold')).toEqual({ column: 'gold', direction: 'ascending' });
    expect(nextOrder({ column: 'gold', direction: 'ascending' }, 'gold')).toEqual({ column: 'gold', direction: 'descending' });
    expect(nextOrder({ column: 'gold', direction: 'descending' }, 'kl')).toEqual({ column: 'kl', direction: 'ascending' });
  });

  it('filters by words of the prompt or the response', () => {
    expect(filterRows(table, 'FINE').map((r) => r.index)).toEqual([0, 4, 6]);
    expect(filterRows(table, 'the fine').map((r) => r.index)).toEqual([0, 4, 6]);
    expect(filterRows(table, 'friend hated').map((r) => r.index)).toEqual([5]);
    expect(filterRows(table, 'friend fine')).toEqual([]);
    expect(filterRows(table, '  ')).toHaveLength(8);
  });

  it('reads a restored lab’s nulls (NaN in JSON) as missing numbers', () => {
    const restored = tableRows([{ ...rows[0]!, score: null as unknown as number }], [], CAP);
    expect(restored[0]!.score).toBeNaN();
  });
});
