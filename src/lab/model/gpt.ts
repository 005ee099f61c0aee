/**
 * A tiny decoder-only transformer (GPT-2 shape, after karpathy/nanoGPT's model.py): token + learned position
 * embeddings, pre-LN blocks of causal multi-head attention and a GELU MLP, a final layer norm, and an output head
 * tied to the token embedding. `scalarHead` adds the bias-free linear head of the reward model and the critic.
 *
 * Parameters live in a flat, ordered name → variable map so optimisers, checkpoints and gradient checks can walk
 * them without knowing the architecture.
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossFieldMessage } from '../config';
import { normalArray, type Rng } from '../rng';
import { actionLogitBias, maskedActions } from './actionMask';
import { causalMask, embed, gatherRows, gelu, layerNorm, logSoftmaxLast, maskedAttention, matMul2d, pickLast, scatterRows, targetLogProbs, unembed } from './layers';
import type { SampleOptions } from './sample';

export interface GptConfig {
  vocabSize: number;
  contextLength: number;
  layers: number;
  heads: number;
  width: number;
  /** Adds the scalar head `head.w` (reward model, critic). */
  scalarHead: boolean;
}

export type Params = Map<string, tf.Variable>;
/** Read-only view for the forward functions: variables, or plain tensors (the cross-backend check passes those). */
export type ParamTensors = ReadonlyMap<string, tf.Tensor>;

export function validateGptConfig(c: GptConfig): void {
  const bad = (m: string) => {
    throw new RangeError(`model config: ${m}`);
  };
  for (const k of ['vocabSize', 'contextLength', 'layers', 'heads', 'width'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) bad(`${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.width % c.heads !== 0) bad(crossFieldMessage('width', 'heads', { width: c.width, heads: c.heads }));
}

/** Shapes and GPT-2 initial scales of every parameter, in a fixed order. */
export function parameterSpecs(c: GptConfig): { name: string; shape: number[]; init: 'normal' | 'zeros' | 'ones'; std: number }[] {
  const d = c.width;
  const std = 0.02;
  // GPT-2 scales the residual projections by 1/sqrt(2·layers) so the residual stream's variance does not grow with depth.
  const residualStd = std / Math.sqrt(2 * c.layers);
  const specs: { name: string; shape: number[]; init: 'normal' | 'zeros' | 'ones'; std: number }[] = [
    { name: 'wte', shape: [c.vocabSize, d], init: 'normal', std },
    { name: 'wpe', shape: [c.contextLength, d], init: 'normal', std },
  ];
  for (let l = 0; l < c.layers; l++) {
    const p = `h${l}.`;
    specs.push(
      { name: `${p}ln1.g`, shape: [d], init: 'ones', std: 0 },
      { name: `${p}ln1.b`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}attn.wqkv`, shape: [d, 3 * d], init: 'normal', std },
      { name: `${p}attn.bqkv`, shape: [3 * d], init: 'zeros', std: 0 },
      { name: `${p}attn.wo`, shape: [d, d], init: 'normal', std: residualStd },
      { name: `${p}attn.bo`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}ln2.g`, shape: [d], init: 'ones', std: 0 },
      { name: `${p}ln2.b`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}mlp.w1`, shape: [d, 4 * d], init: 'normal', std },
      { name: `${p}mlp.b1`, shape: [4 * d], init: 'zeros', std: 0 },
      { name: `${p}mlp.w2`, shape: [4 * d, d], init: 'normal', std: residualStd },
      { name: `${p}mlp.b2`, shape: [d], init: 'zeros', std: 0 },
    );
  }
  specs.push({ name: 'lnf.g', shape: [d], init: 'ones', std: 0 }, { name: 'lnf.b', shape: [d], init: 'zeros', std: 0 });
  // The RM head is bias-free with standard deviation 1/(d+1), as OpenRLHF's normal_(std=1 / (hidden_size + 1)).
  if (c.scalarHead) specs.push({ name: 'head.w', shape: [d, 1], init: 'normal', std: 1 / (d + 1) });
  return specs;
}

// tfjs registers variables by globally unique name; several models (policy, reference, RM, critic) coexist.
let modelCount = 0;

/** Wraps tensors as this model's trainable variables (copied; the inputs stay the caller's to dispose). */
export function paramsFromTensors(named: Iterable<[string, tf.Tensor]>): Params {
  const prefix = `m${++modelCount}/`;
  const params: Params = new Map();
  for (const [name, t] of named) params.set(name, tf.variable(t, true, prefix + name));
  return params;
}

