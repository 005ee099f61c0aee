/**
 * Picks a tfjs backend for the lab's code under Node (tests, CLI, benchmarks). wasm (SIMD, single thread) is
 * the default: about 9× faster than the pure-JS cpu backend on the same training step. The wasm backend's Node
 * build loads its .wasm binaries from its own package folder, so nothing is fetched.
 */
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package's Node build registers every op's gradient (tfjs-core alone registers none) and the
// cpu backend, into the same global registry the lab's tfjs-core imports use.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
// The lab's wasm kernels (batched products in SIMD, slices, the decoder's cache write), as in the page.
import '../worker/kernels/wasmKernels';

export type NodeBackendName = 'wasm' | 'cpu';
export const NODE_BACKENDS: readonly NodeBackendName[] = ['wasm', 'cpu'];

export function isNodeBackendName(name: string): name is NodeBackendName {
  return (NODE_BACKENDS as readonly string[]).includes(name);
}

let quieted = false;

/** Sets the tfjs backend for this process and waits until it is ready. Throws with a clear message if it fails. */
export async function useNodeBackend(name: NodeBackendName = 'wasm'): Promise<string> {
  if (!quieted) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    quieted = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise under Node`);
  await tf.ready();
  // The cpu backend prints a "use tfjs-node" banner on first use in Node; the lab runs the browser's code on
  // purpose (one code path, same numbers), so the hint is noise here.
  const cpu = tf.backend() as { firstUse?: boolean };
  if (name === 'cpu' && cpu.firstUse) cpu.firstUse = false;
  return tf.getBackend();
}
