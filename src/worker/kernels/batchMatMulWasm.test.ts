import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../../lab/rng';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchedProductOf, moduleProduct, registerBatchMatMulWasm } from './batchMatMulWasm';
import { useLabWasmKernels } from './wasmOverride';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

function random(shape: number[], seed: string): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal()), shape);
}

/** The product by the module (on) and by tfjs-wasm's own kernel (off), as flat arrays. */
function both(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { ours: Float32Array; theirs: Float32Array; shape: number[] } {
  try {
    useLabWasmKernels(true);
    const ours = tf.tidy(() => tf.matMul(a, b, ta, tb));
    useLabWasmKernels(false);
    const theirs = tf.tidy(() => tf.matMul(a, b, ta, tb));
    const out = { ours: ours.dataSync() as Float32Array, theirs: theirs.dataSync() as Float32Array, shape: ours.shape };
    expect(theirs.shape).toEqual(ours.shape);
    tf.dispose([ours, theirs]);
    return out;
  } finally {
    useLabWasmKernels(true);
  }
}

/** C = op(A)·op(B) per batch in float64, from the operands' values: an independent reference. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Float64Array {
  const p = batchedProductOf(a, b, ta, tb)!;
  const av = a.dataSync();
  const bv = b.dataSync();
  const out = new Float64Array(p.batch * p.m * p.n);
  for (let s = 0; s < p.batch; s++)
    for (let i = 0; i < p.m; i++)
      for (let j = 0; j < p.n; j++) {
        let sum = 0;
        for (let k = 0; k < p.k; k++) {
          const x = av[s * p.m * p.k + (ta ? k * p.m + i : i * p.k + k)]!;
          const y = bv[s * p.k * p.n + (tb ? j * p.k + k : k * p.n + j)]!;
          sum += x * y;
        }
        out[(s * p.m + i) * p.n + j] = sum;
      }
  return out;
}

const worst = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let w = 0;
  for (let i = 0; i < x.length; i++) w = Math.max(w, Math.abs(x[i]! - y[i]!));
  return w;
};

describe('the batched-product wasm kernel', () => {
  it('is in front of the wasm backend, registered once', () => {
    expect(registerBatchMatMulWasm()).toBe(true);
    expect(registerBatchMatMulWasm()).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
  });

  // Every transpose pair; rows and columns that are and are not multiples of the 4×4 tile; 4-D operands.
  const cases: [number[], number[], boolean, boolean][] = [
    [[128, 33, 16], [128, 33, 16], false, true], // attention's scores q·kᵀ at the reference step
    [[128, 33, 33], [128, 33, 16], false, false], // the weights times v
    [[128, 33, 33], [128, 33, 16], true, false], // the gradients
    [[128, 33, 16], [128, 33, 33], true, false],
    [[32, 4, 22, 16], [32, 4, 22, 16], false, true], // the small preset's shape, 4-D
    [[3, 4, 7], [3, 7, 1], false, false], // one tile of rows, one column
    [[2, 5, 3], [2, 6, 3], false, true],
    [[4, 7, 6], [4, 9, 7], true, true],
    [[2, 6, 5], [2, 6, 2], true, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`gives tfjs-wasm's own floats for ${JSON.stringify(sa)}·${JSON.stringify(sb)}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}`, () => {
      const a = random(sa, `a${sa}`);
      const b = random(sb, `b${sb}`);
      const { ours, theirs } = both(a, b, ta, tb);
      // The sums run over k in the order tfjs's loop uses, so the floats are the same, not merely close.
      expect(worst(ours, theirs)).toBe(0);
      expect(worst(ours, reference(a, b, ta, tb))).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    });
  }

  it("runs in tfjs-wasm's heap under Node, and gives the same floats there as in a memory of its own", () => {
    const backend = tf.backend() as BackendWasm;
    for (const [sa, sb, ta, tb] of cases) {
      const a = random(sa, `a${sa}`);
      const b = random(sb, `b${sb}`);
      const theirs = both(a, b, ta, tb).theirs;
      for (const memory of ['heap', 'own'] as const) {
        const before = [Array.from(a.dataSync()), Array.from(b.dataSync())];
        const out = moduleProduct(backend, a, b, ta, tb, memory);
        expect(out).not.toBeNull();
        const values = backend.readSync(out!.dataId) as Float32Array;
        expect(worst(values, theirs)).toBe(0);
        // The operands are read in place, never written (the packing goes to scratch).
        expect([Array.from(a.dataSync()), Array.from(b.dataSync())]).toEqual(before);
        backend.disposeData(out!.dataId);
      }
      tf.dispose([a, b]);
    }
  });

  it('agrees with the float64 product for a long inner dimension', () => {
    const a = random([3, 9, 130], 'long-a');
    const b = random([3, 130, 11], 'long-b');
    const { ours, theirs } = both(a, b, false, false);
    const want = reference(a, b, false, false);
    expect(worst(ours, want)).toBeLessThan(2e-5);
    expect(worst(theirs, want)).toBeLessThan(2e-5);
    tf.dispose([a, b]);
  });

  it("leaves 2-D products, broadcast batches and fewer than 4 rows to tfjs's kernel", () => {
    const shapes: [number[], number[]][] = [
      [[5, 7], [7, 6]],
      [[1, 5, 7], [3, 7, 6]],
      [[3, 5, 7], [7, 6]],
      [[1, 5, 7], [1, 7, 6]],
      [[64, 4, 1, 16], [64, 4, 16, 22]], // the sampler's one query per row against its cache
      [[3, 3, 7], [3, 7, 6]],
    ];
    for (const [sa, sb] of shapes) {
      const a = random(sa, 'fa');
      const b = random(sb, 'fb');
      expect(batchedProductOf(a, b, false, false)).toBeNull();
      const { ours, theirs } = both(a, b, false, false);
      expect(worst(ours, theirs)).toBe(0);
      tf.dispose([a, b]);
    }
    expect(batchedProductOf(tf.zeros([2, 3, 4], 'int32'), tf.zeros([2, 4, 5], 'int32'), false, false)).toBeNull();
  });

  it("gives attention's gradients as tfjs's kernel does, and leaks nothing", () => {
    const q = random([4, 2, 9, 8], 'q');
    const k = random([4, 2, 9, 8], 'k');
    const v = random([4, 2, 9, 8], 'v');
    const loss = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.matMul(tf.softmax(tf.matMul(qq, kk, false, true)), vv).square().sum();
    const grads = (on: boolean): Float32Array[] => {
      useLabWasmKernels(on);
      try {
        const gs = tf.grads(loss)([q, k, v]);
        const out = gs.map((g) => g.dataSync() as Float32Array);
        tf.dispose(gs);
        return out;
      } finally {
        useLabWasmKernels(true);
      }
    };
    grads(true);
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    const ours = grads(true);
    const theirs = grads(false);
    for (let i = 0; i < 3; i++) expect(worst(ours[i]!, theirs[i]!)).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([q, k, v]);
  });
});
