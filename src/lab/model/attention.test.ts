/**
 * maskedAttention (one op with a hand-written gradient, docs/profile.md) against the formula it replaced, written out
 * here with tfjs's own gradients: softmax(QKᵀ/√dh + mask)·V. Forward values and the gradients of q, k and v within
 * 1e-5 on random inputs, on wasm and cpu, with the causal mask and with the decoder's one-query shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend, type NodeBackendName } from '../../cli/nodeBackend';
import { createRng, normalArray } from '../rng';
import { causalMask, maskedAttention } from './layers';

function reference(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const scores = tf.add(tf.mul(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(q.shape[3])), mask);
    return tf.matMul(tf.softmax(scores, -1), v) as tf.Tensor4D;
  });
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => {
  const [x, y] = [a.dataSync(), b.dataSync()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
};

for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`maskedAttention against softmax(QKᵀ/√dh + mask)·V (${backend})`, () => {
    const cases: { name: string; shape: [number, number, number, number]; keys: number; mask: () => tf.Tensor }[] = [
      { name: 'causal, [3, 2, 7, 4]', shape: [3, 2, 7, 4], keys: 7, mask: () => causalMask(7) },
      { name: "the decoder's one query against 9 cached keys, 5 blocked", shape: [2, 4, 1, 8], keys: 9, mask: () => tf.tensor2d([[0, 0, 0, 0, -1e9, -1e9, -1e9, -1e9, -1e9]]) },
    ];
    for (const c of cases) {
      it(`gives the same values and gradients: ${c.name}`, async () => {
        await useNodeBackend(backend);
        const rng = createRng(`attention:${c.name}`);
        const [B, H, Tq, dh] = c.shape;
        const draw = (rows: number) => tf.tensor4d(normalArray(rng, B * H * rows * dh, 1.5), [B, H, rows, dh]);
        const [q, k, v] = [draw(Tq), draw(c.keys), draw(c.keys)];
        const mask = c.mask();
        // A weighted sum as the loss, so every output element has its own upstream gradient.
        const w = tf.tensor4d(normalArray(rng, B * H * Tq * dh, 1), [B, H, Tq, dh]);
        const before = tf.memory().numTensors;
        const loss = (f: typeof reference) => (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, mask), w));
        const got = tf.grads(loss(maskedAttention))([q, k, v]);
        const want = tf.grads(loss(reference))([q, k, v]);
        const [y, yRef] = [maskedAttention(q, k, v, mask), reference(q, k, v, mask)];
        expect(maxDiff(y, yRef)).toBeLessThan(1e-5);
        got.forEach((g, i) => {
          expect(g.shape).toEqual(want[i]!.shape);
          expect(maxDiff(g, want[i]!), ['dq', 'dk', 'dv'][i]).toBeLessThan(1e-5);
        });
        // The gradients are not trivially zero (the comparison would pass vacuously).
        for (const g of got) expect(Math.max(...Array.from(g.dataSync(), Math.abs))).toBeGreaterThan(1e-3);
        tf.dispose([...got, ...want, y, yRef]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([q, k, v, mask, w]);
      });
    }
  });
}
