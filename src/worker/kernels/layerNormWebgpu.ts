/**
 * Layer norm on WebGPU in few dispatches (issue 15, item 3). tfjs's composite takes 9 dispatches forward (two means,
 * a subtraction, a square, an add, a sqrt, a division, a multiply and an add) and 18 backward (the normalised input
 * recomputed, then the written-out gradient), five layer norms per GPT pass. Registered for the webgpu backend:
 *  - LAYER_NORM_KERNEL (x, gain, bias → y): one dispatch, one invocation per row;
 *  - LAYER_NORM_GRAD_KERNEL (x, gain, dy → dx, dgain, dbias): four dispatches — each row's mean and σ, dx per row,
 *    dgain and dbias per column over the rows.
 * layers.ts's layerNorm uses them whenever the active backend has them. The formulas are the composite's, in the
 * same order per row: mean, the mean of squared deviations, σ = √(var + ε), n = (x − mean)/σ, y = n·gain + bias;
 * dn = dy·gain, dx = (dn − mean(dn) − n·mean(dn·n))/σ, dgain = Σ_rows dy·n, dbias = Σ_rows dy. The sums are serial
 * instead of tfjs's reduction trees (float rounding, about 1e-7). The rows are the model's width (64 at the small
 * preset), so a loop per row is cheap. The cross-backend op check (lab/checks/opSuite.ts: layer norm with its
 * gradients, and the whole GPT's) compares them with cpu in e2e/backends.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../../lab/model/layers';

const WORKGROUP = 64;

/** A program with one invocation per row or per column (`threads` of them), its body in WGSL. */
class LoopProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = 'rows : i32, width : i32, eps : f32,';
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];

  constructor(
    key: string,
    inputs: string[],
    outputShape: number[],
    threads: number,
    private readonly body: string,
  ) {
    this.shaderKey = `rtoLayerNorm_${key}`;
    this.variableNames = inputs;
    this.outputShape = outputShape;
    this.dispatchLayout = webgpu_util.flatDispatchLayout([threads]);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, [threads], this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        let w = uniforms.width;
        ${this.body}
      }
    `;
  }
}

// One row's mean and σ, from x at row `index` (the forward's arithmetic).
const ROW_STATS = `
        if (index >= uniforms.rows) {
          return;
        }
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
        let sd = sqrt(squares / f32(w) + uniforms.eps);`;

const FORWARD = `${ROW_STATS}
        for (var i = 0; i < w; i++) {
          result[base + i] = (x[base + i] - centre) / sd * gain[i] + bias[i];
        }`;

const STATS = `${ROW_STATS}
        result[2 * index] = centre;
        result[2 * index + 1] = sd;`;

const DX = `
        if (index >= uniforms.rows) {
          return;
        }
        let base = index * w;
        let centre = stats[2 * index];
        let sd = stats[2 * index + 1];
        var dnTotal = 0.0;
        var dnnTotal = 0.0;
        for (var i = 0; i < w; i++) {
          let dn = dy[base + i] * gain[i];
          dnTotal = dnTotal + dn;
          dnnTotal = dnnTotal + dn * ((x[base + i] - centre) / sd);
        }
        let dnMean = dnTotal / f32(w);
        let dnnMean = dnnTotal / f32(w);
        for (var i = 0; i < w; i++) {
          let n = (x[base + i] - centre) / sd;
          result[base + i] = (dy[base + i] * gain[i] - dnMean - n * dnnMean) / sd;
        }`;

const column = (term: string) => `
        if (index >= w) {
          return;
        }
        var total = 0.0;
        for (var r = 0; r < uniforms.rows; r++) {
          let k = r * w + index;
          total = total + ${term};
        }
        result[index] = total;`;
const DGAIN = column("dy[k] * ((x[k] - stats[2 * r]) / stats[2 * r + 1])");
const DBIAS = column("dy[k]");

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function shapeOf(x: tf.TensorInfo, eps: unknown) {
  const width = x.shape[x.shape.length - 1] ?? 1;
  const rows = tf.util.sizeFromShape(x.shape) / width;
  const uniforms = [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [width] },
    { type: 'float32', data: [Number(eps ?? 1e-5)] },
  ];
  return { rows, width, uniforms };
}

function layerNormWebgpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, gain, bias } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; bias: tf.TensorInfo };
  const { rows, uniforms } = shapeOf(x, attrs?.eps);
  return (backend as WebGPUBackend).runWebGPUProgram(new LoopProgram('forward', ['x', 'gain', 'bias'], x.shape, rows, FORWARD), [x, gain, bias], 'float32', uniforms);
}

function layerNormGradWebgpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gain, dy } = inputs as { x: tf.TensorInfo; gain: tf.TensorInfo; dy: tf.TensorInfo };
  const gpu = backend as WebGPUBackend;
  const { rows, width, uniforms } = shapeOf(x, attrs?.eps);
  const stats = gpu.runWebGPUProgram(new LoopProgram('stats', ['x'], [rows, 2], rows, STATS), [x], 'float32', uniforms);
  try {
    const dx = gpu.runWebGPUProgram(new LoopProgram('dx', ['x', 'gain', 'dy', 'stats'], x.shape, rows, DX), [x, gain, dy, stats], 'float32', uniforms);
    const dgain = gpu.runWebGPUProgram(new LoopProgram('dgain', ['x', 'dy', 'stats'], [width], width, DGAIN), [x, dy, stats], 'float32', uniforms);
    const dbias = gpu.runWebGPUProgram(new LoopProgram('dbias', ['dy'], [width], width, DBIAS), [dy], 'float32', uniforms);
    return [dx, dgain, dbias];
  } finally {
    gpu.disposeData(stats.dataId);
  }
}

for (const [kernelName, kernelFunc] of [
  [LAYER_NORM_KERNEL, layerNormWebgpu],
  [LAYER_NORM_GRAD_KERNEL, layerNormGradWebgpu],
] as const) {
  if (!tf.getKernel(kernelName, 'webgpu')) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as tf.KernelFunc });
}
