/**
 * Stage 1, supervised fine-tuning (docs/method.md): next-token cross-entropy on response tokens only (the prompt is
 * masked out), Adam (0.9, 0.95), cosine schedule with 3% warm-up and a 10% floor, global-norm clipping at 1.0.
 * The result becomes π_ref for every later stage. Emits metrics and sample generations as events. A non-finite
 * loss, gradient norm or learning rate stops it with a NonFiniteError carrying the model from before that step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { detokenize } from '../data/tokenizer';
import { unigramResponseNll } from '../eval/baselines';
import type { EventSink, SampleText } from '../events';
import { disposeParams, initGpt, maskedNll, type GptConfig, type Params } from '../model/gpt';
import { sampleResponses, taskSampleOptions } from '../model/sample';
import { createRng } from '../rng';
import type { Task } from '../tasks/task';
import { epochOrder, packExamples } from './batch';
import { assertFinite, keepOnError } from './finite';
import { Adam, cosineLr, optimiserStep, type RecipeSettings } from './optim';
import { yieldTurn } from '../yieldTurn';

export interface SftSettings extends RecipeSettings {
  steps: number;
  batchSize: number;
  evalEvery: number;
  sampleEvery: number;
  /** Held-out examples scored at each evaluation (all of them if fewer). */
  evalExamples: number;
  /** Held-out prompts sampled at each sample step. */
  samples: number;
  /** Temperature of those samples (nanoGPT's sample.py uses 0.8); RL always samples at 1. */
  sampleTemperature: number;
}

export interface SftResult {
  params: Params;
  config: GptConfig;
  steps: number;
  stopped: boolean;
  trainLoss: number;
  heldOutLoss: number;
  heldOutPerplexity: number;
  /** Held-out response NLL of the unigram model: the number SFT must beat. */
  unigramLoss: number;
  tokensPerSecond: number;
}

export interface SftRun {
  task: Task;
  model: Omit<GptConfig, 'vocabSize' | 'contextLength' | 'scalarHead'>;
  settings: SftSettings;
  seed: number | string;
  onEvent?: EventSink;
  /** Polled between steps; returning true ends the run early with what it has. */
  shouldStop?: () => boolean;
  /** Awaited before every step: resolves at once unless the user paused the run (the worker's Pause). */
  pauseGate?: () => Promise<void>;
  now?: () => number;
}

/** Mean held-out NLL per response token, batched, without gradients. */
export async function heldOutNll(params: Params, config: GptConfig, task: Task, maxExamples: number, batchSize = 128): Promise<number> {
  const examples = task.heldOut.slice(0, maxExamples);
  let nll = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const packed = packExamples(examples.slice(i, i + batchSize), config.contextLength);
    const count = packed.mask.reduce((a, b) => a + b, 0);
    const loss = tf.tidy(() =>
      maskedNll(params, config, tf.tensor2d(packed.ids, [packed.batch, packed.length], 'int32'), packed.mask),
    );
    nll += ((await loss.data())[0] ?? NaN) * count;
    loss.dispose();
    tokens += count;
    await yieldTurn();
  }
  return nll / tokens;
}

/** Samples responses to the first `n` held-out prompts and renders them as text with their gold reward. */
export async function sampleTexts(params: Params, config: GptConfig, task: Task, n: number, seed: number | string, temperature = 1): Promise<SampleText[]> {
  const prompts = task.heldOut.slice(0, n).map((e) => e.prompt);
  const batch = await sampleResponses(params, config, prompts, taskSampleOptions(task, temperature), createRng(seed));
  return prompts.map((p, i) => {
    const response = batch.responses[i] ?? [];
    return {
      prompt: detokenize(task.tokenizer.decode(p)),
      response: detokenize(task.tokenizer.decode(response)),
      gold: task.goldReward(response),
    };
  });
}

export async function runSft(run: SftRun): Promise<SftResult> {
  const { task, settings: s, onEvent } = run;
  const now = run.now ?? (() => performance.now());
  const config: GptConfig = { ...run.model, vocabSize: task.tokenizer.size, contextLength: task.maxPromptLength + task.horizon, scalarHead: false };
  const rng = createRng(`${run.seed}:sft`);
  const params = initGpt(config, rng.fork());
  const adam = new Adam(params);
  const orderRng = rng.fork();
  const schedule = { peakLr: s.lr, totalSteps: s.steps, warmupFraction: s.warmupFraction, floorFraction: s.floorFraction };
  const unigramLoss = unigramResponseNll(task.train, task.heldOut, config.vocabSize);
  let order: number[] = [];
  let cursor = 0;
  let trainLoss = NaN;
  let heldOutLoss = NaN;
  let tokens = 0;
  let trainMs = 0;
  let step = 0;
  let stopped = false;
  try {
    for (; step < s.steps; step++) {
      await run.pauseGate?.();
      if (run.shouldStop?.()) {
        stopped = true;
        break;
      }
      if (cursor + s.batchSize > order.length) {
        order = epochOrder(task.train.length, () => orderRng.next());
        cursor = 0;
      }
      const batch = packExamples(order.slice(cursor, cursor + s.batchSize).map((i) => task.train[i]!), config.contextLength);
      cursor += s.batchSize;
      const lr = cosineLr(step, schedule);
      const t0 = now();
      const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
      const { loss, gradNorm } = await optimiserStep(params, adam, () => maskedNll(params, config, ids, batch.mask), lr, s.maxGradNorm);
      ids.dispose();
      trainMs += now() - t0;
      assertFinite({ stage: 'sft', step: step + 1, unit: 'step', models: 1, advice: `Lower the learning rate (now ${s.lr}).` }, { loss, 'gradient norm': gradNorm, 'learning rate': lr });
      const stepTokens = batch.mask.reduce((a, b) => a + b, 0);
      tokens += stepTokens;
      trainLoss = loss;
      const values: Record<string, number> = { loss, 'grad/norm': gradNorm, lr, 'tokens/s': (stepTokens / Math.max(now() - t0, 1e-3)) * 1000 };
      const last = step === s.steps - 1;
      if ((step + 1) % s.evalEvery === 0 || last) {
        heldOutLoss = await heldOutNll(params, config, task, s.evalExamples);
        values['eval/loss'] = heldOutLoss;
        values['eval/perplexity'] = Math.exp(heldOutLoss);
        values['eval/unigram_loss'] = unigramLoss;
      }
      onEvent?.({ type: 'metrics', stage: 'sft', step: step + 1, totalSteps: s.steps, values });
      if (onEvent && ((step + 1) % s.sampleEvery === 0 || last) && s.samples > 0) {
        onEvent({ type: 'samples', stage: 'sft', step: step + 1, samples: await sampleTexts(params, config, task, s.samples, `${run.seed}:sft-samples:${step + 1}`, s.sampleTemperature) });
      }
    }
    if (stopped || Number.isNaN(heldOutLoss)) heldOutLoss = await heldOutNll(params, config, task, s.evalExamples);
  } catch (error) {
    // A NonFiniteError takes the model (never changed by the failing step) to its catcher; otherwise it is freed.
    if (!keepOnError(error, params)) disposeParams(params);
    throw error;
  } finally {
    adam.dispose();
  }
  return {
    params,
    config,
    steps: step,
    stopped,
    trainLoss,
    heldOutLoss,
    heldOutPerplexity: Math.exp(heldOutLoss),
    unigramLoss,
    tokensPerSecond: (tokens / Math.max(trainMs, 1e-3)) * 1000,
  };
}
