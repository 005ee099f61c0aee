/**
 * The lab's kernels on tfjs-backend-wasm (issue 15), two kinds under one switch:
 * - overrideWasmKernel puts a lab kernel in front of tfjs's kernel of the same name; it gets each call with tfjs's
 *   own, to hand back what it does not do itself;
 * - registerLabWasmKernel registers a kernel tfjs does not have (the decoder's cache write, Adam's update, layer
 *   norm), which the lab's code uses wherever it is registered and replaces with tfjs ops where it is not.
 * useLabWasmKernels turns them off (overrides pass every call to tfjs; lab-only kernels are unregistered, so the ops
 * run), all or by name, so a paired benchmark (scripts/abStep.ts, abStage.ts --tfjs-wasm-kernels) and the tests can
 * compare the two in one process.
 */
import * as tf from '@tensorflow/tfjs-core';

const MARK = Symbol('lab wasm kernel');
let enabled = true;
/** Kernels sent back to tfjs while `enabled` (a paired benchmark of some of the lab's kernels). */
let off: ReadonlySet<string> = new Set();

/** The lab-only kernels registered so far, to unregister and register again when switched. */
const labOnly = new Map<string, tf.KernelConfig>();

/**
 * Sends every call back to tfjs's kernels (false) or to the lab's again (true); with `except`, those stay with tfjs.
 * A lab-only kernel switched off is unregistered: the lab's code then runs its tfjs ops.
 */
export function useLabWasmKernels(on: boolean, except: readonly string[] = []): void {
  enabled = on;
  off = new Set(except);
  for (const [name, config] of labOnly) {
    const wanted = on && !off.has(name);
    const registered = tf.getKernel(name, 'wasm') !== undefined;
    if (wanted && !registered) tf.registerKernel(config);
    else if (!wanted && registered) tf.unregisterKernel(name, 'wasm');
  }
}

/** Registers a kernel that tfjs-wasm does not have (once), switched by useLabWasmKernels with the others. */
export function registerLabWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
  if (!labOnly.has(kernelName)) labOnly.set(kernelName, config);
  if (enabled && !off.has(kernelName) && !tf.getKernel(kernelName, 'wasm')) tf.registerKernel(labOnly.get(kernelName)!);
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
