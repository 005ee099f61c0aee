import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { Adam, ADAM_DEFAULTS, clipByGlobalNorm, cosineLr, optimiserStep, optimiserSteps } from './optim';
import { paramsFromTensors } from '../model/gpt';
import { epochOrder, packExamples } from './batch';

describe('learning-rate schedule', () => {
  const s = { peakLr: 1e-3, totalSteps: 100, warmupFraction: 0.03, floorFraction: 0.1 };
  it("is HF's cosine-with-min-lr: ceil(3%) warm-up steps from LR 0, then cosine to a 10% floor", () => {
    // Golden values of transformers' _get_cosine_schedule_with_warmup_lr_lambda(step, num_warmup_steps=3,
    // num_training_steps=100, num_cycles=0.5, min_lr_rate=0.1) × 1e-3, written out by hand.
    expect(cosineLr(0, s)).toBe(0);
    expect(cosineLr(1, s)).toBeCloseTo(1e-3 / 3, 15);
    expect(cosineLr(2, s)).toBeCloseTo(2e-3 / 3, 15);
    expect(cosineLr(3, s)).toBeCloseTo(1e-3, 15);
    // Step 4: progress 1/97, factor 0.1 + 0.9·½(1 + cos(π/97)) = 0.99976401
    expect(cosineLr(4, s)).toBeCloseTo(1e-3 * (0.1 + 0.45 * (1 + Math.cos(Math.PI / 97))), 15);
    expect(cosineLr(4, s)).toBeCloseTo(0.00099976, 8);
    // Halfway through the decay: floor + (peak − floor)/2.
    expect(cosineLr(3 + 97 / 2, s)).toBeCloseTo(1e-4 + 0.45e-3, 12);
    expect(cosineLr(99, s)).toBeCloseTo(1e-3 * (0.1 + 0.45 * (1 + Math.cos((Math.PI * 96) / 97))), 15);
    expect(cosineLr(100, s)).toBeCloseTo(1e-4, 12);
    for (let i = 3; i < 100; i++) expect(cosineLr(i + 1, s)).toBeLessThanOrEqual(cosineLr(i, s));
  });
  it('rounds the warm-up up: 3% of 10 steps is one warm-up step (LR 0), 3% of 101 is four', () => {
    const ten = { ...s, totalSteps: 10 };
    expect(cosineLr(0, ten)).toBe(0);
    expect(cosineLr(1, ten)).toBeCloseTo(1e-3, 15);
    const odd = { ...s, totalSteps: 101 };
    expect(cosineLr(3, odd)).toBeCloseTo(0.75e-3, 15);
    expect(cosineLr(4, odd)).toBeCloseTo(1e-3, 15);
    // No warm-up at all: the first step is at the peak.
    expect(cosineLr(0, { ...s, warmupFraction: 0 })).toBeCloseTo(1e-3, 15);
  });
});

describe('optimiser', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('clips by global norm: a (3, 4) gradient has norm 5 and is scaled to norm 1', () => {
    const { clipped, norm } = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
    expect(clipped.map((c) => c.dataSync()[0])).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
    const small = clipByGlobalNorm([tf.tensor1d([0.3, 0.4])], 1);
    expect(Array.from(small.clipped[0]!.dataSync())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
  });

  it('takes Adam steps of size lr·m̂/(√v̂+ε): the first step moves each weight by lr against its gradient sign', () => {
    const init = tf.tensor1d([1, -2, 0.5]);
    const params = paramsFromTensors([['w', init]]);
    init.dispose();
    const adam = new Adam(params);
    adam.apply([tf.tensor1d([0.2, -3, 0])], 0.1);
    expect(Array.from(params.get('w')!.dataSync())).toEqual([expect.closeTo(0.9, 5), expect.closeTo(-1.9, 5), expect.closeTo(0.5, 6)]);
    // Second step with the same gradient: m̂ = g, v̂ = g², so again exactly lr per weight.
    adam.apply([tf.tensor1d([0.2, -3, 0])], 0.1);
    expect(Array.from(params.get('w')!.dataSync())).toEqual([expect.closeTo(0.8, 5), expect.closeTo(-1.8, 5), expect.closeTo(0.5, 6)]);
    adam.dispose();
  });

  it('minimises a quadratic and leaves no tensors behind', async () => {
    const init = tf.tensor1d([3, -1]);
    const params = paramsFromTensors([['w', init]]);
    init.dispose();
    const adam = new Adam(params);
    const before = tf.memory().numTensors;
    let last = { loss: Infinity, gradNorm: 0 };
    for (let i = 0; i < 200; i++) last = await optimiserStep(params, adam, () => tf.sum(tf.square(params.get('w')!)) as tf.Scalar, 0.05, 1);
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(1e-3);
    adam.dispose();
  });
});

