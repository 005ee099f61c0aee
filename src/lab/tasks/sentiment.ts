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
  /** The specials plus the most frequent words (the `vocabSize` setting); the lexicon words come on top. */
  vocabSize: number;
  seed: number | string;
  /**
   * Share of examples kept out of training (SFT's held-out loss, held-out preference prompts, RL evaluation prompts);
   * default 0.075: 654 of 8,718, enough for the small preset's 600 held-out preference prompts.
   */
  heldOutFraction?: number;
  /** VADER lexicon words seen at least this often join the vocabulary; default SENTIMENT_WORD_MIN_COUNT. */
  sentimentWordMinCount?: number;
  /** At most this share of the examples has a response VADER scores 0; default NEUTRAL_SHARE, 1 keeps them all. */
  neutralShare?: number;
}

/**
 * Every VADER lexicon word seen at least this often in the corpus's sentences joins the vocabulary. Measured at the
 * default 1,000 frequent words (docs/method.md, "Tasks"): the share of corpus responses VADER scores exactly 0 is
 * 82.4% with no lexicon words added, 69.5% at 10 (+439 words), 65.0% at 5 (+880), 62.9% at 3 (+1,317). With the
 * neutral share below, the tiny preset's preference tie rate (seeds 1–3) is 0.242 at 10 and 0.225 at 5, while a tiny
 * SFT step costs +23% at 10 and +46% at 5 (the vocabulary-sized output layer): 10 is the knee. Every added word is
 * one more valence the reward model must learn from the pairs: at the small preset with 4,000 preference prompts its
 * held-out accuracy is 0.775 with no lexicon words, 0.719 at 20 and 0.667 at 10 (seed 1), hence sentiment's 8,000
 * preference prompts (config.ts, TASK_DEFAULTS).
 */
export const SENTIMENT_WORD_MIN_COUNT = 10;
/**
 * Share of the examples whose response VADER scores exactly 0: 69.5% of the corpus's (with the lexicon words), so
 * the neutral examples are subsampled (seeded) to this share and every sentiment-bearing example is kept. The SFT
 * model then learns a corpus where half the continuations carry sentiment (8,700 of 14,300 examples kept), and
 * half its samples score 0 (61% without the subsampling), so fewer preference pairs tie (0.24 against 0.38).
 */
export const NEUTRAL_SHARE = 0.5;

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

/** The asset's sentiment words seen at least `minCount` times, most frequent first. */
export function sentimentWordsOf(asset: CorpusAsset, minCount: number): string[] {
  const count = new Map(asset.counts);
  return asset.sentimentWords.filter((word) => (count.get(word) ?? 0) >= minCount);
}

/**
 * Every example whose response VADER scores nonzero, and as many of the others, drawn without replacement, as make
 * them `share` of the result; order is kept (the caller shuffles). VADER runs only on responses that hold a
 * sentiment word (a third of them): without a lexicon word its score is 0, and scoring all 15,000 takes a second.
 */
function keepNeutralShare(examples: readonly Example[], tokenizer: Tokenizer, sentimentIds: ReadonlySet<number>, share: number, rng: Rng): Example[] {
  const neutral = examples.map((e) => !e.response.some((id) => sentimentIds.has(id)) || sentimentGoldReward(tokenizer, e.response) === 0);
  const neutralIds = neutral.flatMap((isNeutral, i) => (isNeutral ? [i] : []));
  const bearing = examples.length - neutralIds.length;
  const want = share >= 1 ? neutralIds.length : Math.min(neutralIds.length, Math.round((bearing * share) / (1 - share)));
  shuffleInPlace(neutralIds, rng);
  const keep = new Set(neutralIds.slice(0, want));
  return examples.filter((_, i) => !neutral[i] || keep.has(i));
}

export function sentimentTask(asset: CorpusAsset, options: SentimentOptions): Task {
  const heldOutFraction = options.heldOutFraction ?? 0.075;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
    throw new RangeError(`heldOutFraction must be in [0, 1), got ${heldOutFraction}`);
  }
  const neutralShare = options.neutralShare ?? NEUTRAL_SHARE;
  if (!(neutralShare >= 0 && neutralShare <= 1)) throw new RangeError(`neutralShare must be in [0, 1], got ${neutralShare}`);
  const tokenizer = buildTokenizer(asset.counts, options.vocabSize, sentimentWordsOf(asset, options.sentimentWordMinCount ?? SENTIMENT_WORD_MIN_COUNT));
  const sentimentIds = new Set(asset.sentimentWords.map((w) => tokenizer.idOf(w)).filter((id) => id !== UNK));
  const rng = createRng(options.seed);
  // Separate streams, so changing how prompts are cut does not reshuffle the split, and vice versa.
  const splitRng = rng.fork();
  const shuffleRng = rng.fork();
  const neutralRng = rng.fork();

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
  const kept = keepNeutralShare(examples, tokenizer, sentimentIds, neutralShare, neutralRng);
  shuffleInPlace(kept, shuffleRng);
  const heldOutCount = Math.round(kept.length * heldOutFraction);

  return {
    name: 'sentiment',
    tokenizer,
    horizon: SENTIMENT_HORIZON,
    maxPromptLength: 1 + MAX_PROMPT_WORDS,
    train: kept.slice(heldOutCount),
    heldOut: kept.slice(0, heldOutCount),
    forbiddenTokens: [PAD, BOS, UNK],
    eosAllowedFrom: 1,
    goldReward: (response) => sentimentGoldReward(tokenizer, response),
  };
}
