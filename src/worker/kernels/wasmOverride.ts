/**
 * Puts one of the lab's kernels in front of tfjs-backend-wasm's kernel of the same name (issue 15): the lab's kernel
 * gets each call with tfjs's own, to hand back what it does not do itself. One switch turns all of them off, so a
 * paired benchmark (scripts/abStep.ts --tfjs-wasm-kernels) can time tfjs's kernels and the lab's in one process.
 */
import * as tf from '@tensorflow/tfjs-core';

const MARK = Symbol('lab wasm kernel');
let enabled = true;
/** Kernels sent back to tfjs while `enabled` (a paired benchmark of some of the lab's kernels). */
let off: ReadonlySet<string> = new Set();

/** Sends every call back to tfjs's kernels (false) or to the lab's again (true); with `except`, those stay with tfjs. */
export function useLabWasmKernels(on: boolean, except: readonly string[] = []): void {
  enabled = on;
  off = new Set(except);
}

/**
 * Registers `make(tfjs's kernel)` as the wasm backend's `kernelName`, once (a second call keeps the first).
 * Returns whether the lab's kernel is in place: false where wasm's kernel is not registered or `make` gives null.
 */
export function overrideWasmKernel(kernelName: string, make: (original: tf.KernelFunc) => tf.KernelFunc | null): boolean {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) return false;
  if ((original as { [MARK]?: true })[MARK]) return true;
  const ours = make(original.kernelFunc);
  if (!ours) return false;
  const kernelFunc: tf.KernelFunc = (args) => (enabled && !off.has(kernelName) ? ours(args) : original.kernelFunc(args));
  tf.unregisterKernel(kernelName, 'wasm');
  // tfjs's setup binds its C++ function when the backend starts; kept so that its kernel works for the rest.
  tf.registerKernel({ ...original, kernelFunc, [MARK]: true } as tf.KernelConfig);
  return true;
}
