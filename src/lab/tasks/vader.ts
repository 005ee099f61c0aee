/**
 * The sentiment task's gold reward: VADER's compound score (Hutto & Gilbert 2014), the rule-based lexicon scorer
 * behind the `vader-sentiment` package. Kept apart so the one CommonJS import has a single home.
 */
// Default import, not a named one: the package is a CommonJS bundle, and module.exports is what both Node (tsx,
// Vitest) and Vite's CommonJS interop expose as the default.
import vader from 'vader-sentiment';

/** VADER compound score of a text, in [-1, 1]; 0 for text with no sentiment-bearing words (and for ""). */
export function vaderCompound(text: string): number {
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}

// vader-sentiment 1.1.3 strips a token's leading or trailing punctuation when what is left is a word of the text. To
// do so, for every text it builds a table of each of the text's words with each of 17 punctuation marks before and
// after it (34 strings a word) and looks its tokens up in it: six sevenths of its time (280 against 40 ms for 5,000
// corpus sentences under Node). `punctuatedWords` answers the same lookups for the text's own tokens alone, and is
// put in the package's place below, where it checks itself against the package first.

/** The characters the package strips from a text before it splits it into words (its REGEX_REMOVE_PUNCTUATION). */
const STRIPPED = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const isStripped = (c: string): boolean => '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.includes(c);
/** The punctuation the table puts before and after each word (the package's PUNC_LIST). */
const PUNC_LIST: ReadonlySet<string> = new Set(['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?']);

/**
 * The package's table (SentiText.get_words_plus_punc) for the tokens of `text` only: a token that is a mark of
 * PUNC_LIST then a word of the text (the text without its punctuation, split at white space, words of two characters
 * or more), or that word then the mark, maps to the word. A word holds no punctuation, so the mark is all of the
 * token's leading (or trailing) punctuation, and a token matches at most one way: the same word the full table holds.
 */
export function punctuatedWords(text: string): Record<string, string> {
  const words = new Set(text.replace(STRIPPED, '').split(/\s/).filter((word) => word.length > 1));
  const table: Record<string, string> = {};
  for (const token of text.split(/\s/)) {
    if (token.length < 2) continue;
    let start = 0;
    while (start < token.length && isStripped(token[start]!)) start += 1;
    if (start > 0 && PUNC_LIST.has(token.slice(0, start)) && words.has(token.slice(start))) {
      table[token] = token.slice(start);
      continue;
    }
    let end = token.length;
    while (end > 0 && isStripped(token[end - 1]!)) end -= 1;
    if (end < token.length && PUNC_LIST.has(token.slice(end)) && words.has(token.slice(0, end))) table[token] = token.slice(0, end);
  }
  return table;
}

/** Texts whose scores must not change when the table is swapped: marks before, after and inside words, emoticons, capitals. */
export const SELF_CHECK_TEXTS = [
  'good',
  'The movie was GOOD!!! but the ending... not great :(',
  '"happy," she said; -sad- and \'kind of\' ok?!? :) :-D',
  'never so bad , really ! wonderful . hated it ??? loved-it',
  "isn't it nice? yes!! NOT bad, at least not terrible. :D <3",
];

/**
 * Puts punctuatedWords in the place of the package's table builder, on the prototype of its SentiText class, which
 * the package does not export: it is taken from the argument its analyzer passes to sentiment_valence while scoring
 * one word. The swap is kept only when the self-check texts score the same to the bit; any other version of the
 * package is left as it is. Returns whether the swap was made.
 */
export function speedUpVader(): boolean {
  type Table = () => Record<string, string>;
  const analyzer = vader.SentimentIntensityAnalyzer as typeof vader.SentimentIntensityAnalyzer & { sentiment_valence?: (...args: unknown[]) => unknown };
  const valence = analyzer.sentiment_valence;
  if (typeof valence !== 'function') return false;
  let proto: { get_words_plus_punc?: Table } | null = null;
  analyzer.sentiment_valence = function (this: unknown, ...args: unknown[]) {
    const sentiText = args[1];
    if (proto === null && typeof sentiText === 'object' && sentiText !== null) proto = Object.getPrototypeOf(sentiText) as { get_words_plus_punc?: Table };
    return valence.apply(this, args);
  };
  try {
    analyzer.polarity_scores('good');
  } finally {
    analyzer.sentiment_valence = valence;
  }
  const target = proto as { get_words_plus_punc?: Table } | null;
  const original = target?.get_words_plus_punc;
  if (!target || typeof original !== 'function') return false;
  const before = SELF_CHECK_TEXTS.map((t) => JSON.stringify(analyzer.polarity_scores(t)));
  target.get_words_plus_punc = function (this: { text: string }) {
    return punctuatedWords(this.text);
  };
  if (SELF_CHECK_TEXTS.every((t, i) => JSON.stringify(analyzer.polarity_scores(t)) === before[i])) return true;
  target.get_words_plus_punc = original;
  return false;
}

speedUpVader();
