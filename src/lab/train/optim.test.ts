import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { Adam, clipByGlobalNorm, cosineLr, optimiserStep } from './optim';
import { paramsFromTensors } from '../model/gpt';
import { epochOrder, packExamples } from './batch';

describe('learning-rate schedule', () => {
  const s = { peakLr: 1e-3, totalSteps: 100, warmupFraction: 0.03, floorFraction: 0.1 };
  it('warms up linearly over 3% of the steps, peaks, and decays by cosine to a 10% floor', () => {
    expect(cosineLr(0, s)).toBeCloseTo(1e-3 / 3, 12);
    expect(cosineLr(2, s)).toBeCloseTo(1e-3, 12);
    expect(cosineLr(3, s)).toBeCloseTo(1e-3, 12);
    // Halfway through the decay: floor + (peak − floor)/2.
    expect(cosineLr(3 + 97 / 2, s)).toBeCloseTo(1e-4 + 0.45e-3, 12);
    expect(cosineLr(100, s)).toBeCloseTo(1e-4, 12);
    for (let i = 3; i < 100; i++) expect(cosineLr(i + 1, s)).toBeLessThanOrEqual(cosineLr(i, s));
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
