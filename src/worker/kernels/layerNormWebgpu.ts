/**
 * Layer norm's forward pass as one WebGPU dispatch (issue 15, item 3): the composite takes 9 (two means, a
 * subtraction, a square, an add, a sqrt, a division, a multiply and an add), five times per decoded position. Registered for the webgpu backend under LAYER_NORM_KERNEL; layers.ts's layerNorm
 * uses it whenever the active backend has that kernel and keeps its own composite gradient. One invocation per row
 * (the rows are the model's width, 64 at the small preset, so a loop per row is cheap): mean, then the mean of the
 * squared deviations, then (x − mean) / √(var + ε) · gain + bias, the same formula as the composite in the same
 * order per row, summed serially instead of by tfjs's reduction tree (differences of float rounding, about 1e-7).
 * The cross-backend op check (lab/checks/opSuite.ts, layer norm and the whole GPT) compares it with cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { LAYER_NORM_KERNEL } from '../../lab/model/layers';

const WORKGROUP = 64;

class LayerNormProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'rtoLayerNorm';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 'gain', 'bias'];
  uniforms = 'rows : i32, width : i32, eps : f32,';
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];

  constructor(shape: number[], rows: number) {
    this.outputShape = shape;
    this.dispatchLayout = webgpu_util.flatDispatchLayout([rows]);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, [rows], this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.rows) {
          return;
        }
        let w = uniforms.width;
        let base = index * w;
        var total = 0.0;
        for (var i = 0; i < w; i++) {
          total = total + x[base + i];
        }
        let centre = total / f32(w);
        var squares = 0.0;
        for (var i = 0; i < w; i++) {
          let d = x[base + i] - centre;
          squares = squares + d * d;
        }
        let sd = sqrt(squares / f32(w) + uniforms.eps);
        for (var i = 0; i < w; i++) {
          result[base + i] = (x[base + i] - centre) / sd * gain[i] + bias[i];
        }
      }
    `;
  }
}

function layerNormWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, gain, bias } = args.inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; bias: tf.TensorInfo };
  const eps = Number(args.attrs?.eps ?? 1e-5);
  const width = x.shape[x.shape.length - 1] ?? 1;
  const rows = tf.util.sizeFromShape(x.shape) / width;
  const program = new LayerNormProgram(x.shape, rows);
  const uniforms = [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [width] },
    { type: 'float32', data: [eps] },
  ];
  return (args.backend as WebGPUBackend).runWebGPUProgram(program, [x, gain, bias], 'float32', uniforms);
}

if (!tf.getKernel(LAYER_NORM_KERNEL, 'webgpu')) tf.registerKernel({ kernelName: LAYER_NORM_KERNEL, backendName: 'webgpu', kernelFunc: layerNormWebgpu as tf.KernelFunc });
