/**
 * Identity on tfjs-backend-wasm without a copy (issue 15). tfjs records a gradient by keeping a clone of each
 * kernel's saved inputs and outputs (engine.saveTensorsForBackwardMode), and a clone is an Identity kernel. tfjs-wasm
 * 4.22's Identity allocates a new buffer and copies all of its input into it, so every taped add, multiply or matmul
 * copied its operands once more: 0.26 s of the lab worker's and 0.16 s of the side worker's CPU in one Quick demo,
 * allocation and freeing apart (a Chromium profile, docs/performance.md). tfjs's cpu and webgl backends, and
 * tfjs-wasm's own Reshape, share the input's data instead and count one more reference to it; this kernel does the same. A
 * tensor's data is never written after its kernel made it (every kernel, tfjs's and the lab's, writes a new output),
 * so sharing gives the same numbers: the data is freed when the last tensor on it is disposed. Strings stay with tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { overrideWasmKernel } from './wasmOverride';

export function registerIdentityWasm(): boolean {
  return overrideWasmKernel(tf.Identity, (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

registerIdentityWasm();