describe('Adam state and the non-finite guard', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  const model = (values: number[]) => {
    const init = tf.tensor1d(values);
    const params = paramsFromTensors([['w', init]]);
    init.dispose();
    return params;
  };
  const w = (params: ReturnType<typeof model>) => Array.from(params.get('w')!.dataSync());
  const quadratic = (params: ReturnType<typeof model>) => () => tf.sum(tf.square(tf.sub(params.get('w')!, tf.tensor1d([1, 2, 3])))) as tf.Scalar;

  it('exports t, m and v and goes on from them exactly as the original would', async () => {
    const a = model([3, -1, 0.5]);
    const adamA = new Adam(a);
    for (let i = 0; i < 5; i++) await optimiserStep(a, adamA, quadratic(a), 0.05, 1);
    const state = await adamA.exportState();
    expect(state.t).toBe(5);
    expect(state.m.map((b) => [b.name, b.shape])).toEqual([['w', [3]]]);
    expect(state.v[0]!.data.every((x) => x > 0)).toBe(true);
    // A fresh copy of the weights and an Adam built from the exported state.
    const b = model(w(a));
    const adamB = new Adam(b, ADAM_DEFAULTS, structuredClone(state));
    for (let i = 0; i < 5; i++) {
      await optimiserStep(a, adamA, quadratic(a), 0.05, 1);
      await optimiserStep(b, adamB, quadratic(b), 0.05, 1);
    }
    expect(w(b)).toEqual(w(a));
    expect(adamB.stepCount).toBe(10);
    // A state of other parameters is refused, naming the tensor.
    const zeros = tf.zeros([3]);
    const other = paramsFromTensors([['u', zeros]]);
    zeros.dispose();
    expect(() => new Adam(other, ADAM_DEFAULTS, state)).toThrow(/Adam first moment has a tensor "w" that the model does not have/);
    const short = model([1, 2]);
    expect(() => new Adam(short, ADAM_DEFAULTS, state)).toThrow(/tensor "w" is \[3\] where the model's is \[2\]/);
    expect(() => new Adam(b, ADAM_DEFAULTS, { ...state, t: -1 })).toThrow(/step count/);
    for (const x of [adamA, adamB]) x.dispose();
    for (const x of [a, b, other, short]) x.forEach((v) => v.dispose());
  });

  it('skips a step whose loss is NaN: weights, moments and step count stay as they were', async () => {
    const p = model([3, -1, 0.5]);
    const adam = new Adam(p);
    await optimiserStep(p, adam, quadratic(p), 0.05, 1);
    const weights = w(p);
    const state = await adam.exportState();
    const before = tf.memory().numTensors;
    const r = await optimiserStep(p, adam, () => tf.mul(quadratic(p)(), NaN) as tf.Scalar, 0.05, 1);
    expect(r.applied).toBe(false);
    expect(r.loss).toBeNaN();
    expect(r.gradNorm).toBeNaN();
    expect(w(p)).toEqual(weights);
    expect(await adam.exportState()).toEqual(state);
    expect(tf.memory().numTensors).toBe(before);
    // An infinite learning rate with finite gradients: refused the same way.
    const inf = await optimiserStep(p, adam, quadratic(p), Infinity, 1);
    expect(inf.applied).toBe(false);
    expect(Number.isFinite(inf.loss)).toBe(true);
    expect(w(p)).toEqual(weights);
    expect(adam.stepCount).toBe(1);
    // A metric that is NaN (a loss function reporting one) stops the step too.
    const metric = await optimiserStep(p, adam, () => ({ loss: quadratic(p)(), metrics: tf.tensor1d([1, NaN]) }), 0.05, 1);
    expect(metric.applied).toBe(false);
    expect(metric.metrics[1]).toBeNaN();
    expect(w(p)).toEqual(weights);
    // The next good step is the one an optimiser that never saw the failures would take.
    const q = model(weights);
    const fresh = new Adam(q, ADAM_DEFAULTS, state);
    expect((await optimiserStep(p, adam, quadratic(p), 0.05, 1)).applied).toBe(true);
    await optimiserStep(q, fresh, quadratic(q), 0.05, 1);
    expect(w(p)).toEqual(w(q));
    for (const x of [adam, fresh]) x.dispose();
    for (const x of [p, q]) x.forEach((v) => v.dispose());
  });

  it('takes several steps all or none: a NaN in the second leaves the first model untouched', async () => {
    const a = model([3, -1, 0.5]);
    const b = model([1, 1, 1]);
    const adamA = new Adam(a);
    const adamB = new Adam(b);
    const [ra, rb] = await optimiserSteps([
      { params: a, adam: adamA, lossFn: quadratic(a), lr: 0.05, maxGradNorm: 1 },
      { params: b, adam: adamB, lossFn: () => tf.div(quadratic(b)(), 0) as tf.Scalar, lr: 0.05, maxGradNorm: 1 },
    ]);
    expect([ra!.applied, rb!.applied]).toEqual([false, false]);
    expect(Number.isFinite(ra!.loss)).toBe(true);
    expect(rb!.loss).toBe(Infinity);
    expect(w(a)).toEqual([3, -1, 0.5]);
    expect(w(b)).toEqual([1, 1, 1]);
    expect([adamA.stepCount, adamB.stepCount]).toEqual([0, 0]);
    const ok = await optimiserSteps([
      { params: a, adam: adamA, lossFn: quadratic(a), lr: 0.05, maxGradNorm: 1 },
      { params: b, adam: adamB, lossFn: quadratic(b), lr: 0.05, maxGradNorm: 1 },
    ]);
    expect(ok.map((r) => r.applied)).toEqual([true, true]);
    expect(w(a)[0]).toBeCloseTo(2.95, 5);
    for (const x of [adamA, adamB]) x.dispose();
    for (const x of [a, b]) x.forEach((v) => v.dispose());
  });
});

describe('batches', () => {
  it('packs prompt and response, pads, and masks only the response with its <eos>', () => {
    const b = packExamples([{ prompt: [1, 5], response: [6, 7, 2] }, { prompt: [1, 8, 9], response: [2] }], 6);
    expect(Array.from(b.ids)).toEqual([1, 5, 6, 7, 2, 0, 1, 8, 9, 2, 0, 0]);
    expect(Array.from(b.mask)).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0]);
    expect(() => packExamples([{ prompt: [1, 2, 3], response: [4, 5, 2] }], 5)).toThrow(RangeError);
  });
  it('shuffles an epoch as a permutation', () => {
    let x = 0;
    const order = epochOrder(50, () => ((x = (x * 9301 + 49297) % 233280) / 233280));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
