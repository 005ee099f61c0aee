/**
 * Batched, seeded sampling from the GPT. Each step runs the model on the whole padded batch and reads the
 * next-token logits of every row back once (one read-back per step, never per token); the choice itself is made
 * on the CPU with the lab's seeded generator, so a seed gives the same text on every backend up to float rounding.
 *
 * Tokens a policy must never emit (<pad>, <bos>, <unk>, and <eos> before `eosAllowedFrom`) are removed from the
 * choices: an RL policy otherwise collapses onto them (docs/method.md, "Pitfalls" 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { EOS, PAD } from '../data/tokenizer';
import type { Rng } from '../rng';
import type { Task } from '../tasks/task';
import { decodeStep, disposeKvCache, emptyKvCache, keepCacheRows } from './decode';
import { param, type GptConfig, type ParamTensors } from './gpt';
import { yieldTurn } from '../yieldTurn';

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

/**
 * The tokens a row may choose at response position `position`, in vocabulary order: one of three lists (before
 * <eos> is allowed, after, and at the last position, where only <eos> is), built once per options object and
 * vocabulary size. chooseToken used to build the list for every row at every step: with 1,439 tokens and 256 rows
 * that was about a sixth of sampling's time under Node (a batch took 869 ms with it, 735 ms without).
 */
const allowedLists = new WeakMap<SampleOptions, Map<number, readonly (readonly number[])[]>>();

function allowedTokens(vocabSize: number, position: number, o: SampleOptions): readonly number[] {
  let bySize = allowedLists.get(o);
  if (!bySize) allowedLists.set(o, (bySize = new Map()));
  let lists = bySize.get(vocabSize);
  if (!lists) {
    const build = (position: number): number[] => {
      const mustEnd = position >= o.maxNewTokens - 1;
      const allowed: number[] = [];
      for (let v = 0; v < vocabSize; v++) {
        if (o.forbidden.includes(v)) continue;
        if (v === o.eos ? position < o.eosAllowedFrom && !mustEnd : mustEnd) continue;
        allowed.push(v);
      }
      return allowed;
    };
    // Regimes 0 (no <eos> yet), 1 (<eos> allowed) and 2 (only <eos>), each built at a position of its regime.
    lists = [build(Math.min(0, o.eosAllowedFrom - 1)), build(Math.max(o.eosAllowedFrom, 0)), build(o.maxNewTokens - 1)];
    bySize.set(vocabSize, lists);
  }
  const regime = position >= o.maxNewTokens - 1 ? 2 : position >= o.eosAllowedFrom ? 1 : 0;
  return lists[regime] ?? [];
}

/** An allowed list as runs of consecutive ids, [start, end) pairs, made once per list. */
const runsOf = new WeakMap<readonly number[], Int32Array>();

function allowedRuns(allowed: readonly number[]): Int32Array {
  let runs = runsOf.get(allowed);
  if (!runs) {
    const pairs: number[] = [];
    for (const v of allowed) {
      if (pairs.length > 0 && pairs[pairs.length - 1] === v) pairs[pairs.length - 1] = v + 1;
      else pairs.push(v, v + 1);
    }
    runsOf.set(allowed, (runs = Int32Array.from(pairs)));
  }
  return runs;
}

/** Scratch for the allowed tokens' weights (grown as needed; JS numbers, as the array it replaced held). */
let weights = new Float64Array(0);

/**
 * Picks a token from one row of logits under the options' masking, temperature, top-k and top-p. Without top-k
 * and top-p (the lab's setting) it draws by inverse CDF over the allowed tokens in vocabulary order: no sort,
 * which matters at V = 1,000 (a sort per row per step was a fifth of sampling time).
 */
