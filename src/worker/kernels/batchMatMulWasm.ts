/**
 * Batched matrix products on tfjs-backend-wasm in SIMD (issue 15, item 2). tfjs-wasm 4.22 runs a product with a
 * batch through a scalar loop, about 1.3 GFLOP/s against 13–18 for the 2-D products XNNPACK does; attention's
 * twelve batched products per training step (scores q·kᵀ, then the weights times v, and their gradients) were a
 * quarter of the reference step (docs/profile.md). batchMatMulWasm.wat does them with 4×4 SIMD tiles.
 *
 * Importing this module replaces the wasm backend's BatchMatMul kernel with one that sends products whose operands
 * have the same batch (more than one matrix each, at least MIN_ROWS rows) to that module and everything else (2-D
 * products, broadcast batches, the sampler's one-row products, other dtypes) to tfjs's own kernel. The module
 * imports its memory: it is instantiated on tfjs-wasm's own heap, so it reads the operands and writes the product
 * where tfjs keeps them (the packing scratch from tfjs's allocator), and only where a build does not expose that heap
 * (or shares it between threads, which the module's import refuses) on a memory of its own, the operands copied in
 * and the product out. Where the runtime has no WebAssembly SIMD the module does not compile and tfjs's kernel stays.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_MAT_MUL_WASM } from './batchMatMulWasmBinary';
import { overrideWasmKernel } from './wasmOverride';

type Bmm = (a: number, b: number, c: number, ap: number, bp: number, batch: number, m: number, k: number, n: number, ta: number, tb: number) => void;

interface Module {
  memory: WebAssembly.Memory;
  bmm: Bmm;
  /** The memory is tfjs-wasm's own heap: operands and product stay where tfjs keeps them. */
  inHeap: boolean;
}

/** What the lab reads of tfjs-wasm's Emscripten module: its heap (the non-threaded build's `asm.memory`) and allocator. */
interface Emscripten {
  asm?: { memory?: unknown };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const COMPILED = compile();

/** The compiled module, or null where this runtime cannot compile it (no SIMD). */
function compile(): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(BATCH_MAT_MUL_WASM);
  } catch {
    return null;
  }
}

/** tfjs-wasm's heap, where its build exposes it (the non-threaded build's Emscripten `asm.memory`). */
export function heapOf(backend: BackendWasm): WebAssembly.Memory | null {
  const heap = (backend.wasm as unknown as Emscripten).asm?.memory;
  return heap instanceof WebAssembly.Memory ? heap : null;
}

/**
 * The module instantiated on tfjs-wasm's heap (`inHeap`, where the backend exposes it), so a product costs no copies,
 * or on a memory of its own, into which the operands are copied and out of which the product is.
 */
function instantiate(compiled: WebAssembly.Module, backend: BackendWasm, inHeap: boolean): Module | null {
  const heap = inHeap ? heapOf(backend) : null;
  if (inHeap && !heap) return null;
  const memory = heap ?? new WebAssembly.Memory({ initial: 1 });
  try {
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    return { memory, bmm: instance.exports.bmm as Bmm, inHeap };
  } catch {
    return null;
  }
}

const FLOATS_PER_PAGE = 65536 / 4;
const roundUp4 = (x: number): number => (x + 3) & ~3;

/** The module's own memory as floats, grown to hold at least `floats` of them. */
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
 * 0.43–0.47 ms in the module against 0.27–0.33 ms in tfjs's loop when the module copied its operands, and in tfjs's
 * heap sampling measured no gain from sending them (docs/profile.md, change 8).
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

/** Runs the product in the module: in tfjs's heap (scratch from its allocator), or operands in, product, result out. */
function runBatched(module: Module, backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, p: BatchedProduct, ta: boolean, tb: boolean): tf.TensorInfo {
  const out = backend.makeOutput(p.shape, 'float32');
  const packedA = p.m * p.k;
  const packedB = p.k * roundUp4(p.n);
  if (module.inHeap) {
    const em = backend.wasm as unknown as Emscripten;
    const scratch = em._malloc(4 * (roundUp4(packedA) + packedB));
    try {
      // Byte offsets in the heap, read after the malloc (which may grow it).
      const at = (t: tf.TensorInfo) => (backend.typedArrayFromHeap(t) as Float32Array).byteOffset;
      module.bmm(at(a), at(b), at(out), scratch, scratch + 4 * roundUp4(packedA), p.batch, p.m, p.k, p.n, ta ? 1 : 0, tb ? 1 : 0);
    } finally {
      em._free(scratch);
    }
    return out;
  }
  const aLen = p.batch * p.m * p.k;
  const bLen = p.batch * p.k * p.n;
  const cLen = p.batch * p.m * p.n;
  const aAt = 0;
  const bAt = roundUp4(aAt + aLen);
  const cAt = roundUp4(bAt + bLen);
  const apAt = roundUp4(cAt + cLen);
  const bpAt = roundUp4(apAt + packedA);
  const heap = floatsOf(module, bpAt + packedB);
  // Views of tfjs's heap taken after makeOutput, which may grow (and so detach) it.
  heap.set(backend.typedArrayFromHeap(a) as Float32Array, aAt);
  heap.set(backend.typedArrayFromHeap(b) as Float32Array, bAt);
  module.bmm(aAt * 4, bAt * 4, cAt * 4, apAt * 4, bpAt * 4, p.batch, p.m, p.k, p.n, ta ? 1 : 0, tb ? 1 : 0);
  (backend.typedArrayFromHeap(out) as Float32Array).set(heap.subarray(cAt, cAt + cLen));
  return out;
}

/**
 * The module's product of a and b (same-batch operands, batchedProductOf) in either memory: what the kernel does,
 * callable with the memory named, so that tests check both. Null where the module cannot run here.
 */
export function moduleProduct(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, memory: 'heap' | 'own'): tf.TensorInfo | null {
  const product = batchedProductOf(a, b, transposeA, transposeB);
  const module = product ? moduleFor(backend, memory === 'heap') : null;
  return module && product ? runBatched(module, backend, a, b, product, transposeA, transposeB) : null;
}

/** One instance per backend and memory (a new wasm backend has a new heap), made at its first product. */
const instances = new WeakMap<object, { heap?: Module | null; own?: Module | null }>();

function moduleFor(backend: BackendWasm, inHeap: boolean): Module | null {
  if (!COMPILED) return null;
  let cached = instances.get(backend);
  if (!cached) instances.set(backend, (cached = {}));
  const key = inHeap ? 'heap' : 'own';
  if (cached[key] === undefined) cached[key] = instantiate(COMPILED, backend, inHeap);
  return cached[key] ?? null;
}

/**
 * Puts the module's kernel in front of the wasm backend's BatchMatMul (once). Returns whether it is in place: false
 * where wasm is not registered or cannot run the module.
 */
export function registerBatchMatMulWasm(): boolean {
  return overrideWasmKernel(tf.BatchMatMul, (original) => {
    if (!COMPILED) return null;
    return (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const product = batchedProductOf(a, b, transposeA, transposeB);
      if (!product) return original(args);
      const backend = args.backend as BackendWasm;
      // In tfjs's heap where the module can be linked to it; otherwise (a build that hides its heap, or the threaded
      // build's shared memory, which the module's non-shared import refuses) in the module's own memory.
      const module = moduleFor(backend, true) ?? moduleFor(backend, false);
      if (!module) return original(args);
      return runBatched(module, backend, a, b, product, transposeA, transposeB);
    };
  });
}

registerBatchMatMulWasm();
