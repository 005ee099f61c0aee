/**
 * Batched matrix products on tfjs-backend-wasm in SIMD (issue 15, item 2). tfjs-wasm 4.22 runs a product with a
 * batch through a scalar loop, about 1.3 GFLOP/s against 13–18 for the 2-D products XNNPACK does; attention's
 * twelve batched products per training step (scores q·kᵀ, then the weights times v, and their gradients) were a
 * quarter of the reference step (docs/profile.md). batchMatMulWasm.wat does them with 4×4 SIMD tiles.
 *
 * Importing this module replaces the wasm backend's BatchMatMul kernel with one that sends products whose operands
 * have the same batch (more than one matrix each, at least MIN_ROWS rows) to that module and everything else (2-D
 * products, broadcast batches, the sampler's one-row products, other dtypes) to tfjs's own kernel. The operands are copied into the module's memory and the result
 * copied back: a few hundred kilobytes, small beside the product. Where the runtime has no WebAssembly SIMD the
 * module does not compile and tfjs's kernel stays.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_MAT_MUL_WASM } from './batchMatMulWasmBinary';
import { overrideWasmKernel } from './wasmOverride';

type Bmm = (a: number, b: number, c: number, ap: number, bp: number, batch: number, m: number, k: number, n: number, ta: number, tb: number) => void;

interface Module {
  memory: WebAssembly.Memory;
  bmm: Bmm;
}

/** The compiled module, or null where this runtime cannot compile it (no SIMD). */
function instantiate(): Module | null {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(BATCH_MAT_MUL_WASM));
    return { memory: instance.exports.memory as WebAssembly.Memory, bmm: instance.exports.bmm as Bmm };
  } catch {
    return null;
  }
}

const FLOATS_PER_PAGE = 65536 / 4;
const roundUp4 = (x: number): number => (x + 3) & ~3;

/** The module's memory as floats, grown to hold at least `floats` of them. */
function floatsOf(module: Module, floats: number): Float32Array {
  const have = module.memory.buffer.byteLength / 4;
  if (have < floats) module.memory.grow(Math.ceil((floats - have) / FLOATS_PER_PAGE));
  return new Float32Array(module.memory.buffer);
}

export interface BatchedProduct {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** The output's shape: the operands' batch dimensions, then m and n. */
  shape: number[];
}

/**
 * Fewer rows than a tile go to tfjs: the sampler's one query per row against its cache ([B, H, 1, T] products) took
 * 0.43–0.47 ms in the module against 0.27–0.33 ms in tfjs's loop (the packing and copies cost more than they save).
 */
const MIN_ROWS = 4;

/**
 * The product's sizes when the module takes it: float32 operands of rank 3 or more with the same batch dimensions,
 * more than one matrix, at least MIN_ROWS rows, nothing empty. Null sends it to tfjs's kernel.
 */
export function batchedProductOf(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): BatchedProduct | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 3 || ra !== rb) return null;
  const outer = a.shape.slice(0, -2);
  if (outer.some((d, i) => d !== b.shape[i])) return null;
  const batch = tf.util.sizeFromShape(outer);
  const [a1, a2] = a.shape.slice(-2) as [number, number];
  const [b1, b2] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [a2, a1] : [a1, a2];
  const [kb, n] = transposeB ? [b2, b1] : [b1, b2];
  if (k !== kb || batch < 2 || m < MIN_ROWS || k === 0 || n === 0) return null;
  return { batch, m, k, n, shape: [...outer, m, n] };
}

/** Runs the product in the module: operands in, product, result out. */
function runBatched(module: Module, backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, p: BatchedProduct, ta: boolean, tb: boolean): tf.TensorInfo {
  const out = backend.makeOutput(p.shape, 'float32');
  const aLen = p.batch * p.m * p.k;
  const bLen = p.batch * p.k * p.n;
  const cLen = p.batch * p.m * p.n;
  const aAt = 0;
  const bAt = roundUp4(aAt + aLen);
  const cAt = roundUp4(bAt + bLen);
  const apAt = roundUp4(cAt + cLen);
  const bpAt = roundUp4(apAt + p.m * p.k);
  const heap = floatsOf(module, bpAt + p.k * roundUp4(p.n));
  // Views of tfjs's heap taken after makeOutput, which may grow (and so detach) it.
  heap.set(backend.typedArrayFromHeap(a) as Float32Array, aAt);
  heap.set(backend.typedArrayFromHeap(b) as Float32Array, bAt);
  module.bmm(aAt * 4, bAt * 4, cAt * 4, apAt * 4, bpAt * 4, p.batch, p.m, p.k, p.n, ta ? 1 : 0, tb ? 1 : 0);
  (backend.typedArrayFromHeap(out) as Float32Array).set(heap.subarray(cAt, cAt + cLen));
  return out;
}

/**
 * Puts the module's kernel in front of the wasm backend's BatchMatMul (once). Returns whether it is in place: false
 * where wasm is not registered or cannot run the module.
 */
export function registerBatchMatMulWasm(): boolean {
  return overrideWasmKernel(tf.BatchMatMul, (original) => {
    const module = instantiate();
    if (!module) return null;
    return (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const product = batchedProductOf(a, b, transposeA, transposeB);
      if (!product) return original(args);
      return runBatched(module, args.backend as BackendWasm, a, b, product, transposeA, transposeB);
    };
  });
}

registerBatchMatMulWasm();
