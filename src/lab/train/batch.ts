/**
 * Packing examples into fixed-shape batches: [B, L] token ids padded with <pad>, and a [B, L] mask that is 1 on
 * the tokens a loss scores (the response and its <eos>; never the prompt or padding).
 */
import { PAD } from '../data/tokenizer';
import type { Example } from '../tasks/task';

export interface PackedBatch {
  batch: number;
  length: number;
  ids: Int32Array;
  mask: Float32Array;
}

export function packExamples(examples: readonly Example[], length: number): PackedBatch {
  const ids = new Int32Array(examples.length * length).fill(PAD);
  const mask = new Float32Array(examples.length * length);
  examples.forEach((e, b) => {
    const total = e.prompt.length + e.response.length;
    if (total > length) throw new RangeError(`example of ${total} tokens does not fit a row of ${length}`);
    ids.set(e.prompt, b * length);
    ids.set(e.response, b * length + e.prompt.length);
    mask.fill(1, b * length + e.prompt.length, b * length + total);
  });
  return { batch: examples.length, length, ids, mask };
}

/** Index order for one epoch, reshuffled by `next` (a seeded uniform draw in [0, 1)). */
export function epochOrder(n: number, next: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
