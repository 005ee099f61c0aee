import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { causalMask, embed, gelu, layerNorm, logSoftmaxCrossEntropy, maskedAttention, matMul2d, pickLast, unembed } from './layers';
import { createRng, normalArray } from '../rng';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('GPT building blocks (wasm backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('embeds with the same values as tf.gather', () => {
    const table = tf.tensor2d(normalArray(createRng(1), 7 * 3), [7, 3]);
    const ids = tf.tensor2d([[0, 6, 2], [2, 2, 5]], [2, 3], 'int32');
    const viaEmbed = embed(ids, table);
    const viaGather = tf.gather(table, ids.flatten());
    expect(viaEmbed.shape).toEqual([2, 3, 3]);
    expect(values(viaEmbed)).toEqual(values(viaGather));
    tf.dispose([table, ids, viaEmbed, viaGather]);
  });

  it('differentiates the embedding on wasm, where gather has no gradient: row grads are token counts', () => {
    const table = tf.zeros([5, 2]) as tf.Tensor2D;
    const ids = tf.tensor1d([1, 1, 3], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(embed(ids, t as tf.Tensor2D)))(table);
    // d Σ embed / d table[v, :] = number of times v occurs.
    expect(values(g)).toEqual([0, 0, 2, 2, 0, 0, 1, 1, 0, 0]);
    tf.dispose([table, ids, g]);
  });

  it('unembeds with the same floats as h·wteᵀ, forward and gradients (the order of each sum kept)', () => {
    const h = tf.tensor2d(normalArray(createRng(2), 37 * 16), [37, 16]);
    const wte = tf.tensor2d(normalArray(createRng(3), 101 * 16), [101, 16]);
    const dy = tf.tensor2d(normalArray(createRng(4), 37 * 101), [37, 101]);
    const loss = (f: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor2D), dy));
    const ours = tf.grads(loss(unembed))([h, wte]);
    const plain = tf.grads(loss((a, b) => matMul2d(a, tf.transpose(b) as tf.Tensor2D)))([h, wte]);
    expect(values(unembed(h, wte))).toEqual(values(matMul2d(h, tf.transpose(wte) as tf.Tensor2D)));
    expect(ours.map((g) => g.shape)).toEqual([[37, 16], [101, 16]]);
    ours.forEach((g, i) => expect(values(g)).toEqual(values(plain[i]!)));
    // Not a zero gradient that would match anything: dwte[v] = Σ_m dy[m, v]·h[m].
    expect(Math.max(...values(ours[1]!).map(Math.abs))).toBeGreaterThan(1);
    tf.dispose([h, wte, dy, ...ours, ...plain]);
  });

  it('layer-normalises each row to mean 0 and variance 1 before gain and bias', () => {
    const x = tf.tensor2d([[1, 2, 3, 4], [10, -10, 10, -10]]);
    const y = layerNorm(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D);
    const rows = y.arraySync() as number[][];
    for (const row of rows) {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(variance).toBeCloseTo(1, 3);
    }
    // (1 - 2.5) / sqrt(1.25 + 1e-5)
    expect(rows[0]?.[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25 + 1e-5), 5);
    tf.dispose([x, y]);
  });

  it('matches GELU (tanh form) at known points', () => {
    const y = values(gelu(tf.tensor1d([-3, -1, 0, 1, 3])));
    const ref = [-3, -1, 0, 1, 3].map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    y.forEach((v, i) => expect(v).toBeCloseTo(ref[i] ?? NaN, 5));
    expect(y[3]).toBeCloseTo(0.841192, 5);
  });

  it('attends causally: the first position sees only itself, and the future cannot change the past', () => {
    const rng = createRng('attn');
    const shape: [number, number, number, number] = [1, 1, 4, 3];
    const q = tf.tensor4d(normalArray(rng, 12), shape);
    const k = tf.tensor4d(normalArray(rng, 12), shape);
    const v = tf.tensor4d(normalArray(rng, 12), shape);
    const mask = causalMask(4);
    const out = maskedAttention(q, k, v, mask);
    expect(values(out).slice(0, 3).map((x) => +x.toFixed(5))).toEqual(values(v).slice(0, 3).map((x) => +x.toFixed(5)));
    // Change the last key and value: outputs at positions 0..2 must not move.
    const k2 = tf.concat([k.slice([0, 0, 0, 0], [1, 1, 3, 3]), tf.fill([1, 1, 1, 3], 9)], 2) as tf.Tensor4D;
    const v2 = tf.concat([v.slice([0, 0, 0, 0], [1, 1, 3, 3]), tf.fill([1, 1, 1, 3], -9)], 2) as tf.Tensor4D;
    const out2 = maskedAttention(q, k2, v2, mask);
    expect(values(out2).slice(0, 9)).toEqual(values(out).slice(0, 9));
    expect(values(out2).slice(9)).not.toEqual(values(out).slice(9));
    tf.dispose([q, k, v, mask, out, k2, v2, out2]);
  });

  it('computes the masked cross-entropy by hand and ignores weight-0 positions', () => {
    const logits = tf.tensor2d([[2, 0, 0], [0, 0, 0], [100, -100, 3]]);
    const targets = tf.tensor1d([0, 2, 1], 'int32');
    const loss = logSoftmaxCrossEntropy(logits, targets, tf.tensor1d([1, 1, 0]));
    const l0 = -(2 - Math.log(Math.exp(2) + 2));
    const l1 = Math.log(3);
    expect(loss.dataSync()[0]).toBeCloseTo((l0 + l1) / 2, 5);
    const picked = pickLast(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor1d([2, 0], 'int32'));
    expect(values(picked)).toEqual([3, 4]);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const table = tf.tensor2d(normalArray(createRng(2), 12), [4, 3]);
    const ids = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const y = tf.tidy(() => layerNorm(embed(ids, table), tf.ones([3]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D));
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(y);
    tf.dispose([table, ids]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
