/**
 * For tests: the tiny config and RL settings with which the RL machinery is checked on untrained (randomly
 * initialised, opinionated) models on the oracle task. The invariants and the evaluation's bookkeeping do not need
 * trained models, and these runs take seconds; learning is tested with trained ones in rlhfStages.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initGpt, type GptConfig, type Params } from '../model/gpt';
import { createRng } from '../rng';
import type { RlSettings } from './rlSettings';

export const UNTRAINED_CONFIG: GptConfig = { vocabSize: 24, contextLength: 16, layers: 1, heads: 2, width: 16, scalarHead: false };

export function untrainedRlSettings(overrides: Partial<RlSettings> = {}): RlSettings {
  return {
    mode: 'ppo',
    estimator: 'gae',
    iterations: 3,
    promptsPerRollout: 16,
    minibatches: 4,
    actorLr: 3e-3,
    criticLr: 1e-2,
    warmupFraction: 0.03,
    floorFraction: 0.1,
    maxGradNorm: 1,
    beta1: 0.5,
    clip: 0.2,
    beta2: 0.05,
    beta3: 1,
    gamma: 1,
    lambda: 0.95,
    epsClip: 0.2,
    valueClip: 0.2,
    evalEvery: 2,
    tokensEvery: 2,
    tokenRows: 2,
    ...overrides,
  };
}

/** A policy-shaped model with large weights (GPT-2's init is nearly uniform), so log-ratios are not all ~0. */
export function opinionatedGpt(seed: string, config: GptConfig = UNTRAINED_CONFIG): Params {
  const params = initGpt(config, createRng(seed));
  for (const p of params.values()) if (p.shape.length === 2) p.assign(tf.mul(p, 20));
  return params;
}
