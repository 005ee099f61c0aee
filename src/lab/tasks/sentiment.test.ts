import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusAssetFromDisk } from '../../cli/assets';
import type { CorpusAsset } from '../data/brown';
import { BOS, EOS, PAD, UNK } from '../data/tokenizer';
import { sentimentTask } from './sentiment';
import type { Example, Task } from './task';
import { vaderCompound } from './vader';

const keyOf = (e: Example): string => `${e.prompt.join(',')}|${e.response.join(',')}`;

let asset: CorpusAsset;
let task: Task;
beforeAll(async () => {
  asset = await loadCorpusAssetFromDisk();
  task = sentimentTask(asset, { vocabSize: 1000, seed: 42 });
});

describe('sentimentTask on the Brown corpus asset', () => {
  it('has the shape the RL stages rely on', () => {
    expect(task.name).toBe('sentiment');
    expect(task.tokenizer.size).toBe(1000);
    expect(task.horizon).toBe(16);
    expect(task.maxPromptLength).toBe(6);
    expect(task.forbiddenTokens).toEqual([PAD, BOS, UNK]);
    expect(task.eosAllowedFrom).toBe(1);
  });

  it('keeps 12,851 examples at vocabulary 1,000 and holds 5% out (golden: changes when the asset does)', () => {
    expect(task.train.length + task.heldOut.length).toBe(12851);
    expect(task.heldOut.length).toBe(643);
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
    expect(other.train.length).toBe(task.train.length);
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
    expect(none.train.length).toBe(12851);
    expect(() => sentimentTask(asset, { vocabSize: 1000, seed: 42, heldOutFraction: 1 })).toThrow(RangeError);
  });

  it('scores 82.5% of training responses exactly 0 (why tied preference pairs must be dropped)', () => {
    const golds = task.train.map((e) => task.goldReward(e.response));
    const zeroFraction = golds.filter((g) => g === 0).length / golds.length;
    expect(zeroFraction).toBeCloseTo(0.8248, 3);
    expect(golds.every((g) => g >= -1 && g <= 1)).toBe(true);
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
