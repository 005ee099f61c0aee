/**
 * Sequence log-probs of preference pairs (DPO's loss, its evaluations and its frozen reference), and the reference's
 * own, computed once per model and pairs: DPO's first act is a pass over every pair with the SFT model, and the page
 * can make that pass before the Quick demo's click (src/worker/quickDemo.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertLegalActions, maskedActions } from '../model/actionMask';
import { sequenceLogProbs, type GptConfig, type ParamTensors } from '../model/gpt';
import type { SampleOptions } from '../model/sample';
import { yieldTurn } from '../yieldTurn';
import { packPairs } from './pairBatch';
import type { PreferencePair } from './preferences';

/**
 * log π(y | x) of every pair's chosen and rejected response in the action space `space` (the task's sampling rules,
 * taskSampleOptions), laid out [chosen..., rejected...]. No gradients. Throws if a response holds an illegal action.
 */
export async function pairLogProbs(params: ParamTensors, config: GptConfig, pairs: readonly PreferencePair[], space: SampleOptions, batchSize = 128): Promise<Float32Array> {
  const out = new Float32Array(2 * pairs.length);
  for (let i = 0; i < pairs.length; i += batchSize) {
    const slice = pairs.slice(i, i + batchSize);
    const b = packPairs(slice, config.contextLength);
    assertLegalActions(b.ids, maskedActions(b.mask, b.batch, b.length), space);
    const lp = tf.tidy(() => sequenceLogProbs(params, config, tf.tensor2d(b.ids, [b.batch, b.length], 'int32'), b.mask, space));
    const values = await lp.data<'float32'>();
    lp.dispose();
    out.set(values.subarray(0, slice.length), i);
    out.set(values.subarray(slice.length), pairs.length + i);
    await yieldTurn();
  }
  return out;
}

/**
 * Reference log-probs already computed, per frozen model (its parameters), then per pairs (the array itself: a lab's
 * pairs are never changed in place, new pairs are a new array), then per backend, config and action space. A model
 * that is freed takes its entries with it, as do pairs that are dropped.
 */
const computed = new WeakMap<ParamTensors, WeakMap<readonly PreferencePair[], Map<string, Promise<Float32Array>>>>();

/**
 * pairLogProbs of a model that never changes (DPO's reference, the SFT model), computed once per worker: the answer
 * is the same to the bit every time. Read-only, shared by its callers. A failed pass is computed again next time.
 */
export function referenceLogProbs(params: ParamTensors, config: GptConfig, pairs: readonly PreferencePair[], space: SampleOptions): Promise<Float32Array> {
  const key = JSON.stringify([tf.getBackend(), config, space]);
  const byPairs = computed.get(params) ?? new WeakMap<readonly PreferencePair[], Map<string, Promise<Float32Array>>>();
  computed.set(params, byPairs);
  const known = byPairs.get(pairs) ?? new Map<string, Promise<Float32Array>>();
  byPairs.set(pairs, known);
  const hit = known.get(key);
  if (hit) return hit;
  const made = pairLogProbs(params, config, pairs, space);
  known.set(key, made);
  made.catch(() => known.delete(key));
  return made;
}
