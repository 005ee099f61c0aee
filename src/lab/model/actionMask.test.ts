/**
 * actionLogitBias (one gather of three rows) against the broadcast formula it replaced, written out here: the same
 * floats at every entry, on wasm and cpu, and its rows against isLegalAction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend, type NodeBackendName } from '../../cli/nodeBackend';
import { actionLogitBias, ILLEGAL, isLegalAction } from './actionMask';
import type { SampleOptions } from './sample';

/** The bias as it was built before: always + (eosIllegal·eosRow + forced·othersRow), broadcast from three rows. */
function broadcastBias(o: SampleOptions, vocabSize: number, responseIndex: ArrayLike<number>): tf.Tensor2D {
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

const base: SampleOptions = { temperature: 1, topK: 0, topP: 1, maxNewTokens: 6, eos: 2, pad: 0, forbidden: [0, 1, 3], eosAllowedFrom: 2 };
const cases: [string, SampleOptions, number[]][] = [
  ['every kind of position, three forbidden tokens', base, [0, 1, 2, 3, 4, 5, 0, 5, 1]],
  ['<eos> allowed at once, nothing forbidden', { ...base, forbidden: [], eosAllowedFrom: 0 }, [0, 3, 5, 5]],
  ['a forbidden id outside the vocabulary', { ...base, forbidden: [0, 40] }, [1, 4, 5]],
  ['no scored token', base, []],
];

for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`actionLogitBias (${backend})`, () => {
    for (const [name, o, h] of cases) {
      it(`equals the broadcast formula to the bit: ${name}`, async () => {
        await useNodeBackend(backend);
        const vocab = 9;
        const before = tf.memory().numTensors;
        const [got, want] = [actionLogitBias(o, vocab, h), broadcastBias(o, vocab, h)];
        expect(got.shape).toEqual([h.length, vocab]);
        expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
        const rows = got.arraySync();
        h.forEach((pos, m) => rows[m]!.forEach((b, v) => expect(b < 0, `token ${v} at ${pos}`).toBe(!isLegalAction(v, pos, o))));
        tf.dispose([got, want]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}
