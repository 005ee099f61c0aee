import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { disposeParams, initGpt, logits, type GptConfig } from './gpt';
import { checkpointFromBinary, checkpointFromJson, checkpointToBinary, checkpointToJson, makeCheckpoint, paramsFromCheckpoint } from './checkpoint';

const config: GptConfig = { vocabSize: 6, contextLength: 5, layers: 1, heads: 1, width: 4, scalarHead: true };
const vocab = ['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'b'];

describe('checkpoint format', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('round-trips through binary and JSON to the same weights and the same logits', async () => {
    const params = initGpt(config, createRng('ckpt'));
    const ckpt = await makeCheckpoint(params, config, vocab, 'sft', { step: 12 });
    const ids = tf.tensor2d([[1, 4, 5, 2]], [1, 4], 'int32');
    const expected = Array.from(logits(params, config, ids).dataSync());
    for (const restored of [checkpointFromBinary(checkpointToBinary(ckpt)), checkpointFromJson(checkpointToJson(ckpt))]) {
      expect(restored.header).toEqual(ckpt.header);
      expect(Array.from(restored.data)).toEqual(Array.from(ckpt.data));
      const p2 = paramsFromCheckpoint(restored);
      expect(Array.from(logits(p2, config, ids).dataSync())).toEqual(expected);
      disposeParams(p2);
    }
    disposeParams(params);
    ids.dispose();
  });

  it('rejects truncated, foreign and inconsistent files with a clear message', async () => {
    const params = initGpt(config, createRng('ckpt2'));
    const ckpt = await makeCheckpoint(params, config, vocab, 'sft');
    disposeParams(params);
    const bin = checkpointToBinary(ckpt);
    expect(() => checkpointFromBinary(bin.subarray(0, bin.length - 8))).toThrow(/truncated/);
    expect(() => checkpointFromBinary(new TextEncoder().encode('hello world, not a checkpoint'))).toThrow(/signature/);
    expect(() => checkpointFromJson('{"format":"x"')).toThrow(/not valid JSON/);
    const json = JSON.parse(checkpointToJson(ckpt));
    expect(() => checkpointFromJson(JSON.stringify({ ...json, vocab: vocab.slice(1) }))).toThrow(/vocabulary/);
    expect(() => checkpointFromJson(JSON.stringify({ ...json, config: { ...json.config, width: 8 } }))).toThrow(/do not match/);
    expect(() => checkpointFromJson(JSON.stringify({ ...json, data: json.data.slice(0, 40) }))).toThrow(/floats/);
  });
});
