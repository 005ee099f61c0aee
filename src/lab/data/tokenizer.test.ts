import { describe, expect, it } from 'vitest';
import { assertSameVocabulary, BOS, buildTokenizer, detokenize, EOS, PAD, SPECIAL_TOKENS, splitText, tokenizerFromVocab, UNK } from './tokenizer';

const COUNTS: [string, number][] = [
  ['the', 50],
  ['.', 40],
  ['man', 30],
  [',', 20],
  ['said', 10],
];

describe('buildTokenizer', () => {
  it('puts the specials at ids 0–3, then words by frequency', () => {
    const t = buildTokenizer(COUNTS, 7);
    expect([PAD, BOS, EOS, UNK]).toEqual([0, 1, 2, 3]);
    expect(t.vocab).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', 'the', '.', 'man']);
    expect(t.size).toBe(7);
    expect(SPECIAL_TOKENS.map((s) => t.idOf(s))).toEqual([0, 1, 2, 3]);
  });

  it('round-trips in-vocabulary words and maps the rest to <unk>', () => {
    const t = buildTokenizer(COUNTS, 9);
    const words = ['the', 'man', ',', 'the', 'man', 'said', '.'];
    expect(t.encode(words)).toEqual([4, 6, 7, 4, 6, 8, 5]);
    expect(t.decode(t.encode(words))).toEqual(words);
    expect(t.encode(['the', 'dog'])).toEqual([4, UNK]);
    expect(t.decode([BOS, 4, UNK, EOS])).toEqual(['<bos>', 'the', '<unk>', '<eos>']);
  });

  it('refuses vocabulary sizes it cannot fill', () => {
    expect(() => buildTokenizer(COUNTS, 4)).toThrow(RangeError);
    expect(() => buildTokenizer(COUNTS, 10)).toThrow(/from 5 to 9 .*got 10/);
    expect(() => buildTokenizer(COUNTS, 6.5)).toThrow(RangeError);
    expect(() => buildTokenizer(COUNTS, 5)).not.toThrow();
  });

  it('adds extra words after the frequent ones, once each, leaving the frequent ids where they were', () => {
    const t = buildTokenizer(COUNTS, 6, ['said', '.', 'sad', 'said', '<unk>']);
    // '.' is already a frequent word and '<unk>' a special; 'said' is added once; 'man' (not frequent enough) is not.
    expect(t.vocab).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', 'the', '.', 'said', 'sad']);
    expect(buildTokenizer(COUNTS, 6).vocab).toEqual(t.vocab.slice(0, 6));
    expect(t.encode(['the', 'sad', 'man'])).toEqual([4, 7, UNK]);
  });

  it('refuses ids outside the vocabulary when decoding', () => {
    expect(() => buildTokenizer(COUNTS, 5).decode([5])).toThrow(/token id 5 is outside the vocabulary \(size 5\)/);
  });
});

describe('tokenizerFromVocab', () => {
  it('rebuilds the same ids from a saved vocabulary', () => {
    const built = buildTokenizer(COUNTS, 9);
    const loaded = tokenizerFromVocab(built.vocab);
    expect(loaded.encode(['said', 'the', 'cat'])).toEqual([8, 4, UNK]);
  });

  it('rejects vocabularies whose specials or entries are wrong', () => {
    expect(() => tokenizerFromVocab(['<bos>', '<pad>', '<eos>', '<unk>', 'a'])).toThrow(/entry 0 is "<bos>"/);
    expect(() => tokenizerFromVocab(['<pad>', '<bos>', '<eos>'])).toThrow(/entry 3 is undefined/);
    expect(() => tokenizerFromVocab([...SPECIAL_TOKENS, 'a', 'b', 'a'])).toThrow(/"a" twice \(ids 4 and 6\)/);
    expect(() => tokenizerFromVocab([...SPECIAL_TOKENS, '<unk>'])).toThrow(/twice/);
  });
});

describe('assertSameVocabulary', () => {
  const task = buildTokenizer(COUNTS, 7, ['sad']).vocab;

  it('accepts the same words in the same order', () => {
    expect(() => assertSameVocabulary([...task], task)).not.toThrow();
  });

  it('refuses a shorter, longer or reordered vocabulary with a message that says what to do', () => {
    // An SFT model from before the lexicon words were added: the frequent words only.
    expect(() => assertSameVocabulary(task.slice(0, 7), task, 'the SFT checkpoint')).toThrow(
      /^the SFT checkpoint was trained on another vocabulary \(7 words; the task has 8\), .*train SFT again$/,
    );
    expect(() => assertSameVocabulary([...task, 'x'], task)).toThrow(/9 words; the task has 8; id 8 is "x" in the model but undefined/);
    const swapped = [...task];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(() => assertSameVocabulary(swapped, task)).toThrow(/id 4 is "\." in the model but "the" in the task/);
  });
});

describe('round trip', () => {
  it('typed text → words → ids → words → text gives the text back when every word is known', () => {
    const t = buildTokenizer([...COUNTS, ['he', 5], ["n't", 4], ['did', 3], ['!', 2]], 13, ['sad']);
    const text = "the man said, he didn't. the sad man!";
    const words = splitText(text, t);
    expect(words).toEqual(['the', 'man', 'said', ',', 'he', 'did', "n't", '.', 'the', 'sad', 'man', '!']);
    const ids = t.encode(words);
    expect(ids).not.toContain(UNK);
    expect(t.decode(ids)).toEqual(words);
    expect(detokenize(t.decode([BOS, ...ids, EOS]))).toBe(text);
    // An unknown word comes back as <unk>, the rest unchanged.
    expect(detokenize(t.decode(t.encode(splitText('the glad man', t))))).toBe('the <unk> man');
  });
});

describe('detokenize', () => {
  it('attaches punctuation and contractions to the previous word and hides <pad>, <bos>, <eos>', () => {
    expect(detokenize('the man , he said .'.split(' '))).toBe('the man, he said.');
    expect(detokenize(['<bos>', 'he', 'did', "n't", 'know', 'john', "'s", 'dog', '!', '<eos>', '<pad>'])).toBe(
      "he didn't know john's dog!",
    );
    expect(detokenize('why ? because : yes ; no -- maybe ( 1 ) so'.split(' '))).toBe(
      'why? because: yes; no -- maybe (1) so',
    );
    expect(detokenize(['the', '<unk>', 'ran'])).toBe('the <unk> ran');
    expect(detokenize([',', 'x'])).toBe(', x');
    expect(detokenize([])).toBe('');
    expect(detokenize(['<eos>'])).toBe('');
  });
});
