/**
 * The backend speed probe: a few matmuls and one small gradient step (a two-layer softmax classifier),
 * the kinds of kernels that dominate the lab's training steps. Auto mode times it on each candidate backend and
 * picks the fastest. It is deliberately small — few distinct kernels, so little shader compilation — because a
 * software WebGPU/WebGL adapter pays seconds of compilation on first use; timing also stops at a budget.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, normalArray } from '../rng';
import { gelu, logSoftmaxCrossEntropy } from '../model/layers';

export interface ProbeTiming {
  /** First pass: kernel/shader compilation, uploads, and the work itself. */
  warmupMs: number;
  /** Median of the timed passes, or null if the budget ran out before any timed pass. */
  stepMs: number | null;
  /** Timed passes completed. */
  passes: number;
  /** True when the budget ran out before the planned passes completed. */
  overBudget: boolean;
}

export interface ProbeOptions {
  /** Clock in milliseconds (performance.now in the browser and in Node). */
  now: () => number;
  /** Stop timing this backend after this many milliseconds, warm-up included. */
  budgetMs?: number;
  /** Timed passes after the warm-up. */
  passes?: number;
  /** Stop after the first timed pass slower than this (ms): the backend cannot be the fastest. */
  giveUpAboveMs?: number;
}

const ROWS = 64;
const WIDTH = 64;
const HIDDEN = 128;
const CLASSES = 128;

interface ProbeTensors {
  square: tf.Tensor2D;
  x: tf.Tensor2D;
  targets: tf.Tensor1D;
  weights: tf.Tensor1D;
  params: [tf.Tensor2D, tf.Tensor2D];
}

/** One pass: three chained matmuls, then loss, gradient and an SGD update. Resolves when the device is done. */
async function probePass(t: ProbeTensors): Promise<void> {
  const outputs = tf.tidy(() => {
    let m = t.square;
    for (let i = 0; i < 3; i++) m = tf.tanh(tf.matMul(m, t.square)) as tf.Tensor2D;
    const loss = (w1: tf.Tensor, w2: tf.Tensor): tf.Scalar => {
      const hidden = gelu(tf.matMul(t.x, w1 as tf.Tensor2D)) as tf.Tensor2D;
      return logSoftmaxCrossEntropy(tf.matMul(hidden, w2 as tf.Tensor2D), t.targets, t.weights);
    };
    const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => loss(ps[0] as tf.Tensor, ps[1] as tf.Tensor))(t.params);
    const updated = t.params.map((p, i) => tf.sub(p, tf.mul(0.01, grads[i] as tf.Tensor)));
    return [tf.add(value, tf.mean(m)), ...updated];
  });
  try {
    await (outputs[0] as tf.Tensor).data();
  } finally {
    tf.dispose(outputs);
  }
}

/** Times the probe on the current backend. Leaves no tensors behind. */
export async function timeProbe(options: ProbeOptions): Promise<ProbeTiming> {
  const { now, budgetMs = 3000, passes = 3, giveUpAboveMs = Number.POSITIVE_INFINITY } = options;
  const rng = createRng('backend-probe');
  const t: ProbeTensors = {
    square: tf.tensor2d(normalArray(rng, HIDDEN * HIDDEN, 1 / Math.sqrt(HIDDEN)), [HIDDEN, HIDDEN]),
    x: tf.tensor2d(normalArray(rng, ROWS * WIDTH), [ROWS, WIDTH]),
    targets: tf.tensor1d(Int32Array.from({ length: ROWS }, () => rng.int(CLASSES)), 'int32'),
    weights: tf.ones([ROWS]),
    params: [
      tf.tensor2d(normalArray(rng, WIDTH * HIDDEN, 0.1), [WIDTH, HIDDEN]),
      tf.tensor2d(normalArray(rng, HIDDEN * CLASSES, 0.1), [HIDDEN, CLASSES]),
    ],
  };
  try {
    const start = now();
    await probePass(t);
    const warmupMs = now() - start;
    const times: number[] = [];
    while (times.length < passes && now() - start < budgetMs) {
      const t0 = now();
      await probePass(t);
      times.push(now() - t0);
      if (now() - t0 > giveUpAboveMs) break;
    }
    times.sort((a, b) => a - b);
    return {
      warmupMs,
      stepMs: times.length ? (times[Math.floor(times.length / 2)] ?? null) : null,
      passes: times.length,
      overBudget: times.length < passes,
    };
  } finally {
    tf.dispose([t.square, t.x, t.targets, t.weights, ...t.params]);
  }
}
