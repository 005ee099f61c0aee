import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusAssetFromDisk } from '../../cli/assets';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings } from '../config';
import type { StageEvent } from '../events';
import { disposeParams } from '../model/gpt';
import { sentimentTask } from '../tasks/sentiment';
import type { Task } from '../tasks/task';
import { NonFiniteError } from './finite';
import { runSft, type SftSettings } from './sft';

const tiny = resolveSettings('tiny');
const model = { layers: tiny.layers, heads: tiny.heads, width: tiny.width };
const settings = (over: Partial<SftSettings> = {}): SftSettings => ({
  steps: tiny.sftSteps,
  batchSize: tiny.sftBatch,
  lr: tiny.sftLr,
  warmupFraction: 0.03,
  floorFraction: 0.1,
  maxGradNorm: 1,
  evalEvery: 60,
  sampleEvery: 1000,
  evalExamples: 256,
  samples: 0,
  sampleTemperature: 1,
  ...over,
});

describe('SFT on the sentiment task (tiny preset, wasm)', () => {
  let task: Task;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    task = sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: tiny.vocabSize, seed: tiny.seed });
  });

  it('lowers held-out loss well below the unigram baseline, with flat tensor memory from step 10 to step 100', async () => {
    const memory = new Map<number, number>();
    const events: StageEvent[] = [];
    const result = await runSft({
      task,
      model,
      seed: 1,
      settings: settings({ steps: 120 }),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'metrics') memory.set(e.step, tf.memory().numTensors);
      },
    });
    console.log(`tiny SFT, 120 steps: held-out ${result.heldOutLoss.toFixed(3)} nats (ppl ${result.heldOutPerplexity.toFixed(1)}), unigram ${result.unigramLoss.toFixed(3)}`);
    expect(memory.get(10)).toBe(memory.get(100));
    expect(events.filter((e) => e.type === 'metrics')).toHaveLength(120);
    expect(result.steps).toBe(120);
    expect(result.heldOutLoss).toBeLessThan(result.unigramLoss - 0.3);
    disposeParams(result.params);
  });

  it('is deterministic for a seed: the same losses step by step', async () => {
    const losses = async (seed: number) => {
      const out: number[] = [];
      const r = await runSft({ task, model, seed, settings: settings({ steps: 4, evalEvery: 100, evalExamples: 32 }), onEvent: (e) => e.type === 'metrics' && out.push(e.values.loss ?? NaN) });
      disposeParams(r.params);
      return out;
    };
    const a = await losses(5);
    expect(await losses(5)).toEqual(a);
    expect(await losses(6)).not.toEqual(a);
  });

  it('stops when asked and reports how far it got', async () => {
    let steps = 0;
    const r = await runSft({ task, model, seed: 2, settings: settings({ steps: 50, evalExamples: 32 }), onEvent: () => steps++, shouldStop: () => steps >= 3 });
    expect(r.stopped).toBe(true);
    expect(r.steps).toBe(3);
    expect(Number.isFinite(r.heldOutLoss)).toBe(true);
    disposeParams(r.params);
  });

  it('fails with a clear message when the loss stops being a number, and hands over the last good model', async () => {
    const before = tf.memory().numTensors;
    const error = await runSft({ task, model, seed: 3, settings: settings({ steps: 30, lr: 1e30, evalExamples: 32 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    const e = error as NonFiniteError;
    expect(e.message).toMatch(/^sft stopped at step \d+: (loss|gradient norm) is (NaN|-?Infinity) \(non-finite\); the model from before this step is kept\. Lower the learning rate \(now 1e\+30\)\.$/);
    expect(e.params).not.toBeNull();
    disposeParams(e.params!); // the caller owns the kept model: nothing else is left behind
    expect(tf.memory().numTensors).toBe(before);
  });
});
