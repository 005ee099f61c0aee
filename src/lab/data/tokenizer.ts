/**
 * Word-level tokenizer: four special tokens, the most frequent corpus words, then any words a task adds on top (the
 * sentiment task adds the VADER lexicon words the corpus uses often enough). Word level keeps the vocabulary
 * readable in heatmaps (one cell per word) and small enough (~1,000–2,000) that the output layer is not the
 * bottleneck.
 */

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/** The smallest useful vocabulary: the specials and one word. */
const MIN_VOCAB_SIZE = SPECIAL_TOKENS.length + 1;

export interface Tokenizer {
  /** Token strings by id: SPECIAL_TOKENS first. */
  vocab: readonly string[];
  size: number;
  /** The id of a word, UNK if it is not in the vocabulary. */
  idOf(word: string): number;
  encode(words: readonly string[]): number[];
  decode(ids: readonly number[]): string[];
}

/** A tokenizer over a saved vocabulary (checkpoints store it), checked so ids mean what the model learned. */
export function tokenizerFromVocab(vocab: readonly string[]): Tokenizer {
  SPECIAL_TOKENS.forEach((special, id) => {
    if (vocab[id] !== special) {
      throw new Error(`vocabulary must start with ${SPECIAL_TOKENS.join(', ')}; entry ${id} is ${JSON.stringify(vocab[id])}`);
    }
  });
  const ids = new Map<string, number>();
  vocab.forEach((word, id) => {
    if (ids.has(word)) throw new Error(`vocabulary has ${JSON.stringify(word)} twice (ids ${ids.get(word)} and ${id})`);
    ids.set(word, id);
  });
  const frozen = Object.freeze([...vocab]);
  const idOf = (word: string): number => ids.get(word) ?? UNK;
  return {
    vocab: frozen,
    size: frozen.length,
    idOf,
    encode: (words) => words.map(idOf),
    decode: (ids) =>
      ids.map((id) => {
        const word = frozen[id];
        if (word === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (size ${frozen.length})`);
        return word;
      }),
  };
}

/**
 * The specials, then the most frequent words (`counts` sorted by count descending) up to `frequentSize` tokens,
 * then each of `extraWords` the frequent ones do not already hold, in the order given. The first `frequentSize`
 * ids do not depend on `extraWords`.
 */
export function buildTokenizer(counts: readonly (readonly [string, number])[], frequentSize: number, extraWords: readonly string[] = []): Tokenizer {
  const available = SPECIAL_TOKENS.length + counts.length;
  if (!Number.isInteger(frequentSize) || frequentSize < MIN_VOCAB_SIZE || frequentSize > available) {
    throw new RangeError(
      `vocabulary size must be an integer from ${MIN_VOCAB_SIZE} to ${available} (4 specials + ${counts.length} counted words), got ${frequentSize}`,
    );
  }
  const words = counts.slice(0, frequentSize - SPECIAL_TOKENS.length).map(([word]) => word);
  const held = new Set<string>([...SPECIAL_TOKENS, ...words]);
  for (const word of extraWords) {
    if (held.has(word)) continue;
    held.add(word);
    words.push(word);
  }
  return tokenizerFromVocab([...SPECIAL_TOKENS, ...words]);
}

/**
 * Refuses a model whose vocabulary is not the task's: its token ids would silently mean other words (a checkpoint
 * from before the sentiment vocabulary gained its lexicon words has 1,000 words where the task now has more).
 */
export function assertSameVocabulary(model: readonly string[], task: readonly string[], what = 'this model'): void {
  if (model.length === task.length && model.every((word, id) => word === task[id])) return;
  const id = model.findIndex((word, i) => word !== task[i]);
  const where = id >= 0 ? `; id ${id} is ${JSON.stringify(model[id])} in the model but ${JSON.stringify(task[id])} in the task` : '';
  throw new Error(
    `${what} was trained on another vocabulary (${model.length} words; the task has ${task.length}${where}), ` +
      'probably by an older version of the lab: train SFT again',
  );
}

// Written against the previous word: "said ." reads "said.", "did n't" reads "didn't".
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', "'s", "n't", "'re", "'ve", "'ll", "'d", "'m"]);
// Written against the next word: "( 1 )" reads "(1)".
const ATTACH_RIGHT = new Set(['(']);
const HIDDEN = new Set<string>([SPECIAL_TOKENS[PAD], SPECIAL_TOKENS[BOS], SPECIAL_TOKENS[EOS]]);

/** Words as readable text: punctuation and contractions join the previous word; <pad>, <bos>, <eos> vanish. */
export function detokenize(words: readonly string[]): string {
  let text = '';
  let glueNext = true;
  for (const word of words) {
    if (HIDDEN.has(word)) continue;
    text += glueNext || ATTACH_LEFT.has(word) ? word : ` ${word}`;
    glueNext = ATTACH_RIGHT.has(word);
  }
  return text;
}

/**
 * Typed text → the corpus's word tokens: lower-case, punctuation as its own word, and a contraction the vocabulary
 * lacks split the corpus's way ("didn't" → "did", "n't"). The inverse of detokenize, as far as the vocabulary allows.
 */
export function splitText(text: string, tokenizer: Pick<Tokenizer, 'idOf'>): string[] {
  const words = text
    .toLowerCase()
    .replace(/([,.;:?!()])/g, ' $1 ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  return words.flatMap((w) => {
    if (tokenizer.idOf(w) !== UNK) return [w];
    const m = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/.exec(w);
    return m && m[1] ? [m[1], m[2] ?? ''] : [w];
  });
}
