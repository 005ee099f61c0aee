/**
 * Incremental decoding with a key/value cache (the standard decoder-only inference loop; nanoGPT recomputes the
 * prefix instead, HF transformers caches it). One step runs a single token per row through the model at position
 * t, writes that token's keys and values into the cache at t, and attends over positions 0..t only. Its logits
 * equal those of the full forward pass (gpt.ts `logits`) up to float summation order: the blocked positions get
 * weight exactly 0 in both.
 *
 * The cache has the full row length L from the start and is written by a one-hot blend, cache·(1 − e_t) + e_t·k, so
 * every step has the same shapes (WebGPU and WebGL compile their shaders once per batch shape, not once per step).
 * A backend may register KV_WRITE_KERNEL instead (wasm and webgpu: src/worker/kernels/kvWriteWasm.ts and
 * kvWriteWebgpu.ts), which copies the cache and puts k at position t: the same numbers as the blend, without its
 * three passes over the cache.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear, param, type GptConfig, type ParamTensors } from './gpt';
import { gelu, layerNorm, matMul2d, maskedAttention } from './layers';

/** The kernel a backend may register for the cache write (inputs cache [B, H, L, dh] and x [B, H, 1, dh]; attribute position). */
export const KV_WRITE_KERNEL = 'RtoKvWrite';

/**
 * A function that writes x [B, H, 1, dh] at position t of a cache [B, H, L, dh]: the backend's KV_WRITE_KERNEL where
 * it registers one, otherwise the one-hot blend cache·(1 − e_t) + e_t·x (its e_t made once, on first use, for all the
 * writes of a step). Call it inside a tidy. Differentiable either way (the kernel's gradient is registered below).
 */
export function cacheWriter(length: number, t: number): (cache: tf.Tensor4D, x: tf.Tensor4D) => tf.Tensor4D {
  if (tf.getKernel(KV_WRITE_KERNEL, tf.getBackend())) return (cache, x) => tf.engine().runKernel(KV_WRITE_KERNEL, { cache, x }, { position: t }) as tf.Tensor4D;
  let blend: { write: tf.Tensor4D; keep: tf.Tensor4D } | null = null;
  return (cache, x) => {
    if (!blend) {
      const at = new Float32Array(length);
      at[t] = 1;
      const write = tf.tensor4d(at, [1, 1, length, 1]);
      blend = { write, keep: tf.sub(1, write) };
    }
    return tf.add(tf.mul(cache, blend.keep), tf.mul(blend.write, x)) as tf.Tensor4D;
  };
}

// The kernel's gradient, the blend's: dcache = dy with position t zeroed, dx = dy at position t.
tf.registerGradient({
  kernelName: KV_WRITE_KERNEL,
  gradFunc: (dy, _saved, attrs) => {
    const t = (attrs as unknown as { position: number }).position;
    const g = dy as tf.Tensor4D;
    const [B = 0, H = 0, L = 0, dh = 0] = g.shape;
    const keep = new Float32Array(L).fill(1);
    keep[t] = 0;
    return { cache: () => tf.mul(g, tf.tensor4d(keep, [1, 1, L, 1])), x: () => tf.slice(g, [0, 0, t, 0], [B, H, 1, dh]) };
  },
});

/** Keys and values of every layer, each [B, heads, L, width/heads]. */
export interface KvCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
}

export function emptyKvCache(c: GptConfig, batch: number, length: number): KvCache {
  if (length > c.contextLength) throw new RangeError(`a cache of ${length} positions exceeds the context length ${c.contextLength}`);
  const shape: [number, number, number, number] = [batch, c.heads, length, c.width / c.heads];
  return {
    keys: Array.from({ length: c.layers }, () => tf.zeros(shape) as tf.Tensor4D),
    values: Array.from({ length: c.layers }, () => tf.zeros(shape) as tf.Tensor4D),
  };
}

export function disposeKvCache(cache: KvCache): void {
  tf.dispose([...cache.keys, ...cache.values]);
}

