/**
 * layerNorm and gelu (hand-written gradients, docs/profile.md) and causalMask (built on the CPU) against the
 * formulas they replaced, written out here with tfjs's own gradients: values and gradients within 1e-5 on random
 * inputs, on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend, type NodeBackendName } from '../../cli/nodeBackend';
import { createRng, normalArray } from '../rng';
import { causalMask, gelu, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm, logSoftmaxLast, pickLast, targetLogProbs } from './layers';

function referenceLayerNorm(x: tf.Tensor, gain: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gain), bias);
  });
}

function referenceGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(2 * Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x))))))));
}

function referenceMask(length: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([length, length]), -1, 0)), -1e9));
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => {
  const [x, y] = [a.dataSync(), b.dataSync()];
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
};
const largest = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync(), Math.abs));

for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`layerNorm, gelu and causalMask against the formulas they replaced (${backend})`, () => {
    it('layerNorm: the same values and gradients of x, gain and bias ([3, 5, 8] and [7, 16])', async () => {
      await useNodeBackend(backend);
      const rng = createRng('fused:ln');
      for (const shape of [[3, 5, 8], [7, 16]]) {
        const d = shape[shape.length - 1]!;
        const size = shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(normalArray(rng, size, 2), shape);
        const g = tf.tensor1d(normalArray(rng, d, 1));
        const b = tf.tensor1d(normalArray(rng, d, 1));
        const w = tf.tensor(normalArray(rng, size, 1), shape);
        const before = tf.memory().numTensors;
        const loss = (f: typeof referenceLayerNorm) => (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w));
        const got = tf.grads(loss(layerNorm))([x, g, b]);
        const want = tf.grads(loss(referenceLayerNorm))([x, g, b]);
        const [y, yRef] = [layerNorm(x, g, b), referenceLayerNorm(x, g, b)];
        expect(maxDiff(y, yRef)).toBeLessThan(1e-5);
        // The forward pass is tf.moments's arithmetic with the deviations reused: the same floats, not just close.
        expect(Array.from(y.dataSync())).toEqual(Array.from(yRef.dataSync()));
        got.forEach((t, i) => {
          expect(t.shape).toEqual(want[i]!.shape);
          expect(maxDiff(t, want[i]!), ['dx', 'dgain', 'dbias'][i]).toBeLessThan(1e-5 * Math.max(1, largest(want[i]!)));
          expect(largest(t)).toBeGreaterThan(1e-3);
        });
        tf.dispose([...got, ...want, y, yRef]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, g, b, w]);
      }
    });

    it('gelu: the same values and gradient on [4, 6, 32] (values from −6 to 6)', async () => {
      await useNodeBackend(backend);
      const rng = createRng('fused:gelu');
      const x = tf.tensor(normalArray(rng, 4 * 6 * 32, 2.5).map((v) => Math.max(-6, Math.min(6, v))), [4, 6, 32]);
      const w = tf.tensor(normalArray(rng, 4 * 6 * 32, 1), [4, 6, 32]);
      const before = tf.memory().numTensors;
      const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(gelu(xx), w)))(x);
      const want = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(referenceGelu(xx), w)))(x);
      const [y, yRef] = [gelu(x), referenceGelu(x)];
      expect(maxDiff(y, yRef)).toBeLessThan(1e-5);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
      expect(largest(got)).toBeGreaterThan(1e-3);
      tf.dispose([got, want, y, yRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w]);
    });

    it('logSoftmaxLast: the same values and gradient as tf.logSoftmax, also with blocked (−1e9) logits and a peaked row', async () => {
      await useNodeBackend(backend);
      const rng = createRng('fused:lsm');
      const [N, V] = [6, 50];
      const raw = normalArray(rng, N * V, 3);
      for (let j = 0; j < V; j++) if (j % 3 === 0) raw[1 * V + j] = -1e9; // row 1: a third of the tokens blocked
      raw[2 * V + 7] = 60; // row 2: one logit far above the rest
      for (let j = 0; j < V; j++) if (j !== 4) raw[3 * V + j] = -1e9; // row 3: one legal token
      const x = tf.tensor2d(raw, [N, V]);
      const w = tf.tensor2d(normalArray(rng, N * V, 1).map((v, i) => (raw[i]! < -1e8 ? 0 : v)), [N, V]);
      const before = tf.memory().numTensors;
      const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(logSoftmaxLast(xx), w)))(x);
      const want = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(xx, -1), w)))(x);
      const [y, yRef] = [logSoftmaxLast(x), tf.logSoftmax(x, -1)];
      // Compared where the logit is not blocked (there both are about −1e9, equal to float precision of 1e9).
      const legal = (t: tf.Tensor) => tf.tensor1d(Array.from(t.dataSync()).filter((_, i) => raw[i]! > -1e8));
      const [a, b] = [legal(y), legal(yRef)];
      expect(maxDiff(a, b)).toBeLessThan(1e-5);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
      expect(largest(got)).toBeGreaterThan(1e-3);
      tf.dispose([got, want, y, yRef, a, b]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w]);
    });

    it('targetLogProbs: the same values and gradient as pickLast(tf.logSoftmax(x), targets), blocked logits included', async () => {
      await useNodeBackend(backend);
      const rng = createRng('fused:target');
      const [M, V] = [9, 40];
      const raw = normalArray(rng, M * V, 3);
      const targets = Array.from({ length: M }, (_, i) => (i * 7) % V);
      for (let j = 0; j < V; j++) if (j % 2 === 1 && j !== targets[4]) raw[4 * V + j] = -1e9; // row 4: half blocked
      raw[5 * V + 3] = 55; // row 5: one logit far above the rest (its target is elsewhere)
      const x = tf.tensor2d(raw, [M, V]);
      const t = tf.tensor1d(targets, 'int32');
      const w = tf.tensor1d(normalArray(rng, M, 1));
      const before = tf.memory().numTensors;
      const reference = (xx: tf.Tensor) => pickLast(tf.logSoftmax(xx, -1), t);
      const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(targetLogProbs(xx as tf.Tensor2D, t), w)))(x);
      const want = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(reference(xx), w)))(x);
      const [y, yRef] = [targetLogProbs(x, t), tf.tidy(() => reference(x))];
      expect(y.shape).toEqual([M]);
      expect(maxDiff(y, yRef)).toBeLessThan(1e-5);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
      expect(largest(got)).toBeGreaterThan(1e-3);
      tf.dispose([got, want, y, yRef]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, t, w]);
    });

    it('causalMask: exactly the band-part mask', async () => {
      await useNodeBackend(backend);
      for (const n of [1, 2, 7, 33]) {
        const [m, ref] = [causalMask(n), referenceMask(n)];
        expect(Array.from(m.dataSync())).toEqual(Array.from(ref.dataSync()).map((v) => v + 0));
        tf.dispose([m, ref]);
      }
    });
  });
}

describe('layerNorm through a backend’s own kernels (LAYER_NORM_KERNEL and LAYER_NORM_GRAD_KERNEL, as webgpu registers them)', () => {
  type Cpu = { readSync(id: unknown): Float32Array; makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
  /** Each row's mean and σ, serially, as the WGSL kernels compute them. */
  const rowStats = (xv: Float32Array, d: number, eps: number) =>
    Array.from({ length: xv.length / d }, (_, r) => {
      const row = xv.subarray(r * d, (r + 1) * d);
      const mean = row.reduce((a, v) => a + v, 0) / d;
      return { mean, sd: Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / d + eps) };
    });
  const calls = { forward: 0, grad: 0 };
  /** The kernel's inputs read back (x first, then `names`), the row width and each row's statistics. */
  const read = ({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0], names: [string, string]) => {
    const cpu = backend as unknown as Cpu;
    const x = (inputs as Record<string, tf.TensorInfo>).x!;
    const values = names.map((name) => cpu.readSync((inputs as Record<string, tf.TensorInfo>)[name]!.dataId)) as [Float32Array, Float32Array];
    const xv = cpu.readSync(x.dataId);
    const d = x.shape[x.shape.length - 1]!;
    return { cpu, x, xv, values, d, stats: rowStats(xv, d, Number(attrs!.eps)) };
  };
  const forward: tf.KernelFunc = (args) => {
    calls.forward++;
    const { cpu, x, xv, values: [gv, bv], d, stats } = read(args, ['gain', 'bias']);
    const out = new Float32Array(xv.length);
    stats.forEach(({ mean, sd }, r) => {
      for (let i = 0; i < d; i++) out[r * d + i] = ((xv[r * d + i]! - mean) / sd) * gv[i]! + bv[i]!;
    });
    return cpu.makeTensorInfo(x.shape, 'float32', out);
  };
  const grad: tf.KernelFunc = (args) => {
    calls.grad++;
    const { cpu, x, xv, values: [gv, dyv], d, stats } = read(args, ['gain', 'dy']);
    const [dx, dg, db] = [new Float32Array(xv.length), new Float32Array(d), new Float32Array(d)];
    stats.forEach(({ mean, sd }, r) => {
      const n = Array.from({ length: d }, (_, i) => (xv[r * d + i]! - mean) / sd);
      const dn = n.map((_, i) => dyv[r * d + i]! * gv[i]!);
      const dnMean = dn.reduce((a, v) => a + v, 0) / d;
      const dnnMean = dn.reduce((a, v, i) => a + v * n[i]!, 0) / d;
      for (let i = 0; i < d; i++) {
        dx[r * d + i] = (dn[i]! - dnMean - n[i]! * dnnMean) / sd;
        dg[i] = dg[i]! + dyv[r * d + i]! * n[i]!;
        db[i] = db[i]! + dyv[r * d + i]!;
      }
    });
    return [cpu.makeTensorInfo(x.shape, 'float32', dx), cpu.makeTensorInfo([d], 'float32', dg), cpu.makeTensorInfo([d], 'float32', db)];
  };

  it('values and gradients equal the composite’s, with the forward kernel alone and with both; nothing leaks', async () => {
    await useNodeBackend('cpu');
    const rng = createRng('fused:ln-kernel');
    const shape = [3, 5, 8];
    const size = 120;
    const x = tf.tensor(normalArray(rng, size, 2), shape);
    const g = tf.tensor1d(normalArray(rng, 8, 1));
    const b = tf.tensor1d(normalArray(rng, 8, 1));
    const w = tf.tensor(normalArray(rng, size, 1), shape);
    const loss = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layerNorm(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w));
    const composite = { y: layerNorm(x, g, b), grads: tf.grads(loss)([x, g, b]) };
    const check = () => {
      const before = tf.memory().numTensors;
      const y = layerNorm(x, g, b);
      const grads = tf.grads(loss)([x, g, b]);
      expect(maxDiff(y, composite.y)).toBeLessThan(1e-6);
      grads.forEach((t, i) => {
        expect(t.shape).toEqual(composite.grads[i]!.shape);
        expect(maxDiff(t, composite.grads[i]!), ['dx', 'dgain', 'dbias'][i]).toBeLessThan(1e-5 * Math.max(1, largest(t)));
      });
      tf.dispose([y, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
    };
    try {
      tf.registerKernel({ kernelName: LAYER_NORM_KERNEL, backendName: 'cpu', kernelFunc: forward });
      check();
      expect(calls).toEqual({ forward: 2, grad: 0 });
      tf.registerKernel({ kernelName: LAYER_NORM_GRAD_KERNEL, backendName: 'cpu', kernelFunc: grad });
      check();
      expect(calls).toEqual({ forward: 4, grad: 1 });
    } finally {
      tf.unregisterKernel(LAYER_NORM_KERNEL, 'cpu');
      if (tf.getKernel(LAYER_NORM_GRAD_KERNEL, 'cpu')) tf.unregisterKernel(LAYER_NORM_GRAD_KERNEL, 'cpu');
      tf.dispose([x, g, b, w, composite.y, ...composite.grads]);
    }
  });
});
