/**
 * Reference points for language-model losses. The unigram model (each response token drawn from the training
 * responses' word frequencies, add-one smoothed) is what a model that ignores context achieves; SFT must beat it.
 */
import type { Example } from '../tasks/task';

/** Mean NLL (nats/token) of held-out response tokens under the train responses' unigram distribution. */
export function unigramResponseNll(train: readonly Example[], heldOut: readonly Example[], vocabSize: number): number {
  const counts = new Float64Array(vocabSize).fill(1);
  let total = vocabSize;
  for (const e of train) {
    for (const t of e.response) {
      counts[t] = (counts[t] ?? 0) + 1;
      total += 1;
    }
  }
  let nll = 0;
  let n = 0;
  for (const e of heldOut) {
    for (const t of e.response) {
      nll -= Math.log((counts[t] ?? 1) / total);
      n += 1;
    }
  }
  return n === 0 ? NaN : nll / n;
}
