/**
 * The decoder's key/value cache write on WebGPU (issue 15, item 3; src/lab/model/decode.ts, KV_WRITE_KERNEL): one
 * dispatch, one invocation per number of the cache [B, H, L, dh], each copying its number or, at position t, x's
 * [B, H, 1, dh]. The one-hot blend it replaces took three dispatches per write (two broadcast multiplies and an add)
 * and one more per decoded position for 1 − e_t. With it (and the sampler's one transpose of wte per batch), an RL
 * rollout of the small model takes 1,320 dispatches instead of 1,506 (docs/profile.md, counted on SwiftShader).
 * The values are moved, not computed (the blend's exactly); the cross-backend op check (lab/checks/opSuite.ts, "key/
 * value cache write") compares it with cpu's blend in e2e/backends.spec.ts. Registered by the worker with the webgpu
 * backend, like layerNormWebgpu.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { KV_WRITE_KERNEL } from '../../lab/model/decode';

class KvWriteProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'rtoKvWrite';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['cache', 'x'];
  uniforms = 'total : i32, len : i32, dh : i32, position : i32,';
  workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(shape: number[]) {
    const total = tf.util.sizeFromShape(shape);
    this.outputShape = shape;
    this.dispatchLayout = webgpu_util.flatDispatchLayout([total]);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, [total], this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.total) {
          return;
        }
        let j = index % uniforms.dh;
        let p = (index / uniforms.dh) % uniforms.len;
        if (p == uniforms.position) {
          let row = index / (uniforms.dh * uniforms.len);
          result[index] = x[row * uniforms.dh + j];
        } else {
          result[index] = cache[index];
        }
      }
    `;
  }
}

function kvWriteWebgpu({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { cache, x } = inputs as { cache: tf.TensorInfo; x: tf.TensorInfo };
  const t = Number(attrs?.position);
  const [B = 0, H = 0, L = 0, dh = 0] = cache.shape;
  if (cache.shape.length !== 4 || x.shape.join() !== [B, H, 1, dh].join() || !(t >= 0 && t < L)) {
    throw new RangeError(`${KV_WRITE_KERNEL}: cache [${cache.shape.join(', ')}], x [${x.shape.join(', ')}], position ${t}`);
  }
  const uniforms = [
    { type: 'int32', data: [tf.util.sizeFromShape(cache.shape)] },
    { type: 'int32', data: [L] },
    { type: 'int32', data: [dh] },
    { type: 'int32', data: [t] },
  ];
  return (backend as WebGPUBackend).runWebGPUProgram(new KvWriteProgram(cache.shape), [cache, x], 'float32', uniforms);
}

if (!tf.getKernel(KV_WRITE_KERNEL, 'webgpu')) tf.registerKernel({ kernelName: KV_WRITE_KERNEL, backendName: 'webgpu', kernelFunc: kvWriteWebgpu as tf.KernelFunc });
