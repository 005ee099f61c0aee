import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusAssetFromDisk } from '../../cli/assets';
import type { CorpusAsset } from '../data/brown';
import { assertSameVocabulary, BOS, buildTokenizer, EOS, PAD, UNK } from '../data/tokenizer';
import { NEUTRAL_SHARE, SENTIMENT_WORD_MIN_COUNT, sentimentTask, sentimentWordsOf } from './sentiment';
import type { Example, Task } from './task';
import { vaderCompound } from './vader';

const keyOf = (e: Example): string => `${e.prompt.join(',')}|${e.response.join(',')}`;

let asset: CorpusAsset;
let task: Task;
/** Every example kept: the corpus's own responses. */
let corpus: Task;
// VADER takes ~0.1 ms a response: each example's gold is computed once.
const golds = new WeakMap<Example, number>();
const goldOf = (t: Task, e: Example): number => golds.get(e) ?? golds.set(e, t.goldReward(e.response)).get(e)!;
const zeroShare = (t: Task, examples: readonly Example[]): number => examples.filter((e) => goldOf(t, e) === 0).length / examples.length;
beforeAll(async () => {
  asset = await loadCorpusAssetFromDisk();
  task = sentimentTask(asset, { vocabSize: 1000, seed: 42 });
  corpus = sentimentTask(asset, { vocabSize: 1000, seed: 42, neutralShare: 1 });
});

describe('sentimentTask on the Brown corpus asset', () => {
  it('has the shape the RL stages rely on', () => {
    expect(task.name).toBe('sentiment');
    expect(task.tokenizer.size).toBe(1439);
    expect(task.horizon).toBe(16);
    expect(task.maxPromptLength).toBe(6);
    expect(task.forbiddenTokens).toEqual([PAD, BOS, UNK]);
    expect(task.eosAllowedFrom).toBe(1);
  });

  it('keeps 8,718 examples at 1,000 frequent words and holds 7.5% out (golden: changes when the asset does)', () => {
    expect(task.train.length + task.heldOut.length).toBe(8718);
    expect(task.heldOut.length).toBe(654);
    expect(corpus.train.length + corpus.heldOut.length).toBe(14271);
  });

  it('cuts every sentence into <bos> + 2–5 words → 2–15 words + <eos>, with at most two <unk>', () => {
    // One message per broken example, so a failure names it; 12k examples make per-field expects slow.
    const problems: string[] = [];
    const promptWords = new Set<number>();
    for (const e of [...task.train, ...task.heldOut]) {
      const body = [...e.prompt.slice(1), ...e.response.slice(0, -1)];
      const ok =
        e.prompt[0] === BOS &&
        e.prompt.length >= 3 &&
        e.prompt.length <= task.maxPromptLength &&
        e.response.length >= 3 &&
        e.response.length <= task.horizon &&
        e.response[e.response.length - 1] === EOS &&
        body.filter((id) => id === UNK).length <= 2 &&
        !body.some((id) => id === PAD || id === BOS || id === EOS);
      if (!ok) problems.push(keyOf(e));
      promptWords.add(e.prompt.length - 1);
    }
    expect(problems).toEqual([]);
    // The seeded draw reaches every allowed prompt length.
    expect([...promptWords].sort()).toEqual([2, 3, 4, 5]);
  });

  it('is deterministic for a seed and different for another', () => {
    const again = sentimentTask(asset, { vocabSize: 1000, seed: 42 });
    expect(again.train).toEqual(task.train);
    expect(again.heldOut).toEqual(task.heldOut);
    const other = sentimentTask(asset, { vocabSize: 1000, seed: 43 });
    // Another seed cuts other prompts, so other responses score 0 and the neutral subsample differs in size too.
    expect(other.train.length + other.heldOut.length).toBe(8682);
    expect(other.train.slice(0, 20)).not.toEqual(task.train.slice(0, 20));
    expect(other.heldOut.map(keyOf).sort()).not.toEqual(task.heldOut.map(keyOf).sort());
  });

  it('never puts a held-out sentence in the training set', () => {
    const sentence = (e: Example): string => [...e.prompt.slice(1), ...e.response].join(',');
    const trainSentences = new Set(task.train.map(sentence));
    expect(task.heldOut.filter((e) => trainSentences.has(sentence(e)))).toEqual([]);
  });

  it('honours heldOutFraction and rejects a bad one', () => {
    const none = sentimentTask(asset, { vocabSize: 1000, seed: 42, heldOutFraction: 0 });
    expect(none.heldOut.length).toBe(0);
    expect(none.train.length).toBe(8718);
    expect(() => sentimentTask(asset, { vocabSize: 1000, seed: 42, heldOutFraction: 1 })).toThrow(RangeError);
  });

  it('keeps every sentiment-bearing example and subsamples the neutral ones to half (NEUTRAL_SHARE)', () => {
    expect(NEUTRAL_SHARE).toBe(0.5);
    const all = [...task.train, ...task.heldOut];
    const bearing = (t: Task) => [...t.train, ...t.heldOut].filter((e) => goldOf(t, e) !== 0).map(keyOf).sort();
    expect(bearing(task)).toEqual(bearing(corpus));
    expect(bearing(task).length).toBe(4359);
    expect(zeroShare(task, all)).toBe(0.5); // 4,359 of 8,718
    // Train and held-out are drawn from the same mix.
    expect(zeroShare(task, task.train)).toBeCloseTo(0.5, 2);
    expect(zeroShare(task, task.heldOut)).toBeGreaterThan(0.45);
    expect(zeroShare(task, task.heldOut)).toBeLessThan(0.55);
    expect(all.every((e) => goldOf(task, e) >= -1 && goldOf(task, e) <= 1)).toBe(true);
  });

  it('scores 69.5% of the corpus responses exactly 0 with the lexicon words (82.5% with the frequent words only)', () => {
    const all = [...corpus.train, ...corpus.heldOut];
    expect(zeroShare(corpus, all)).toBeCloseTo(0.6946, 4);
    expect(zeroShare(corpus, all)).toBeLessThan(0.7);
    const frequentOnly = sentimentTask(asset, { vocabSize: 1000, seed: 42, neutralShare: 1, sentimentWordMinCount: Infinity });
    expect(frequentOnly.tokenizer.size).toBe(1000);
    expect(zeroShare(frequentOnly, [...frequentOnly.train, ...frequentOnly.heldOut])).toBe(10599 / 12851); // 0.8248
  });

  it('rejects a neutral share outside [0, 1]', () => {
    expect(() => sentimentTask(asset, { vocabSize: 1000, seed: 42, neutralShare: 1.5 })).toThrow(/neutralShare must be in \[0, 1\]/);
    expect(() => sentimentTask(asset, { vocabSize: 1000, seed: 42, neutralShare: -0.1 })).toThrow(RangeError);
  });
});

