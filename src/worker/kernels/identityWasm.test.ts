/**
 * identityWasm.ts: a clone on wasm shares its input's data instead of copying it. The data lives while any tensor on
 * it does and is freed with the last; training steps (the taped kernels' saved clones among them) give the same
 * floats to the bit as with tfjs-wasm's copying Identity; a copy of a model trained on stays as it was.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { cloneParams, disposeParams, initGpt, maskedNll, type GptConfig, type Params } from '../../lab/model/gpt';
import { createRng } from '../../lab/rng';
import { Adam, optimiserStep } from '../../lab/train/optim';
import { registerIdentityWasm } from './identityWasm';
import { useLabWasmKernels } from './wasmOverride';

const config: GptConfig = { vocabSize: 13, contextLength: 9, layers: 2, heads: 2, width: 8, scalarHead: false };
const values = (p: Params) => [...p.values()].flatMap((x) => Array.from(x.dataSync()));
const backend = () => tf.backend() as BackendWasm;

/** Weights and reported numbers after three Adam steps of a small GPT, with the lab's Identity on or off. */
async function train(shareClones: boolean): Promise<{ weights: number[]; reports: number[] }> {
  useLabWasmKernels(true, shareClones ? [] : [tf.Identity]);
  try {
    const params = initGpt(config, createRng('identity-wasm'));
    const adam = new Adam(params);
    const rng = createRng('identity-wasm:batch');
    const reports: number[] = [];
    for (let step = 0; step < 3; step++) {
      const ids = tf.tensor2d(Int32Array.from({ length: 4 * 9 }, () => rng.int(config.vocabSize)), [4, 9], 'int32');
      const mask = Float32Array.from({ length: 4 * 9 }, (_, i) => (i % 9 >= 2 ? 1 : 0));
      const out = await optimiserStep(params, adam, () => maskedNll(params, config, ids, mask), 1e-2, 1);
      reports.push(out.loss, out.gradNorm);
      ids.dispose();
    }
    const weights = values(params);
    adam.dispose();
    disposeParams(params);
    return { weights, reports };
  } finally {
    useLabWasmKernels(true);
  }
}

describe('Identity on wasm', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('is in front of the wasm backend', () => {
    expect(registerIdentityWasm()).toBe(true);
  });

  it("shares the input's data, which lives until the last tensor on it is disposed", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(backend().refCount(x.dataId)).toBe(1);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend().refCount(x.dataId)).toBe(2);
    expect(y.shape).toEqual([2, 3]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(backend().refCount(y.dataId)).toBe(1);
    const id = y.dataId;
    y.dispose();
    expect(backend().refCount(id)).toBe(0); // freed
    expect(tf.memory().numTensors).toBe(before);
  });

  it("copies as tfjs-wasm's own does when switched off, and leaves strings and int32 right", () => {
    useLabWasmKernels(true, [tf.Identity]);
    try {
      const x = tf.tensor1d([7, 8]);
      const y = tf.clone(x);
      expect(y.dataId).not.toBe(x.dataId);
      tf.dispose([x, y]);
    } finally {
      useLabWasmKernels(true);
    }
    const ints = tf.tensor1d([3, -4], 'int32');
    const c = tf.clone(ints);
    expect([c.dtype, Array.from(c.dataSync())]).toEqual(['int32', [3, -4]]);
    const s = tf.tensor1d(['a', 'bc'], 'string');
    const cs = tf.clone(s);
    expect(cs.dataSync()).toEqual(['a', 'bc']);
    tf.dispose([ints, c, s, cs]);
  });

  it('gives training steps the same floats to the bit, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const [shared, copied] = [await train(true), await train(false)];
    expect(shared.reports.every(Number.isFinite)).toBe(true);
    expect(shared.reports).toEqual(copied.reports);
    expect(shared.weights).toEqual(copied.weights);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves the model a copy was made from as it was while the copy trains', async () => {
    const sft = initGpt(config, createRng('identity-wasm:sft'));
    const at = values(sft);
    const policy = cloneParams(sft);
    const adam = new Adam(policy);
    const ids = tf.tensor2d(Int32Array.from({ length: 2 * 9 }, (_, i) => (i * 5) % config.vocabSize), [2, 9], 'int32');
    await optimiserStep(policy, adam, () => maskedNll(policy, config, ids, new Float32Array(18).fill(1)), 0.1, 1);
    expect(values(policy)).not.toEqual(at);
    expect(values(sft)).toEqual(at);
    ids.dispose();
    adam.dispose();
    disposeParams(policy);
    disposeParams(sft);
  });
});