/** Fresh parameters, drawn from `rng` in the order of parameterSpecs. */
export function initGpt(c: GptConfig, rng: Rng): Params {
  validateGptConfig(c);
  const inits: [string, tf.Tensor][] = [];
  for (const s of parameterSpecs(c)) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const init =
      s.init === 'normal' ? tf.tensor(normalArray(rng, size, s.std), s.shape) : s.init === 'ones' ? tf.ones(s.shape) : tf.zeros(s.shape);
    inits.push([s.name, init]);
  }
  const params = paramsFromTensors(inits);
  tf.dispose(inits.map(([, t]) => t)); // tf.variable copies its initial value
  return params;
}

/** An independent trainable copy (DPO's policy starts as a copy of SFT; the reference stays untouched). */
export function cloneParams(params: ParamTensors, extra: Iterable<[string, tf.Tensor]> = []): Params {
  return paramsFromTensors([...params.entries(), ...extra]);
}

export function disposeParams(params: Params): void {
  for (const v of params.values()) v.dispose();
}

export function parameterCount(params: Params): number {
  let n = 0;
  for (const v of params.values()) n += v.size;
  return n;
}

/** A parameter by name; throws a clear error when the map lacks it. */
export function param(params: ParamTensors, name: string): tf.Tensor {
  const p = params.get(name);
  if (!p) throw new Error(`missing parameter ${name}`);
  return p;
}

/** x·w + b over the last axis of x (any rank). */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [rows, inWidth] = [x.size / (x.shape[x.shape.length - 1] ?? 1), x.shape[x.shape.length - 1] ?? 1];
  const y = tf.add(matMul2d(tf.reshape(x, [rows, inWidth]), w as tf.Tensor2D), b);
  return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1] ?? 0]);
}

/** Final hidden states [B, T, d] for token ids [B, T] (T ≤ contextLength). */
export function hidden(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    return tf.reshape(blocks(params, c, ids), [B, T, c.width]) as tf.Tensor3D;
  });
}

/**
 * Which tokens of a [B, T] batch the transformer computes. Attention is causal, so a row's tokens after the last one
 * read never reach a row read: with `at` (flat positions b·T + t) a row keeps its tokens up to its last position
 * read (the prompt and the response, not the padding after them), N in all. `read` is the index among the N kept
 * tokens of each position of `at`, in its order; `dense` when every token is kept.
 */
interface Layout {
  kept: Int32Array;
  position: Int32Array;
  read: Int32Array | null;
  dense: boolean;
}

function layoutOf(B: number, T: number, at?: ArrayLike<number>): Layout {
  const all = !at || at.length === 0;
  const last = new Int32Array(B).fill(all ? T - 1 : -1);
  if (!all) for (let m = 0; m < at.length; m++) last[Math.floor(at[m]! / T)] = Math.max(last[Math.floor(at[m]! / T)]!, at[m]! % T);
  const start = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) start[b + 1] = start[b]! + last[b]! + 1;
  const kept = new Int32Array(start[B]!);
  const position = new Int32Array(start[B]!);
  for (let b = 0; b < B; b++) for (let t = 0; t <= last[b]!; t++) [kept[start[b]! + t], position[start[b]! + t]] = [b * T + t, t];
  const read = at ? Int32Array.from(at, (p) => start[Math.floor(p / T)]! + (p % T)) : null;
  return { kept, position, read, dense: kept.length === B * T };
}

/**
 * The transformer: final hidden states [B·T, d] for token ids [B, T] (T ≤ contextLength), or, given `at` (flat
 * positions b·T + t), only at those positions, [M, d]. Two savings with `at`, neither of which changes a number
 * (blocks.test.ts; scripts/abStage.ts finds the losses of training runs equal to the bit):
 * - Every row-wise part (layer norms, projections, MLP) runs on the kept tokens only (layoutOf: a row's padding
 *   after its last position read is never computed). Attention alone works on the [B, T] grid: the kept rows of
 *   q, k, v are scattered into it (zeros elsewhere, which the causal mask hides from every kept query) and its
 *   output is gathered back.
 * - After the last layer's attention each position is computed alone, so its output projection, MLP and the final
 *   layer norm run on the M rows read: the reward model reads one row per sequence, a policy its response's tokens.
 * The gradient reaches the other rows through the gathers' scatter-add and the scatters' gather.
 */
