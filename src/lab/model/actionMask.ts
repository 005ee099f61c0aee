/**
 * The sampler's rules (sample.ts, chooseToken) as an additive logit bias, so that log-probs computed for training
 * and evaluation are those of the distribution the rollout actually drew from: forbidden tokens (<pad>, <bos>,
 * <unk>) never, <eos> only from `eosAllowedFrom` on, and only <eos> at the last response position (a forced action,
 * log-prob exactly 0). docs/method.md, "Pitfalls" 1: the same tokens are masked in sampling, training and
 * evaluation alike; an unmasked policy is free to move probability onto tokens it can never be rewarded for.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SampleOptions } from './sample';

/** Large enough that exp(bias + logit) is 0 in float32, finite so that no inf − inf turns into NaN. */
export const ILLEGAL = -1e9;

/** Whether token `v` may be chosen at response position `h` under the options (the rule chooseToken applies). */
export function isLegalAction(v: number, h: number, o: SampleOptions): boolean {
  if (o.forbidden.includes(v)) return false;
  const mustEnd = h >= o.maxNewTokens - 1;
  if (v === o.eos) return mustEnd || h >= o.eosAllowedFrom;
  return !mustEnd;
}

/**
 * Logit bias [M, V] for M scored tokens at response positions `responseIndex` (0-based within each response):
 * 0 on legal actions, ILLEGAL elsewhere. Built by broadcasting three rows, not as an M×V array on the CPU.
 */
export function actionLogitBias(o: SampleOptions, vocabSize: number, responseIndex: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => {
    const always = new Float32Array(vocabSize);
    for (const v of o.forbidden) if (v >= 0 && v < vocabSize) always[v] = ILLEGAL;
    const eosRow = new Float32Array(vocabSize);
    eosRow[o.eos] = ILLEGAL;
    const othersRow = new Float32Array(vocabSize).fill(ILLEGAL);
    othersRow[o.eos] = 0;
    const n = responseIndex.length;
    const eosIllegal = new Float32Array(n);
    const forced = new Float32Array(n);
    for (let m = 0; m < n; m++) {
      const h = responseIndex[m] ?? 0;
      if (h >= o.maxNewTokens - 1) forced[m] = 1;
      else if (h < o.eosAllowedFrom) eosIllegal[m] = 1;
    }
    const row = (x: Float32Array) => tf.tensor2d(x, [1, vocabSize]);
    const col = (x: Float32Array) => tf.tensor2d(x, [n, 1]);
    return tf.add(row(always), tf.add(tf.mul(col(eosIllegal), row(eosRow)), tf.mul(col(forced), row(othersRow)))) as tf.Tensor2D;
  });
}
