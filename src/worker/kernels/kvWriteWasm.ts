/**
 * The decoder's key/value cache write on tfjs-backend-wasm (issue 15; src/lab/model/decode.ts, KV_WRITE_KERNEL): the
 * cache [B, H, L, dh] copied from a view of the wasm heap, then x [B, H, 1, dh] put at position t of every row and
 * head. The one-hot blend it replaces, cache·(1 − e_t) + e_t·x, made three passes over the cache (two broadcast
 * multiplies and an add) for each cache of each layer at every decoded position: at B = 256 on the small model about
 * 7 of a position's 28 ms (docs/profile.md). The numbers are moved, not computed: the blend's values exactly
 * (cache·1 + 0 and 0 + 1·x), tested in kvWriteWasm.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KV_WRITE_KERNEL } from '../../lab/model/decode';
import { registerLabWasmKernel } from './wasmOverride';

const kvWrite: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { cache, x } = inputs as { cache: tf.TensorInfo; x: tf.TensorInfo };
  const t = (attrs as { position: number }).position;
  const [B = 0, H = 0, L = 0, dh = 0] = cache.shape;
  if (cache.shape.length !== 4 || x.shape.join() !== [B, H, 1, dh].join() || !(t >= 0 && t < L)) {
    throw new RangeError(`${KV_WRITE_KERNEL}: cache [${cache.shape.join(', ')}], x [${x.shape.join(', ')}], position ${t}`);
  }
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(cache.shape, 'float32');
  // Views taken after makeOutput, which may grow (and so detach) the heap.
  const from = wasm.typedArrayFromHeap(cache) as Float32Array;
  const row = wasm.typedArrayFromHeap(x) as Float32Array;
  const to = wasm.typedArrayFromHeap(out) as Float32Array;
  to.set(from);
  for (let r = 0; r < B * H; r++) to.set(row.subarray(r * dh, (r + 1) * dh), (r * L + t) * dh);
  return out;
};

// The decoder uses it whenever it is registered (useLabWasmKernels switches it).
registerLabWasmKernel(KV_WRITE_KERNEL, kvWrite);
