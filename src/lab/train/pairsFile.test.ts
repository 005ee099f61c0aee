import { describe, expect, it } from 'vitest';
import { parsePairsFile } from './pairsFile';

const stats = { prompts: 2, pairs: 1, ties: 1, tieRate: 0.5, agreement: 1 };
const good = { train: [{ prompt: [1, 5], chosen: [6, 2], rejected: [7, 2], goldChosen: 0.5, goldRejected: 0 }], heldOut: [], stats: { train: stats, heldOut: stats } };

describe('preference-pairs files', () => {
  it('reads a valid file', () => {
    expect(parsePairsFile(good, 10).train[0]?.chosen).toEqual([6, 2]);
  });
  it('refuses a damaged file, or pairs from another vocabulary, with the reason', () => {
    expect(() => parsePairsFile({ ...good, train: [] }, 10)).toThrow(/not a preference-pairs file: train/);
    expect(() => parsePairsFile({ hello: 1 }, 10)).toThrow(/not a preference-pairs file/);
    expect(() => parsePairsFile(good, 7)).toThrow(/token id 7, outside .* vocabulary of 7/);
  });
});