export function chooseToken(row: Float32Array, position: number, o: SampleOptions, rng: Rng): number {
  const allowed = allowedTokens(row.length, position, o);
  if (allowed.length === 0) return o.eos;
  if (o.temperature === 0) return allowed.reduce((best, v) => ((row[v] ?? -Infinity) > (row[best] ?? -Infinity) ? v : best));
  if (o.topK <= 0 && o.topP >= 1) {
    // The same operations in the same order as before the scratch array (identical draws, tested in sample.test.ts),
    // over the allowed tokens' runs of consecutive ids. Math.exp is most of what is left: 11 of 14 µs a row at V = 1,439.
    const runs = allowedRuns(allowed);
    const n = allowed.length;
    const T = o.temperature;
    if (weights.length < n) weights = new Float64Array(n);
    // Math.max's result without its call (3.5 → 1 µs a row): NaN anywhere makes the maximum NaN, and ±0 give the
    // same weights whichever of them is the maximum.
    let max = -Infinity;
    let nan = false;
    for (let r = 0; r < runs.length; r += 2) {
      for (let v = runs[r]!, end = runs[r + 1]!; v < end; v++) {
        const x = row[v]! / T;
        if (x > max) max = x;
        else if (x !== x) nan = true;
      }
    }
    if (nan) max = NaN;
    let total = 0;
    let j = 0;
    for (let r = 0; r < runs.length; r += 2) for (let v = runs[r]!, end = runs[r + 1]!; v < end; v++) total += weights[j++] = Math.exp(row[v]! / T - max);
    let u = rng.next() * total;
    for (j = 0; j < n; j++) {
      u -= weights[j]!;
      if (u <= 0) return allowed[j] ?? o.eos;
    }
    return allowed[n - 1] ?? o.eos;
  }
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

/**
 * The batch sizes the decoder shrinks to as rows end: multiples of ⌈B/8⌉, so a batch of B takes at most eight shapes
 * (WebGL and WebGPU compile their shaders per shape), and a row is dropped only in groups of that size.
 */
export function decodeRowsFor(live: number, batch: number): number {
  const step = Math.max(1, Math.ceil(batch / 8));
  return Math.min(batch, step * Math.ceil(live / step));
}

/**
 * Samples one response per prompt (prompts start with <bos>). Decoding runs position by position over the whole
 * batch with a key/value cache (decode.ts): at position t every row feeds its token at t, the prompt's while t is
 * inside the prompt and its own last choice after that, so rows with prompts of different lengths share the steps.
 *
 * Rows that have ended leave the batch: when the rows still decoding fit a smaller size of decodeRowsFor's ladder,
 * the cache keeps only those rows (and, to fill the size, the first ended ones), in their order. A row's numbers
 * do not depend on the other rows of the batch, and the choices are made row by row in prompt order as before, so
 * the tokens are the same. The small SFT model's responses average 8.4 of 16 tokens: 56 % of a batch's row-steps
 * are live ones, and a batch of 256 samples took ×0.77 the time (docs/profile.md, change 11).
 */
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
  if (promptLengths.some((n) => n < 1)) throw new RangeError('every prompt needs at least one token (<bos>)');
  const ids = new Int32Array(B * L).fill(options.pad);
  const responseMask = new Float32Array(B * L);
  prompts.forEach((p, b) => ids.set(p, b * L));
  const done = new Array<boolean>(B).fill(false);
  const responses: number[][] = prompts.map(() => []);
  // The prompts (by index, ascending) whose rows the cache holds, in its order.
  let rows = Array.from({ length: B }, (_, b) => b);
  let cache = emptyKvCache(config, B, L);
  // The output layer's wteᵀ, once for all steps (decodeStep would transpose wte at each one).
  const unembed = tf.transpose(param(params, 'wte')) as tf.Tensor2D;
  try {
    // The last response token sits at most at L − 1, so its choice is made at t = L − 2.
    for (let t = 0; t < L - 1 && done.some((d) => !d); t++) {
      const live = rows.filter((b) => !done[b]);
      const size = decodeRowsFor(live.length, B);
      if (size < rows.length) {
        const keep = new Set([...live, ...rows.filter((b) => done[b]).slice(0, size - live.length)]);
        const at = Int32Array.from(rows.flatMap((b, i) => (keep.has(b) ? [i] : [])));
        const kept = keepCacheRows(cache, at);
        disposeKvCache(cache);
        cache = kept;
        rows = rows.filter((b) => keep.has(b));
      }
      const column = Int32Array.from(rows, (b) => ids[b * L + t] ?? options.pad);
      // A row chooses at t once its prompt is fed (t ≥ prompt length − 1) and until it has ended.
      const choosing = rows.map((b) => t >= (promptLengths[b] ?? 0) - 1 && !done[b]);
      const step = decodeStep(params, config, cache, column, t, choosing.some(Boolean), unembed);
      cache = step.cache;
      if (!step.logits) continue;
      const logits = await step.logits.data<'float32'>();
      await yieldTurn();
      step.logits.dispose();
      rows.forEach((b, i) => {
        if (!choosing[i]) return;
        const row = logits.subarray(i * config.vocabSize, (i + 1) * config.vocabSize);
        const token = chooseToken(row, responses[b]?.length ?? 0, options, rng);
        ids[b * L + t + 1] = token;
        responseMask[b * L + t + 1] = 1;
        responses[b]?.push(token);
        if (token === options.eos) done[b] = true;
      });
    }
  } finally {
    disposeKvCache(cache);
    unembed.dispose();
  }
  return { length: L, ids, responseMask, promptLengths, responses };
}
