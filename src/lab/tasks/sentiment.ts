/**
 * The sentiment task: continue the first few words of a Brown-corpus sentence; the gold reward is VADER's compound
 * score of the continuation. The toy analogue of the DPO paper's controlled-sentiment task (IMDb + a classifier).
 */
import { createRng, type Rng } from '../rng';
import type { CorpusAsset } from '../data/brown';
import { buildTokenizer, detokenize, BOS, EOS, PAD, UNK, type Tokenizer } from '../data/tokenizer';
import type { Example, Task } from './task';
import { vaderCompound } from './vader';

export interface SentimentOptions {
  vocabSize: number;
  seed: number | string;
  /** Share of examples kept out of SFT training to measure held-out loss; default 0.05. */
  heldOutFraction?: number;
}

export const SENTIMENT_HORIZON = 16;
const MIN_PROMPT_WORDS = 2;
const MAX_PROMPT_WORDS = 5;
const MIN_RESPONSE_WORDS = 2;
/** Response words plus <eos> fill the horizon exactly. */
const MAX_RESPONSE_WORDS = SENTIMENT_HORIZON - 1;
/** More unknown words than this and the example teaches the model to say <unk>. */
const MAX_UNKS = 2;

/**
 * Splits one encoded sentence: <bos> + the first k words → the rest + <eos>, k uniform over the prompt lengths that
 * leave the response 2–15 words. Null when no split fits (the asset's 4–20 word filter makes that rare).
 */
function splitSentence(ids: readonly number[], rng: Rng): Example | null {
  const lo = Math.max(MIN_PROMPT_WORDS, ids.length - MAX_RESPONSE_WORDS);
  const hi = Math.min(MAX_PROMPT_WORDS, ids.length - MIN_RESPONSE_WORDS);
  if (lo > hi) return null;
  const k = lo + rng.int(hi - lo + 1);
  return { prompt: [BOS, ...ids.slice(0, k)], response: [...ids.slice(k), EOS] };
}

function shuffleInPlace<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}

/** Gold reward: VADER compound of the response text up to its first <eos>; <unk> contributes no word. */
export function sentimentGoldReward(tokenizer: Tokenizer, response: readonly number[]): number {
  const end = response.indexOf(EOS);
  const ids = (end < 0 ? response : response.slice(0, end)).filter((id) => id !== UNK && id !== PAD && id !== BOS);
  return vaderCompound(detokenize(tokenizer.decode(ids)));
}

export function sentimentTask(asset: CorpusAsset, options: SentimentOptions): Task {
  const heldOutFraction = options.heldOutFraction ?? 0.05;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
    throw new RangeError(`heldOutFraction must be in [0, 1), got ${heldOutFraction}`);
  }
  const tokenizer = buildTokenizer(asset.counts, options.vocabSize);
  const rng = createRng(options.seed);
  // Separate streams, so changing how prompts are cut does not reshuffle the split, and vice versa.
  const splitRng = rng.fork();
  const shuffleRng = rng.fork();

  const examples: Example[] = [];
  // A sentence that repeats in the corpus (or becomes identical once rare words are <unk>) is kept once, so the
  // held-out set never contains a training sentence.
  const seen = new Set<string>();
  for (const sentence of asset.sentences) {
    const ids = tokenizer.encode(sentence.split(' '));
    if (ids.filter((id) => id === UNK).length > MAX_UNKS) continue;
    const key = ids.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const example = splitSentence(ids, splitRng);
    if (example) examples.push(example);
  }
  shuffleInPlace(examples, shuffleRng);
  const heldOutCount = Math.round(examples.length * heldOutFraction);

  return {
    name: 'sentiment',
    tokenizer,
    horizon: SENTIMENT_HORIZON,
    maxPromptLength: 1 + MAX_PROMPT_WORDS,
    train: examples.slice(heldOutCount),
    heldOut: examples.slice(0, heldOutCount),
    forbiddenTokens: [PAD, BOS, UNK],
    eosAllowedFrom: 1,
    goldReward: (response) => sentimentGoldReward(tokenizer, response),
  };
}