function blocks(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, at?: ArrayLike<number>): tf.Tensor2D {
  const [B, T] = ids.shape;
  if (T > c.contextLength) throw new RangeError(`sequence of ${T} tokens exceeds the context length ${c.contextLength}`);
  const d = c.width;
  const dh = d / c.heads;
  const layout = layoutOf(B, T, at);
  const indices = (xs: Int32Array) => tf.tensor1d(xs, 'int32');
  const kept = layout.dense ? null : indices(layout.kept);
  const flatIds = tf.reshape(tf.cast(ids, 'int32'), [B * T]) as tf.Tensor1D;
  const tokens = kept ? (tf.gatherND(flatIds, tf.reshape(kept, [-1, 1])) as tf.Tensor1D) : flatIds;
  let x = tf.add(embed(tokens, param(params, 'wte') as tf.Tensor2D), gatherRows(param(params, 'wpe') as tf.Tensor2D, indices(layout.position))) as tf.Tensor2D;
  // The kept rows into attention's [B·T] grid and back; identities when every token is kept.
  const toGrid = (rows: tf.Tensor2D) => (kept ? scatterRows(rows, kept, B * T) : rows);
  const fromGrid = (grid: tf.Tensor2D, rows: tf.Tensor1D | null) => (rows ? gatherRows(grid, rows) : grid);
  const mask = causalMask(T);
  for (let l = 0; l < c.layers; l++) {
    const p = `h${l}.`;
    const a = layerNorm(x, param(params, `${p}ln1.g`) as tf.Tensor1D, param(params, `${p}ln1.b`) as tf.Tensor1D);
    const qkv = toGrid(linear(a, param(params, `${p}attn.wqkv`), param(params, `${p}attn.bqkv`)) as tf.Tensor2D);
    // [B, T, 3·H, dh] → [B, 3·H, T, dh] in one 4-D transpose, then split into q, k, v [B, H, T, dh]: one
    // Transpose (and one in the gradient) instead of three. (A 5-D transpose would also do it, but wasm's generic
    // 5-D transpose measured 60 ms against under 1 ms for these 4-D ones.)
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * c.heads, dh]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const grid = tf.reshape(tf.transpose(maskedAttention(q, k, v, mask), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
    let att: tf.Tensor2D;
    if (layout.read && l === c.layers - 1) {
      att = fromGrid(grid, indices(Int32Array.from(layout.read, (i) => layout.kept[i]!)));
      x = gatherRows(x, indices(layout.read));
    } else att = fromGrid(grid, kept);
    x = tf.add(x, linear(att, param(params, `${p}attn.wo`), param(params, `${p}attn.bo`)));
    const m = layerNorm(x, param(params, `${p}ln2.g`) as tf.Tensor1D, param(params, `${p}ln2.b`) as tf.Tensor1D);
    const up = gelu(linear(m, param(params, `${p}mlp.w1`), param(params, `${p}mlp.b1`)));
    x = tf.add(x, linear(up, param(params, `${p}mlp.w2`), param(params, `${p}mlp.b2`)));
  }
  return layerNorm(x, param(params, 'lnf.g') as tf.Tensor1D, param(params, 'lnf.b') as tf.Tensor1D) as tf.Tensor2D;
}

/** Next-token logits [B, T, V]: position t scores token t+1 (the output head is the token embedding, tied). */
export function logits(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const h = tf.reshape(hidden(params, c, ids), [B * T, c.width]) as tf.Tensor2D;
    return tf.reshape(unembed(h, param(params, 'wte') as tf.Tensor2D), [B, T, c.vocabSize]) as tf.Tensor3D;
  });
}

/**
 * ℓ(t) = log π(ids[t] | ids[<t]) for every position, [B, T], times `mask` (position 0, which has no context,
 * is always 0). Summed over a response's positions it is the sequence log-likelihood log π(y | x).
 */
export function tokenLogProbs(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const lp = logSoftmaxLast(tf.slice(logits(params, c, ids), [0, 0, 0], [B, T - 1, c.vocabSize]));
    const next = pickLast(lp, tf.slice(ids, [0, 1], [B, T - 1]));
    return tf.mul(tf.concat([tf.zeros([B, 1]), next], 1), mask) as tf.Tensor2D;
  });
}

/** Flat indices b·T + t of the tokens a [B, T] mask scores (t ≥ 1: token 0 has no context). Read on the CPU. */
export function scoredPositions(mask: ArrayLike<number>, batch: number, length: number): Int32Array {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) for (let t = 1; t < length; t++) if (mask[b * length + t]) out.push(b * length + t);
  return Int32Array.from(out);
}

/** Hidden states at flat positions (b·T + t) of a [B, T] batch → [M, d] (blocks), with a scatter-add gradient. */
export function hiddenAt(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, positions: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => blocks(params, c, ids, positions));
}

