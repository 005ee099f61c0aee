import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { splitText, tokenizerFromVocab } from '../data/tokenizer';
import { initGpt, sequenceLogProbs, type GptConfig, type Params } from '../model/gpt';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import { scoreText } from './scoreText';

const config: GptConfig = { vocabSize: 24, contextLength: 16, layers: 1, heads: 2, width: 16, scalarHead: false };

describe('score your own text', () => {
  let sft: Params;
  let dpo: Params;
  let rm: Params;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    sft = initGpt(config, createRng('score:sft'));
    dpo = initGpt(config, createRng('score:dpo'));
    rm = initGpt({ ...config, scalarHead: true }, createRng('score:rm'));
  });

  it('gives per-token DPO rewards that sum to β·(log π_dpo(y) − log π_ref(y)), the RM score and the true rewards', async () => {
    const task = oracleTask({ seed: 1, sftExamples: 50 });
    const prompt = [1, 5, 6, 7, 8];
    const response = [9, 10, 11];
    const s = await scoreText(task, { sft, dpo, rm, norm: { mean: 0, std: 2 }, config, dpoBeta: 0.1 }, prompt, response);
    expect(s.tokens).toEqual(['f', 'g', 'h', '<eos>']);
    expect(s.dpoReward).toHaveLength(4);
    const ids = [...prompt, ...response, 2];
    const mask = ids.map((_, t) => (t >= prompt.length ? 1 : 0));
    const seq = tf.tidy(() => {
      const x = tf.tensor2d([ids], [1, ids.length], 'int32');
      return tf.sub(sequenceLogProbs(dpo, config, x, mask), sequenceLogProbs(sft, config, x, mask));
    });
    const expected = 0.1 * (await seq.data())[0]!;
    seq.dispose();
    expect(s.dpoReward.reduce((a, b) => a + b, 0)).toBeCloseTo(expected, 5);
    expect(s.rmScoreNormalised).toBeCloseTo(s.rmScore / 2, 6);
    expect(s.trueReward).toEqual(task.trueTokenRewards!(prompt, [...response, 2]));
    expect(s.gold).toBeCloseTo(s.trueReward!.reduce((a, b) => a + b, 0), 9);
    await expect(scoreText(task, { sft, dpo, rm, norm: { mean: 0, std: 1 }, config, dpoBeta: 0.1 }, prompt, [])).rejects.toThrow(/at least one word/);
  });

  it('splits typed text into the corpus’s words', () => {
    const t = tokenizerFromVocab(['<pad>', '<bos>', '<eos>', '<unk>', 'i', 'did', "n't", 'like', 'it', '.', ',', "it's"]);
    expect(splitText("I didn't like it, it's fine.", t)).toEqual(['i', 'did', "n't", 'like', 'it', ',', "it's", 'fine', '.']);
  });
});
