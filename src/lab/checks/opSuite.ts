/**
 * The cross-backend check: every op the GPT is built from, with its gradient, on fixed seeded inputs.
 * Running it on two backends and comparing the numbers is how the lab knows a backend computes the same
 * maths (knicos/genai-nanogpt's lib/checks/ does the same per op). Unit tests compare cpu with wasm;
 * the worker compares webgpu / webgl / wasm with cpu inside the browser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, normalArray, type Rng } from '../rng';
import { causalMask, embed, gelu, layerNorm, logSoftmaxCrossEntropy, maskedAttention, matMul2d } from '../model/layers';

export interface OpCheckResult {
  name: string;
  /** The op's forward output, flattened. */
  output: Float32Array;
  /** d(Σ output·R)/d(input) for each differentiable input, R a fixed random cotangent. */
  grads: Float32Array[];
}

export interface OpComparison {
  name: string;
  maxAbsDiffOutput: number;
  maxAbsDiffGrad: number;
}

interface OpCase {
  name: string;
  /** Differentiable inputs, drawn from the case's own seeded stream. */
  inputs(rng: Rng): { shape: number[]; values: Float32Array }[];
  /** Builds the op's output from the inputs; constants it needs are drawn from `rng` too. */
  forward(xs: tf.Tensor[], rng: Rng): tf.Tensor;
}

const randomInts = (rng: Rng, n: number, max: number): Int32Array => Int32Array.from({ length: n }, () => rng.int(max));
const arg = (xs: tf.Tensor[], i: number): tf.Tensor => {
  const x = xs[i];
  if (!x) throw new Error(`op check input ${i} is missing`);
  return x;
};

export const OP_CASES: readonly OpCase[] = [
  {
    name: 'matmul',
    inputs: (rng) => [
      { shape: [5, 7], values: normalArray(rng, 35) },
      { shape: [7, 3], values: normalArray(rng, 21) },
    ],
    forward: (xs) => matMul2d(arg(xs, 0) as tf.Tensor2D, arg(xs, 1) as tf.Tensor2D),
  },
  {
    name: 'softmax',
    inputs: (rng) => [{ shape: [4, 9], values: normalArray(rng, 36, 2) }],
    forward: (xs) => tf.softmax(arg(xs, 0), -1),
  },
  {
    name: 'layer norm',
    inputs: (rng) => [
      { shape: [3, 4, 8], values: normalArray(rng, 96, 1.5) },
      { shape: [8], values: normalArray(rng, 8, 0.2).map((g) => 1 + g) },
      { shape: [8], values: normalArray(rng, 8, 0.2) },
    ],
    forward: (xs) => layerNorm(arg(xs, 0), arg(xs, 1) as tf.Tensor1D, arg(xs, 2) as tf.Tensor1D),
  },
  {
    name: 'gelu',
    inputs: (rng) => [{ shape: [6, 5], values: normalArray(rng, 30, 2) }],
    forward: (xs) => gelu(arg(xs, 0)),
  },
  {
    name: 'masked attention',
    inputs: (rng) => [0, 1, 2].map(() => ({ shape: [2, 2, 5, 4], values: normalArray(rng, 80) })),
    forward: (xs) =>
      maskedAttention(arg(xs, 0) as tf.Tensor4D, arg(xs, 1) as tf.Tensor4D, arg(xs, 2) as tf.Tensor4D, causalMask(5)),
  },
  {
    name: 'log-softmax cross-entropy',
    inputs: (rng) => [{ shape: [6, 11], values: normalArray(rng, 66, 2) }],
    forward: (xs, rng) => {
      const targets = tf.tensor1d(randomInts(rng, 6, 11), 'int32');
      const weights = tf.tensor1d([1, 1, 0, 1, 1, 0]); // two masked positions must not contribute
      return logSoftmaxCrossEntropy(arg(xs, 0) as tf.Tensor2D, targets, weights);
    },
  },
  {
    name: 'embedding lookup',
    inputs: (rng) => [{ shape: [11, 6], values: normalArray(rng, 66, 0.5) }],
    forward: (xs, rng) => embed(tf.tensor2d(randomInts(rng, 10, 11), [2, 5], 'int32'), arg(xs, 0) as tf.Tensor2D),
  },
];

/**
 * Runs every op case on the current backend; inputs depend only on the seed, never on the backend.
 * `onCase` is called before each case (for progress reporting and cancellation: throw to stop).
 */
export async function runOpSuite(
  seed: number | string = 'op-suite',
  onCase?: (name: string, index: number, total: number) => void,
): Promise<OpCheckResult[]> {
  const results: OpCheckResult[] = [];
  for (const [index, opCase] of OP_CASES.entries()) {
    onCase?.(opCase.name, index, OP_CASES.length);
    const inputRng = createRng(`${seed}:${opCase.name}:inputs`);
    const inputs = opCase.inputs(inputRng);
    const tensors = tf.tidy(() => {
      const xs = inputs.map((x) => tf.tensor(x.values, x.shape, 'float32'));
      const output = opCase.forward(xs, createRng(`${seed}:${opCase.name}:constants`));
      const cotangent = tf.tensor(normalArray(createRng(`${seed}:${opCase.name}:cotangent`), output.size), output.shape);
      const grads = tf.grads((...args: tf.Tensor[]) =>
        tf.sum(tf.mul(opCase.forward(args, createRng(`${seed}:${opCase.name}:constants`)), cotangent)),
      )(xs);
      return [output, ...grads];
    });
    try {
      const arrays = await Promise.all(tensors.map((t) => t.data<'float32'>()));
      const [output, ...grads] = arrays.map((a) => Float32Array.from(a));
      results.push({ name: opCase.name, output: output ?? new Float32Array(), grads });
    } finally {
      tf.dispose(tensors);
    }
  }
  return results;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    // NaN anywhere is the worst possible disagreement.
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    if (d > worst) worst = d;
  }
  return worst;
}

/** Per-op worst absolute difference between two runs of the suite (e.g. webgpu versus cpu). */
export function compareOpResults(a: OpCheckResult[], b: OpCheckResult[]): OpComparison[] {
  return a.map((ra) => {
    const rb = b.find((r) => r.name === ra.name);
    if (!rb || rb.grads.length !== ra.grads.length) {
      return { name: ra.name, maxAbsDiffOutput: Infinity, maxAbsDiffGrad: Infinity };
    }
    return {
      name: ra.name,
      maxAbsDiffOutput: maxAbsDiff(ra.output, rb.output),
      maxAbsDiffGrad: Math.max(0, ...ra.grads.map((g, i) => maxAbsDiff(g, rb.grads[i] ?? new Float32Array()))),
    };
  });
}
