import { describe, expect, it } from 'vitest';
import { SPECIAL_TOKENS } from '../lab/data/tokenizer';
import { previewTypedText, vocabularyLookup, type Vocabulary } from './typedPreview';

const vocab: Vocabulary = {
  words: [...SPECIAL_TOKENS, 'the', 'was', 'very', 'good', '.', 'did', "n't", 'it', 'and'],
  horizon: 5, // four words, then <eos>
  maxPromptWords: 3,
};
const fates = (words: { word: string; fate: string }[]) => words.map((w) => `${w.word}:${w.fate}`);

describe('previewTypedText', () => {
  it('marks unknown prompt words as <unk> and unknown response words as dropped', () => {
    const p = previewTypedText('The dinner was', 'very tasty and good.', vocab);
    expect(fates(p.prompt)).toEqual(['the:known', 'dinner:unk', 'was:known']);
    expect(fates(p.response)).toEqual(['very:known', 'tasty:dropped', 'and:known', 'good:known', '.:known']);
    expect(p.promptTooLong).toBe(false);
  });

  it('cuts the known response words past horizon − 1, counting after the dropped ones', () => {
    const p = previewTypedText('the', 'it was very very good and it was good .', vocab);
    expect(p.response.filter((w) => w.fate === 'known').map((w) => w.word)).toEqual(['it', 'was', 'very', 'very']);
    expect(p.response.filter((w) => w.fate === 'cut')).toHaveLength(6);
    const dropped = previewTypedText('the', 'wow it was very good', vocab);
    expect(fates(dropped.response)).toEqual(['wow:dropped', 'it:known', 'was:known', 'very:known', 'good:known']);
  });

  it('splits contractions the corpus way and flags a prompt longer than the task allows', () => {
    expect(fates(previewTypedText('it did', "didn't", vocab).response)).toEqual(['did:known', "n't:known"]);
    expect(previewTypedText('the very good was', 'good', vocab).promptTooLong).toBe(true);
  });

  it('ignores a typed <eos> in the response (scoring adds its own)', () => {
    expect(fates(previewTypedText('the', 'good <eos>', vocab).response)).toEqual(['good:known']);
    expect(vocabularyLookup(vocab.words).idOf('<eos>')).toBe(2);
    expect(vocabularyLookup(vocab.words).idOf('nope')).toBe(3);
  });
});
