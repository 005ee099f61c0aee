/**
 * A hand-written WebAssembly kernel module instantiated on tfjs-wasm's own heap (the module imports it as its memory),
 * so that a kernel reads its inputs and writes its outputs where tfjs keeps them, with no copies. One instance per
 * backend (a new wasm backend has a new heap); none where the module does not compile (no SIMD), where the backend
 * does not expose its heap, or where the heap is shared (the threaded build, which the module's import refuses).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOf } from './batchMatMulWasm';

export interface HeapModule<T> {
  /** Whether the module compiled here (false: the kernels that need it stay tfjs's). */
  compiled: boolean;
  /** The module's exports on this backend's heap, or null. */
  on(backend: BackendWasm): T | null;
}

export function heapModule<T>(bytes: Uint8Array<ArrayBuffer>): HeapModule<T> {
  let compiled: WebAssembly.Module | null = null;
  try {
    compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  const instances = new WeakMap<object, T | null>();
  return {
    compiled: compiled !== null,
    on(backend) {
      if (!instances.has(backend)) {
        const memory = heapOf(backend);
        let module: T | null = null;
        try {
          if (compiled && memory) module = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as T;
        } catch {
          module = null;
        }
        instances.set(backend, module);
      }
      return instances.get(backend) ?? null;
    },
  };
}

/** The byte offset of a tensor in tfjs's heap (read after every makeOutput of a kernel, which may grow the heap). */
export const heapOffset = (backend: BackendWasm, t: tf.TensorInfo): number => (backend.typedArrayFromHeap(t) as Float32Array).byteOffset;
