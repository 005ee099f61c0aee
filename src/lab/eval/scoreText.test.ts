import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { BOS, EOS, splitText, tokenizerFromVocab, UNK } from '../data/tokenizer';
import { initGpt, sequenceLogProbs, type GptConfig, type Params } from '../model/gpt';
import { taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import { encodeTypedText, scoreText, type ScoringModels } from './scoreText';

const config: GptConfig = { vocabSize: 24, contextLength: 16, layers: 1, heads: 2, width: 16, scalarHead: false };
const text = (prompt: number[], response: number[]) => ({ prompt, response, unknownWords: [], promptUnknownWords: [] });

describe('score your own text', () => {
  let models: ScoringModels;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    const sft: Params = initGpt(config, createRng('score:sft'));
    const dpo: Params = initGpt(config, createRng('score:dpo'));
    const rm: Params = initGpt({ ...config, scalarHead: true }, createRng('score:rm'));
    models = { sft, dpo, rm, norm: { mean: 0, std: 2 }, config, dpoBeta: 0.1, beta1: 0.5, clip: 0.05 };
  });

  it('gives the DPO token rewards in the action space (summing to β·log(π_dpo(y)/π_ref(y))), the RTO term, the RM score and r*', async () => {
    const task = oracleTask({ seed: 1, sftExamples: 50 });
    const prompt = [BOS, 5, 6, 7, 8];
    const response = [9, 10, 11, 12, 13, 14, 15, 16, 17]; // the oracle's 9 content tokens; <eos> is forced after them
    const before = tf.memory().numTensors;
    const s = await scoreText(task, models, text(prompt, response));
    expect(tf.memory().numTensors).toBe(before);
    expect(s.tokens).toEqual(['f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', '<eos>']);
    expect(s.truncated).toBe(false);
    expect(s.dpoReward).toHaveLength(10);
    // The forced <eos> has log-prob 0 under both models, so no reward.
    expect(s.logpRef[9]).toBe(0);
    expect(s.logpDpo[9]).toBe(0);
    const ids = [...prompt, ...response, EOS];
    const mask = ids.map((_, t) => (t >= prompt.length ? 1 : 0));
    const seq = tf.tidy(() => {
      const x = tf.tensor2d([ids], [1, ids.length], 'int32');
      const space = taskSampleOptions(task);
      return tf.sub(sequenceLogProbs(models.dpo, config, x, mask, space), sequenceLogProbs(models.sft, config, x, mask, space));
    });
    const logRatio = (await seq.data())[0]!;
    seq.dispose();
    expect(s.dpoReward.reduce((a, b) => a + b, 0)).toBeCloseTo(0.1 * logRatio, 5);
    s.rtoDpoReward.forEach((r, h) => expect(r).toBeCloseTo(Math.max(-0.05, Math.min(0.05, (0.5 / 0.1) * s.dpoReward[h]!)), 6));
    expect(s.rtoDpoReward.some((r) => Math.abs(r) === 0.05)).toBe(true); // the clip is applied (random models differ a lot)
    expect([s.dpoBeta, s.beta1, s.clip]).toEqual([0.1, 0.5, 0.05]);
    expect(s.rmScoreNormalised).toBeCloseTo(s.rmScore / 2, 6);
    expect(s.trueReward).toEqual(task.trueTokenRewards!(prompt, [...response, EOS]));
    expect(s.gold).toBeCloseTo(s.trueReward!.reduce((a, b) => a + b, 0), 9);
  });

  it('cuts a long response at the horizon and says so; refuses what the policy could never produce', async () => {
    const task = oracleTask({ seed: 1, sftExamples: 50 });
    const prompt = [BOS, 5, 6];
    const long = await scoreText(task, models, text(prompt, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]));
    expect(long.truncated).toBe(true);
    expect(long.tokens).toHaveLength(task.horizon);
    await expect(scoreText(task, models, text(prompt, []))).rejects.toThrow(/at least one word/);
    await expect(scoreText(task, models, { ...text(prompt, []), unknownWords: ['dinner'] })).rejects.toThrow(/dinner is not in its vocabulary/);
    // The oracle's <eos> comes only after 9 tokens: a shorter response is not one the policy can produce.
    await expect(scoreText(task, models, text(prompt, [9, 10, 11]))).rejects.toThrow(/at least 9 words before <eos>.*got 3/);
    // A special token inside the response (typed literally) is refused, not scored at −1e9.
    await expect(scoreText(task, models, text(prompt, [9, 10, UNK, 12, 13, 14, 15, 16, 17]))).rejects.toThrow(/"<unk>" at position 2, an action the policy can never take/);
  });

  it('drops unknown response words (reported) and keeps unknown prompt words as <unk> (reported too)', () => {
    const t = tokenizerFromVocab(['<pad>', '<bos>', '<eos>', '<unk>', 'the', 'was', 'very', 'good', '.']);
    const e = encodeTypedText(t, 'The dinner was', 'very tasty and good .');
    expect(e.prompt).toEqual([BOS, 4, UNK, 5]);
    expect(e.promptUnknownWords).toEqual(['dinner']);
    expect(e.response).toEqual([6, 7, 8]);
    expect(e.unknownWords).toEqual(['tasty', 'and']);
  });

  it('splits typed text into the corpus’s words', () => {
    const t = tokenizerFromVocab(['<pad>', '<bos>', '<eos>', '<unk>', 'i', 'did', "n't", 'like', 'it', '.', ',', "it's"]);
    expect(splitText("I didn't like it, it's fine.", t)).toEqual(['i', 'did', "n't", 'like', 'it', ',', "it's", 'fine', '.']);
  });
});
