/**
 * The faster punctuation table of vader.ts against the package as it ships: a fresh copy of vader-sentiment, loaded
 * without the swap, must score every text the same to the bit (all four scores): the corpus's sentences and their
 * responses, and 3,000 random texts of lexicon words, boosters, negations, capitals, marks and emoticons.
 */
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusAssetFromDisk } from '../../cli/assets';
import { punctuatedWords, SELF_CHECK_TEXTS, speedUpVader, vaderCompound } from './vader';

type Scores = { neg: number; neu: number; pos: number; compound: number };
let shipped: (text: string) => Scores;
let fast: (text: string) => Scores;

beforeAll(() => {
  const require = createRequire(import.meta.url);
  fast = (text) => (require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores: (t: string) => Scores } }).SentimentIntensityAnalyzer.polarity_scores(text);
  // vader.ts has made the swap in the copy every importer shares; a copy loaded afresh is the package as it ships.
  expect(vaderCompound('good')).toBeGreaterThan(0);
  const path = require.resolve('vader-sentiment');
  const cached = require.cache[path];
  delete require.cache[path];
  const fresh = require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores: (t: string) => Scores } };
  if (cached) require.cache[path] = cached;
  shipped = (text) => fresh.SentimentIntensityAnalyzer.polarity_scores(text);
});

describe('VADER with the faster punctuation table', () => {
  it('is in use (the swap is made on the package this lab ships), and scores as the package does', () => {
    expect(speedUpVader()).toBe(true);
    for (const text of SELF_CHECK_TEXTS) expect(fast(text)).toEqual(shipped(text));
  });

  it('maps a token to its word only through a mark of the list, before or after a word of the text', () => {
    // '"great"' is neither '"' then a word nor a word then '"'; '?!' is not a mark of the list; 'x' is too short.
    expect(punctuatedWords('good! "great" ?!bad ok?!? x. do-nt')).toEqual({ 'good!': 'good', 'ok?!?': 'ok' });
    expect(punctuatedWords('"great great')).toEqual({ '"great': 'great' });
    expect(punctuatedWords('')).toEqual({});
  });

  it("scores the corpus's sentences and their last eight words as the package does", async () => {
    const asset = await loadCorpusAssetFromDisk();
    const texts = asset.sentences.slice(0, 6000).flatMap((s) => [s, s.split(' ').slice(-8).join(' ')]);
    const differing = texts.filter((t) => JSON.stringify(fast(t)) !== JSON.stringify(shipped(t)));
    expect(differing).toEqual([]);
  });

  it('scores random texts of words, boosters, negations, capitals, marks and emoticons as the package does', () => {
    const pieces = ['good', 'GOOD', 'bad', 'Bad', 'not', "isn't", 'never', 'very', 'kind', 'of', 'sort', 'least', 'at', 'but', 'the', 'shit', 'bomb', 'no', 'love', 'hate', 'happy', 'sad', 'nice', 'ok', 'x', 'a'];
    const marks = ['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?', '?!', '...', '(', ')', '#', '_', '~'];
    const emoticons = [':)', ':(', ':D', ':-)', '<3', ':/', ';)'];
    const token = fc.oneof(
      fc.constantFrom(...pieces),
      fc.constantFrom(...emoticons),
      fc.tuple(fc.constantFrom(...marks), fc.constantFrom(...pieces)).map(([m, w]) => m + w),
      fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(...marks)).map(([w, m]) => w + m),
      fc.tuple(fc.constantFrom(...marks), fc.constantFrom(...pieces), fc.constantFrom(...marks)).map(([a, w, b]) => a + w + b),
      fc.constantFrom(...marks),
    );
    const text = fc.tuple(fc.array(token, { maxLength: 14 }), fc.array(fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n'), { minLength: 14, maxLength: 14 })).map(([tokens, gaps]) => tokens.map((t, i) => t + (gaps[i] ?? ' ')).join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(fast(t)).toEqual(shipped(t));
      }),
      { numRuns: 3000, seed: 20261208 },
    );
  });
});