describe('the sentiment vocabulary', () => {
  it('is the 996 most frequent words, then every VADER lexicon word seen 10 times, most frequent first', () => {
    expect(SENTIMENT_WORD_MIN_COUNT).toBe(10);
    const frequent = buildTokenizer(asset.counts, 1000).vocab;
    const vocab = task.tokenizer.vocab;
    expect(vocab.slice(0, 1000)).toEqual(frequent);
    expect(vocab.slice(1000, 1006)).toEqual(['bright', 'die', 'giving', 'growing', 'increased', 'kill']);
    const count = new Map(asset.counts);
    const added = vocab.slice(1000);
    expect(added.length).toBe(439);
    expect(added.every((w) => asset.sentimentWords.includes(w) && (count.get(w) ?? 0) >= 10)).toBe(true);
    // Every lexicon word seen 10 times is in, and no more: 102 of them were already frequent words.
    const lexicon10 = sentimentWordsOf(asset, 10);
    expect(lexicon10.length).toBe(541);
    expect(lexicon10.filter((w) => frequent.includes(w)).length).toBe(102);
    expect(new Set(vocab)).toEqual(new Set([...frequent, ...lexicon10]));
  });

  it('refuses a model trained on the old 1,000-word vocabulary (a checkpoint from before the lexicon words)', () => {
    const old = buildTokenizer(asset.counts, 1000).vocab;
    expect(() => assertSameVocabulary(old, task.tokenizer.vocab, 'this SFT model')).toThrow(
      'this SFT model was trained on another vocabulary (1000 words; the task has 1439), probably by an older version of the lab: train SFT again',
    );
    expect(() => assertSameVocabulary(task.tokenizer.vocab, corpus.tokenizer.vocab)).not.toThrow();
  });

  it('knows the words the frequent ones missed, so VADER can score them', () => {
    for (const w of ['sad', 'terrible', 'kill', 'smile', 'success', 'warm', 'happy', 'love']) {
      expect(task.tokenizer.idOf(w), w).not.toBe(UNK);
      expect(task.goldReward([task.tokenizer.idOf(w), EOS]), w).not.toBe(0);
    }
    // Lexicon words seen fewer than 10 times stay <unk>: "horrible" and "delightful" (9 times each), "joyful" (under 3).
    for (const w of ['horrible', 'delightful', 'joyful']) expect(task.tokenizer.idOf(w), w).toBe(UNK);
  });

  it('scores 0 for a response without a sentiment word, on every corpus example (why only those are scored)', () => {
    const sentimentIds = new Set(asset.sentimentWords.map((w) => corpus.tokenizer.idOf(w)).filter((id) => id !== UNK));
    const all = [...corpus.train, ...corpus.heldOut];
    const unscored = all.filter((e) => !e.response.some((id) => sentimentIds.has(id)));
    expect(unscored.length).toBeGreaterThan(8000);
    expect(unscored.filter((e) => goldOf(corpus, e) !== 0)).toEqual([]);
  });
});

describe('sentiment gold reward', () => {
  const encode = (text: string): number[] => {
    const ids = task.tokenizer.encode(text.split(' '));
    expect(ids).not.toContain(UNK); // the golden values below assume every word is in the vocabulary
    return [...ids, EOS];
  };

  it('is the VADER compound of the detokenized response (golden values)', () => {
    // Lexicon valences great +3.1, war −2.9, death −2.9; compound = s / sqrt(s² + 15), rounded to 4 places.
    expect(task.goldReward(encode('great .'))).toBe(0.6249);
    expect(task.goldReward(encode('war and death .'))).toBe(-0.8316);
    expect(task.goldReward(encode('the man walked to the door .'))).toBe(0);
    expect(task.goldReward(encode('a good man , he said !'))).toBe(vaderCompound('a good man, he said!'));
  });

  it('ignores everything after the first <eos> and drops <unk> and padding', () => {
    const great = task.tokenizer.idOf('great');
    const war = task.tokenizer.idOf('war');
    expect(task.goldReward([great, EOS, war, war, PAD])).toBe(0.6249);
    expect(task.goldReward([UNK, great, UNK, EOS])).toBe(0.6249);
    expect(task.goldReward([great])).toBe(0.6249); // no <eos> at all: the whole horizon is the response
    expect(task.goldReward([EOS, great])).toBe(0);
  });
});
