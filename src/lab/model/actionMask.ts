/**
 * The sampler's rules (sample.ts, chooseToken) as an additive logit bias, so that log-probs computed for training
 * and evaluation are those of the distribution the rollout actually drew from: forbidden tokens (<pad>, <bos>,
 * <unk>) never, <eos> only from `eosAllowedFrom` on, and only <eos> at the last response position (a forced action,
 * log-prob exactly 0). docs/method.md, "Pitfalls" 1: the same tokens are masked in sampling, training and
 * evaluation alike; an unmasked policy is free to move probability onto tokens it can never be rewarded for.
 *
 * One distribution per model: every log-prob the lab computes for a policy, reference or DPO model on a response is
 * taken in this action space — the rollout and the PPO update, and also DPO's loss, its held-out evaluation, its
 * implicit token reward and the views built on it. The preference pairs are sampled from the masked SFT policy, and
 * RL's π_ref and π_dpo are the masked models, so the DPO implicit reward β·log(π_dpo(y)/π_ref(y)) is then, token by
 * token, exactly the term β1·(ℓ_dpo − ℓ_ref) RTO adds (scaled by β1/β). A response holding an illegal action has no
 * log-prob here; the scoring functions refuse it (assertLegalActions) rather than score it at ILLEGAL.
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

/** Why token `v` is not a legal action at response position `h`, or null when it is. */
export function illegalActionReason(v: number, h: number, o: SampleOptions): string | null {
  if (isLegalAction(v, h, o)) return null;
  if (o.forbidden.includes(v)) return 'the policy never emits <pad>, <bos> or <unk>';
  if (v === o.eos) return `a response may end (<eos>) from response position ${o.eosAllowedFrom} on, here it ends at ${h}`;
  return `only <eos> may follow at response position ${h} (the horizon is ${o.maxNewTokens} tokens, <eos> included)`;
}

/**
 * The scored tokens of a [B, T] mask (row-major, on the CPU): their flat positions b·T + t (t ≥ 1, as
 * scoredPositions) and each one's response index, its rank among its row's masked positions (the response's
 * tokens are contiguous, so this is the position within the response).
 */
export function maskedActions(mask: ArrayLike<number>, batch: number, length: number): { positions: Int32Array; responseIndex: Int32Array } {
  const positions: number[] = [];
  const responseIndex: number[] = [];
  for (let b = 0; b < batch; b++) {
    let h = 0;
    for (let t = 1; t < length; t++) {
      if (!mask[b * length + t]) continue;
      positions.push(b * length + t);
      responseIndex.push(h++);
    }
  }
  return { positions: Int32Array.from(positions), responseIndex: Int32Array.from(responseIndex) };
}

/**
 * Throws a clear error if a scored token of `ids` (CPU, flat) is not a legal action at its response index. `name`
 * turns a token id into text for the message.
 */
export function assertLegalActions(ids: ArrayLike<number>, scored: { positions: ArrayLike<number>; responseIndex: ArrayLike<number> }, o: SampleOptions, name: (id: number) => string = String): void {
  for (let m = 0; m < scored.positions.length; m++) {
    const v = ids[scored.positions[m] ?? 0] ?? -1;
    const h = scored.responseIndex[m] ?? 0;
    const why = illegalActionReason(v, h, o);
    if (why) throw new RangeError(`the response holds ${JSON.stringify(name(v))} at position ${h}, an action the policy can never take (${why}), so it has no log-prob in the policy's action space`);
  }
}

/**
 * Logit bias [M, V] for M scored tokens at response positions `responseIndex` (0-based within each response):
 * 0 on legal actions, ILLEGAL elsewhere. A response position is of one of three kinds (<eos> not yet allowed,
 * <eos> allowed, only <eos>), so the bias is one gather of three rows built on the CPU: one [M, V] kernel, where
 * broadcasting the rows took four (always + (eosIllegal·eosRow + forced·othersRow), the same floats:
 * actionMask.test.ts).
 */
export function actionLogitBias(o: SampleOptions, vocabSize: number, responseIndex: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = new Float32Array(3 * vocabSize);
    for (const v of o.forbidden) if (v >= 0 && v < vocabSize) for (let k = 0; k < 3; k++) rows[k * vocabSize + v] = ILLEGAL;
    // Row 0: <eos> allowed. Row 1: before eosAllowedFrom, <eos> illegal too. Row 2: the last position, only <eos>.
    const block = (i: number) => (rows[i] = (rows[i] ?? 0) + ILLEGAL);
    block(vocabSize + o.eos);
    for (let v = 0; v < vocabSize; v++) if (v !== o.eos) block(2 * vocabSize + v);
    const n = responseIndex.length;
    const kind = new Int32Array(n);
    for (let m = 0; m < n; m++) {
      const h = responseIndex[m] ?? 0;
      kind[m] = h >= o.maxNewTokens - 1 ? 2 : h < o.eosAllowedFrom ? 1 : 0;
    }
    return tf.gatherND(tf.tensor2d(rows, [3, vocabSize]), tf.tensor2d(kind, [n, 1], 'int32')) as tf.Tensor2D;
  });
}
