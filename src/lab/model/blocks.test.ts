/**
 * hiddenAt computes a row's tokens up to its last position read only, and the last layer's projection, MLP and
 * final layer norm on the rows read only (gpt.ts, blocks). Against the whole transformer followed by a gather of
 * the same rows: the same values and the same gradient of every parameter (within 1e-5 of its scale), on wasm and
 * cpu, for one and two layers, reading one row per sequence (the reward model's <eos>), a response's tokens (a
 * policy's log-probabilities), and tokens of every other sequence only (rows with nothing read).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend, type NodeBackendName } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { disposeParams, hidden, hiddenAt, initGpt, type GptConfig } from './gpt';
import { gatherRows } from './layers';

const B = 5;
const T = 9;

function worst(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!));
  return w;
}

for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`hiddenAt: the tokens that reach a row read, the last layer on the rows read (${backend})`, () => {
    for (const layers of [1, 2]) {
      it(`equals the whole transformer then a gather, values and every gradient (${layers} layer${layers > 1 ? 's' : ''})`, async () => {
        await useNodeBackend(backend);
        const config: GptConfig = { vocabSize: 23, contextLength: 12, layers, heads: 2, width: 16, scalarHead: false };
        const rng = createRng(`blocks:${layers}`);
        const params = initGpt(config, rng.fork());
        // Larger than initial weights, so that the layers do more than pass the embedding through.
        [...params.values()].forEach((v, i) => v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', i)))));
        const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * config.vocabSize)), [B, T], 'int32');
        const eos = Int32Array.from({ length: B }, (_, b) => b * T + 2 + ((b * 3) % (T - 2)));
        const response = Int32Array.from({ length: B * T }, (_, i) => i).filter((i) => i % T >= 3 && (i * 7) % 5 !== 0);
        const someRows = response.filter((i) => Math.floor(i / T) % 2 === 1);
        for (const positions of [eos, response, someRows]) {
          const before = tf.memory().numTensors;
          const weights = tf.tensor2d(Float32Array.from({ length: positions.length * config.width }, () => rng.next() - 0.5), [positions.length, config.width]);
          const whole = () => gatherRows(tf.reshape(hidden(params, config, ids), [B * T, config.width]) as tf.Tensor2D, tf.tensor1d(positions, 'int32'));
          const rows = () => hiddenAt(params, config, ids, positions);
          const [want, got] = [tf.tidy(whole), tf.tidy(rows)];
          expect(got.shape).toEqual([positions.length, config.width]);
          expect(worst(got.dataSync(), want.dataSync())).toBeLessThan(1e-5);
          const grads = (f: () => tf.Tensor2D) => tf.variableGrads(() => tf.sum(tf.mul(f(), weights)) as tf.Scalar, [...params.values()]);
          const g1 = grads(rows);
          const g0 = grads(whole);
          for (const [name, v] of params) {
            const [a, b] = [g1.grads[v.name]!, g0.grads[v.name]!];
            const scale = Math.max(1, ...Array.from(b.dataSync(), Math.abs));
            expect(worst(a.dataSync(), b.dataSync()), name).toBeLessThan(1e-5 * scale);
          }
          expect(Math.max(...Array.from(g0.grads[params.get('h0.attn.wqkv')!.name]!.dataSync(), Math.abs))).toBeGreaterThan(1e-3);
          tf.dispose([want, got, weights, g1.value, g0.value, ...Object.values(g1.grads), ...Object.values(g0.grads)]);
          expect(tf.memory().numTensors).toBe(before);
        }
        ids.dispose();
        disposeParams(params);
      });
    }
  });
}
