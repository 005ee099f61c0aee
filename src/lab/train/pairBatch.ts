/**
 * Preference pairs as one batch: rows 0..B−1 hold prompt + chosen, rows B..2B−1 prompt + rejected, so the reward
 * model and DPO score both sides in a single forward pass.
 */
import { packExamples, type PackedBatch } from './batch';
import type { PreferencePair } from './preferences';

export interface PairBatch extends PackedBatch {
  pairs: number;
  /** Flat index (row·L + t) of each row's last response token, its <eos>: where the reward model reads its score. */
  eosPositions: Int32Array;
}

export function packPairs(pairs: readonly PreferencePair[], length: number): PairBatch {
  const rows = [...pairs.map((p) => ({ prompt: p.prompt, response: p.chosen })), ...pairs.map((p) => ({ prompt: p.prompt, response: p.rejected }))];
  const packed = packExamples(rows, length);
  const eosPositions = Int32Array.from(rows, (r, i) => i * length + r.prompt.length + r.response.length - 1);
  return { ...packed, pairs: pairs.length, eosPositions };
}