/** A new cache of the rows `at` (indices into the batch, in the order given) of `cache`, which stays as it is. */
export function keepCacheRows(cache: KvCache, at: Int32Array): KvCache {
  return tf.tidy(() => {
    const index = tf.tensor2d(at, [at.length, 1], 'int32');
    // gatherND of whole rows: a copy of each kept row (wasm's GatherV2 is several times slower, docs/profile.md).
    const keep = (x: tf.Tensor4D) => tf.gatherND(x, index) as tf.Tensor4D;
    return { keys: cache.keys.map(keep), values: cache.values.map(keep) };
  });
}

/**
 * Feeds `tokens` [B] (one per row) at position t. Returns the cache with position t written (the input cache is
 * disposed) and, when `withLogits`, the next-token logits [B, V] at t. `unembed` is wteᵀ [d, V] when the caller keeps
 * one for all its steps (sampleResponses): otherwise it is transposed here at every step (0.5 ms of a 9 ms step at
 * 64 rows on the small model under Node), and wasm's product cannot reuse the packed weights of the step before.
 */
export function decodeStep(
  params: ParamTensors,
  c: GptConfig,
  cache: KvCache,
  tokens: Int32Array,
  t: number,
  withLogits: boolean,
  unembed?: tf.Tensor2D,
): { cache: KvCache; logits: tf.Tensor2D | null } {
  const B = tokens.length;
  const L = cache.keys[0]?.shape[2] ?? 0;
  if (t < 0 || t >= L) throw new RangeError(`position ${t} is outside the cache (0..${L - 1})`);
  const d = c.width;
  const dh = d / c.heads;
  const out = tf.tidy(() => {
    const wte = param(params, 'wte') as tf.Tensor2D;
    let x = tf.add(tf.gatherND(wte, tf.tensor2d(tokens, [tokens.length, 1], 'int32')), tf.slice(param(params, 'wpe'), [t, 0], [1, d])) as tf.Tensor2D;
    const written = cacheWriter(L, t);
    // Positions after t are blocked; like causalMask, a finite −1e9 gives them weight exactly 0.
    const blocked = new Float32Array(L);
    for (let j = t + 1; j < L; j++) blocked[j] = -1e9;
    const mask = tf.tensor4d(blocked, [1, 1, 1, L]);
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    for (let l = 0; l < c.layers; l++) {
      const p = `h${l}.`;
      const a = layerNorm(x, param(params, `${p}ln1.g`) as tf.Tensor1D, param(params, `${p}ln1.b`) as tf.Tensor1D);
      const qkv = linear(a, param(params, `${p}attn.wqkv`), param(params, `${p}attn.bqkv`));
      // [B, d] → [B, heads, 1, dh] is a plain reshape: a row's heads are contiguous.
      const [q, k, v] = tf.split(qkv, 3, 1).map((part) => tf.reshape(part, [B, c.heads, 1, dh])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const K = written(cache.keys[l] as tf.Tensor4D, k);
      const V = written(cache.values[l] as tf.Tensor4D, v);
      keys.push(K);
      values.push(V);
      const att = tf.reshape(maskedAttention(q, K, V, mask), [B, d]);
      x = tf.add(x, linear(att, param(params, `${p}attn.wo`), param(params, `${p}attn.bo`))) as tf.Tensor2D;
      const m = layerNorm(x, param(params, `${p}ln2.g`) as tf.Tensor1D, param(params, `${p}ln2.b`) as tf.Tensor1D);
      const up = gelu(linear(m, param(params, `${p}mlp.w1`), param(params, `${p}mlp.b1`)));
      x = tf.add(x, linear(up, param(params, `${p}mlp.w2`), param(params, `${p}mlp.b2`))) as tf.Tensor2D;
    }
    const logits = withLogits
      ? [matMul2d(layerNorm(x, param(params, 'lnf.g') as tf.Tensor1D, param(params, 'lnf.b') as tf.Tensor1D) as tf.Tensor2D, unembed ?? tf.transpose(wte))]
      : [];
    return { keys, values, logits };
  });
  disposeKvCache(cache);
  return { cache: { keys: out.keys, values: out.values }, logits: out.logits[0] ?? null };
}
