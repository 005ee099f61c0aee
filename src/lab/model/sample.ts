/**
 * Batched, seeded sampling from the GPT. Each step runs the model on the whole padded batch and reads the
 * next-token logits of every row back once (one read-back per step, never per token); the choice itself is made
 * on the CPU with the lab's seeded generator, so a seed gives the same text on every backend up to float rounding.
 *
 * Tokens a policy must never emit (<pad>, <bos>, <unk>, and <eos> before `eosAllowedFrom`) are removed from the
 * choices: an RL policy otherwise collapses onto them (toy-scale-findings.md, pitfall 1).
 *
 * No KV cache yet: every step recomputes the prefix. At H = 16 and 2 layers that costs ~H/2 times a cached
 * decoder, which is small next to training; a cache is the next optimisation if sampling dominates a profile.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EOS, PAD } from '../data/tokenizer';
import type { Rng } from '../rng';
import type { Task } from '../tasks/task';
import { logitsAt, type GptConfig, type ParamTensors } from './gpt';

export interface SampleOptions {
  /** 0 means greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = off). */
  topP: number;
  maxNewTokens: number;
  eos: number;
  pad: number;
  /** Never sampled. */
  forbidden: readonly number[];
  /** <eos> may be sampled only from this response position on; at maxNewTokens − 1 it is forced. */
  eosAllowedFrom: number;
}

/** A task's sampling rules (horizon, forbidden tokens, when <eos> is legal) at a given temperature, no top-k/p. */
export function taskSampleOptions(task: Pick<Task, 'horizon' | 'forbiddenTokens' | 'eosAllowedFrom'>, temperature = 1): SampleOptions {
  return { temperature, topK: 0, topP: 1, maxNewTokens: task.horizon, eos: EOS, pad: PAD, forbidden: task.forbiddenTokens, eosAllowedFrom: task.eosAllowedFrom };
}

export interface SampleBatch {
  /** Row length L = longest prompt + maxNewTokens. */
  length: number;
  /** [B, L] token ids, padded with <pad>. */
  ids: Int32Array;
  /** [B, L] 1 on response positions (the <eos> action included), 0 elsewhere. */
  responseMask: Float32Array;
  promptLengths: number[];
  /** Response token ids per row, ending with <eos>. */
  responses: number[][];
}

/** Picks a token from one row of logits under the options' masking, temperature, top-k and top-p. */
export function chooseToken(row: Float32Array, position: number, o: SampleOptions, rng: Rng): number {
  const allowed: number[] = [];
  const banned = new Set(o.forbidden);
  const mustEnd = position >= o.maxNewTokens - 1;
  for (let v = 0; v < row.length; v++) {
    if (banned.has(v)) continue;
    if (v === o.eos ? position < o.eosAllowedFrom && !mustEnd : mustEnd) continue;
    allowed.push(v);
  }
  if (allowed.length === 0) return o.eos;
  if (o.temperature === 0) return allowed.reduce((best, v) => ((row[v] ?? -Infinity) > (row[best] ?? -Infinity) ? v : best));
  const scaled = allowed.map((v) => (row[v] ?? -Infinity) / o.temperature);
  let order = allowed.map((_, i) => i).sort((a, b) => (scaled[b] ?? 0) - (scaled[a] ?? 0));
  if (o.topK > 0) order = order.slice(0, o.topK);
  const max = scaled[order[0] ?? 0] ?? 0;
  let probs = order.map((i) => Math.exp((scaled[i] ?? -Infinity) - max));
  let total = probs.reduce((a, b) => a + b, 0);
  if (o.topP < 1) {
    let cum = 0;
    let keep = 0;
    while (keep < probs.length && cum < o.topP * total) cum += probs[keep++] ?? 0;
    order = order.slice(0, Math.max(1, keep));
    probs = probs.slice(0, order.length);
    total = probs.reduce((a, b) => a + b, 0);
  }
  let u = rng.next() * total;
  for (let j = 0; j < order.length; j++) {
    u -= probs[j] ?? 0;
    if (u <= 0) return allowed[order[j] ?? 0] ?? o.eos;
  }
  return allowed[order[order.length - 1] ?? 0] ?? o.eos;
}

/** Samples one response per prompt (prompts start with <bos>). */
export async function sampleResponses(
  params: ParamTensors,
  config: GptConfig,
  prompts: readonly (readonly number[])[],
  options: SampleOptions,
  rng: Rng,
): Promise<SampleBatch> {
  const B = prompts.length;
  const promptLengths = prompts.map((p) => p.length);
  const L = Math.max(...promptLengths) + options.maxNewTokens;
  if (L > config.contextLength) throw new RangeError(`prompt + response (${L} tokens) exceeds the context length ${config.contextLength}`);
  const ids = new Int32Array(B * L).fill(options.pad);
  const responseMask = new Float32Array(B * L);
  prompts.forEach((p, b) => ids.set(p, b * L));
  const cursor = [...promptLengths];
  const done = new Array<boolean>(B).fill(false);
  const responses: number[][] = prompts.map(() => []);
  for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
    // Always the full row length: causal attention keeps the padding after a row's cursor from mattering, and one
    // fixed shape means WebGPU/WebGL compile their shaders once instead of once per step.
    // Each row's next-token logits sit at its own last position (prompts differ in length); only those rows go
    // through the vocabulary-sized output layer.
    const picked = tf.tidy(() => logitsAt(params, config, tf.tensor2d(ids, [B, L], 'int32'), cursor.map((c, b) => b * L + c - 1)));
    const rows = await picked.data<'float32'>();
    picked.dispose();
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const row = rows.subarray(b * config.vocabSize, (b + 1) * config.vocabSize);
      const token = chooseToken(row, responses[b]?.length ?? 0, options, rng);
      const c = cursor[b] ?? 0;
      ids[b * L + c] = token;
      responseMask[b * L + c] = 1;
      responses[b]?.push(token);
      cursor[b] = c + 1;
      if (token === options.eos) done[b] = true;
    }
  }
  return { length: L, ids, responseMask, promptLengths, responses };
}
