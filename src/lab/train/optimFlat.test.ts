/**
 * The flat Adam and clip (one vector for all parameters, docs/profile.md) against the per-tensor formula they
 * replaced, written out here: the same weights, moments and reported numbers within 1e-5 on a small GPT.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { disposeParams, initGpt, logits, maskedNll, type GptConfig, type Params } from '../model/gpt';
import { Adam, ADAM_DEFAULTS, clipByGlobalNorm, optimiserStep } from './optim';

/** The per-tensor Adam step (before the flat one), with its clip: the reference formula. */
function referenceStep(params: Params, m: tf.Tensor[], v: tf.Tensor[], t: number, loss: () => tf.Scalar, lr: number, maxNorm: number): { loss: number; norm: number } {
  const vars = [...params.values()];
  const { value, grads } = tf.variableGrads(loss, vars);
  const ordered = vars.map((x) => grads[x.name] ?? tf.zerosLike(x));
  const { clipped, norm } = clipByGlobalNorm(ordered, maxNorm);
  const { beta1, beta2, eps } = ADAM_DEFAULTS;
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  vars.forEach((p, i) => {
    const g = clipped[i]!;
    const mNext = tf.tidy(() => tf.add(tf.mul(beta1, m[i]!), tf.mul(1 - beta1, g)));
    const vNext = tf.tidy(() => tf.add(tf.mul(beta2, v[i]!), tf.mul(1 - beta2, tf.square(g))));
    tf.dispose([m[i]!, v[i]!]);
    m[i] = mNext;
    v[i] = vNext;
    tf.tidy(() => p.assign(tf.sub(p, tf.mul(lr, tf.div(tf.div(mNext, c1), tf.add(tf.sqrt(tf.div(vNext, c2)), eps))))));
  });
  const out = { loss: value.dataSync()[0]!, norm: norm.dataSync()[0]! };
  tf.dispose([value, norm, ...ordered, ...clipped, ...Object.values(grads)]);
  return out;
}

const config: GptConfig = { vocabSize: 13, contextLength: 9, layers: 2, heads: 2, width: 8, scalarHead: true };
const B = 4;

function batch(seed: string): { ids: tf.Tensor2D; mask: Float32Array } {
  const rng = createRng(seed);
  const T = config.contextLength;
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize)), [B, T], 'int32');
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 3 ? 1 : 0));
  return { ids, mask };
}

const values = (p: Params) => [...p.values()].flatMap((x) => Array.from(x.dataSync()));
const maxDiff = (a: number[], b: number[]) => a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i]!)), 0);

describe('flat Adam and clip against the per-tensor formula', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  for (const maxNorm of [0.05, 10]) {
    it(`gives the same weights, moments, losses and norms over 6 steps (clip ${maxNorm}: ${maxNorm < 1 ? 'clipping' : 'not clipping'})`, async () => {
      const a = initGpt(config, createRng('flat-adam'));
      const b = initGpt(config, createRng('flat-adam'));
      expect(values(a)).toEqual(values(b));
      const adam = new Adam(a);
      const m = [...b.values()].map((x) => tf.zerosLike(x));
      const v = [...b.values()].map((x) => tf.zerosLike(x));
      const { ids, mask } = batch('flat-adam:data');
      const before = tf.memory().numTensors;
      for (let step = 1; step <= 6; step++) {
        const lr = 3e-3;
        const got = await optimiserStep(a, adam, () => maskedNll(a, config, ids, mask), lr, maxNorm);
        const want = referenceStep(b, m, v, step, () => maskedNll(b, config, ids, mask), lr, maxNorm);
        expect(got.applied).toBe(true);
        expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-5);
        expect(Math.abs(got.gradNorm - want.norm)).toBeLessThan(1e-5 * Math.max(1, want.norm));
      }
      expect(tf.memory().numTensors).toBe(before);
      // The weights moved (the test would pass vacuously otherwise) and agree with the reference's.
      expect(maxDiff(values(a), values(initGpt(config, createRng('flat-adam'))))).toBeGreaterThan(1e-3);
      // Every weight within 1e-5 except the key bias (the middle third of attn.bqkv): softmax is shift-invariant, so
      // its gradient is 0 in exact arithmetic and Adam, which divides by √v̂, turns rounding noise into steps of up to
      // lr there (measured 1.6e-5 apart here). It changes no output: the logits agree within 1e-5 of their scale.
      const w = config.width;
      for (const [name, x] of a) {
        let got = Array.from(x.dataSync());
        let want = Array.from(b.get(name)!.dataSync());
        const withoutKeyBias = (xs: number[]) => [...xs.slice(0, w), ...xs.slice(2 * w)];
        if (name.endsWith('attn.bqkv')) [got, want] = [withoutKeyBias(got), withoutKeyBias(want)];
        expect(maxDiff(got, want), name).toBeLessThan(1e-5);
      }
      const [la, lb] = [a, b].map((p) => Array.from(logits(p, config, ids).dataSync()));
      const scale = Math.max(1, ...lb!.map(Math.abs));
      expect(maxDiff(la!, lb!)).toBeLessThan(1e-5 * scale);
      const state = await adam.exportState();
      expect(state.t).toBe(6);
      expect(state.m.map((x) => x.name)).toEqual([...b.keys()]);
      expect(maxDiff(state.m.flatMap((x) => Array.from(x.data)), m.flatMap((x) => Array.from(x.dataSync())))).toBeLessThan(1e-6);
      expect(maxDiff(state.v.flatMap((x) => Array.from(x.data)), v.flatMap((x) => Array.from(x.dataSync())))).toBeLessThan(1e-6);
      state.m.forEach((x, i) => expect(x.shape).toEqual([...[...b.values()][i]!.shape]));
      tf.dispose([ids, ...m, ...v]);
      adam.dispose();
      disposeParams(a);
      disposeParams(b);
    });
  }

  it('applies per-tensor gradients (apply) as the flat vector (applyFlat) would, and refuses a wrong count', () => {
    const a = initGpt(config, createRng('flat-apply'));
    const b = initGpt(config, createRng('flat-apply'));
    const adamA = new Adam(a);
    const adamB = new Adam(b);
    const rng = createRng('flat-apply:g');
    const grads = [...a.values()].map((x) => tf.tensor(Array.from({ length: x.size }, () => rng.normal()), x.shape));
    adamA.apply(grads, 0.01);
    const flat = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    adamB.applyFlat(flat, 0.01);
    expect(values(a)).toEqual(values(b));
    expect(() => adamA.apply(grads.slice(1), 0.01)).toThrow(/gradients for/);
    expect(() => adamA.applyFlat(tf.zeros([3]), 0.01)).toThrow(/flat gradient/);
    tf.dispose([...grads, flat]);
    for (const x of [adamA, adamB]) x.dispose();
    disposeParams(a);
    disposeParams(b);
  });
});