/**
 * log π(token | prefix) for the tokens at flat positions (b·T + t, t ≥ 1) → [M]. Only these positions go through
 * the output layer (the vocabulary-sized matmul and softmax, the costliest part of a step). With `logitBias` the
 * distribution is the one the sampler draws from (illegal tokens removed, the rest renormalised).
 */
export function tokenLogProbsAt(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, positions: ArrayLike<number>, logitBias?: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    // The token at flat position p is predicted from the hidden state at p − 1.
    const before = hiddenAt(params, c, ids, Array.from(positions, (p) => p - 1));
    const raw = unembed(before, param(params, 'wte') as tf.Tensor2D);
    // An optional additive bias ([M, V] or [1, V]) takes illegal actions out of the distribution (actionMask.ts).
    const targets = tf.gatherND(tf.reshape(ids, [B * T]), tf.tensor2d(Int32Array.from(positions), [positions.length, 1], 'int32')) as tf.Tensor1D;
    return targetLogProbs((logitBias ? tf.add(raw, logitBias) : raw) as tf.Tensor2D, targets);
  });
}

/** Next-token logits [M, V] read at flat positions b·T + t only (the sampler's rows), not at every position. */
export function logitsAt(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, positions: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => unembed(hiddenAt(params, c, ids, positions), param(params, 'wte') as tf.Tensor2D));
}

/**
 * Mean next-token cross-entropy over the tokens where `mask` [B, T] (row-major, on the CPU) is 1:
 * −Σ mask·ℓ / Σ mask. SFT's mask covers the response and its <eos>, not the prompt.
 */
export function maskedNll(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, mask: ArrayLike<number>): tf.Scalar {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const positions = scoredPositions(mask, B, T);
    if (positions.length === 0) throw new Error('maskedNll: the mask scores no token');
    return tf.neg(tf.mean(tokenLogProbsAt(params, c, ids, positions))) as tf.Scalar;
  });
}

/**
 * ℓ of each masked token [M] (in maskedActions order), in the action space of `actionSpace` when given: the
 * sampler's masked distribution, each token at its response index (its rank among its row's masked positions).
 * Without it, the raw softmax. Callers holding the ids on the CPU check them with assertLegalActions first.
 */
export function actionLogProbs(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, mask: ArrayLike<number>, actionSpace?: SampleOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const { positions, responseIndex } = maskedActions(mask, B, T);
    const bias = actionSpace ? actionLogitBias(actionSpace, c.vocabSize, responseIndex) : undefined;
    return tokenLogProbsAt(params, c, ids, positions, bias);
  });
}

/**
 * Σ over each row's masked tokens of ℓ → [B]: log π(y | x) when the mask covers the response. With `actionSpace`,
 * in the sampler's masked distribution (actionLogProbs): what DPO's loss, its evaluation and the rollout dump use.
 */
export function sequenceLogProbs(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, mask: ArrayLike<number>, actionSpace?: SampleOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const positions = scoredPositions(mask, B, T);
    // Row membership [B, M] as a matmul: a segment sum with a gradient on every backend.
    const member = new Float32Array(B * positions.length);
    positions.forEach((p, m) => (member[Math.floor(p / T) * positions.length + m] = 1));
    const lp = tf.reshape(actionLogProbs(params, c, ids, mask, actionSpace), [positions.length, 1]) as tf.Tensor2D;
    return tf.reshape(matMul2d(tf.tensor2d(member, [B, positions.length]), lp), [B]) as tf.Tensor1D;
  });
}

/** The scalar head read at flat positions → [M] (the reward model reads it at each row's <eos>). */
export function scalarAt(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D, positions: ArrayLike<number>): tf.Tensor1D {
  if (!c.scalarHead) throw new Error('this model has no scalar head (config.scalarHead is false)');
  return tf.tidy(() => tf.reshape(matMul2d(hiddenAt(params, c, ids, positions), param(params, 'head.w') as tf.Tensor2D), [-1]) as tf.Tensor1D);
}

/** The scalar head at every position, [B, T] (the reward model reads it at <eos>, the critic everywhere). */
export function scalarOutputs(params: ParamTensors, c: GptConfig, ids: tf.Tensor2D): tf.Tensor2D {
  if (!c.scalarHead) throw new Error('this model has no scalar head (config.scalarHead is false)');
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const h = tf.reshape(hidden(params, c, ids), [B * T, c.width]) as tf.Tensor2D;
    return tf.reshape(matMul2d(h, param(params, 'head.w') as tf.Tensor2D), [B, T]) as tf.Tensor2D;
  });
}
