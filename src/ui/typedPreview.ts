/**
 * What the Score panel will do to typed text, shown before scoring: the words split the corpus's way
 * (splitText, as the worker does), each marked known or not; unknown prompt words become <unk>, unknown response
 * words are dropped (a policy never emits <unk>), and response words past the horizon are cut. Mirrors
 * encodeTypedText and scoreText in src/lab/eval/scoreText.ts without importing tfjs into the page.
 */
import { EOS, SPECIAL_TOKENS, splitText } from '../lab/data/tokenizer';

export interface Vocabulary {
  /** Token strings by id, specials first (the worker's `vocabulary` event). */
  words: readonly string[];
  /** Most response tokens, <eos> included. */
  horizon: number;
  maxPromptWords: number;
}

export type WordFate = 'known' | 'unk' | 'dropped' | 'cut';

export interface PreviewWord {
  word: string;
  fate: WordFate;
}

export interface TypedPreview {
  prompt: PreviewWord[];
  response: PreviewWord[];
  /** More prompt words than the task allows: scoring will refuse it. */
  promptTooLong: boolean;
}

export function vocabularyLookup(words: readonly string[]): { idOf(word: string): number } {
  const ids = new Map(words.map((w, i) => [w, i] as const));
  return { idOf: (word) => ids.get(word) ?? SPECIAL_TOKENS.indexOf('<unk>') };
}

export function previewTypedText(prompt: string, response: string, vocab: Vocabulary): TypedPreview {
  const lookup = vocabularyLookup(vocab.words);
  const unk = SPECIAL_TOKENS.indexOf('<unk>');
  const known = (w: string) => lookup.idOf(w) !== unk;
  const promptWords = splitText(prompt, lookup);
  let kept = 0;
  const room = vocab.horizon - 1;
  const responseWords = splitText(response, lookup)
    .filter((w) => lookup.idOf(w) !== EOS)
    .map((word): PreviewWord => {
      if (!known(word)) return { word, fate: 'dropped' };
      kept += 1;
      return { word, fate: kept > room ? 'cut' : 'known' };
    });
  return {
    prompt: promptWords.map((word) => ({ word, fate: known(word) ? 'known' : 'unk' })),
    response: responseWords,
    promptTooLong: promptWords.length > vocab.maxPromptWords,
  };
}
