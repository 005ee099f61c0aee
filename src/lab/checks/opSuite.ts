/**
 * The cross-backend check: every op the GPT is built from, with its gradient, on fixed seeded inputs.
 * Running it on two backends and comparing the numbers is how the lab knows a backend computes the same
 * maths (knicos/genai-nanogpt's lib/checks/ does the same per op). Unit tests compare cpu with wasm;
 * the worker compares webgpu / webgl / wasm with cpu inside the browser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, normalArray, type Rng } from '../rng';
import { cacheWriter } from '../model/decode';
import { maskedNll, parameterSpecs, type GptConfig } from '../model/gpt';
import { clipFlat } from '../train/optim';
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
  /** Worst difference, absolute below magnitude 1 and relative above it (see scaledMaxDiff). */
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

const GPT: GptConfig = { vocabSize: 1000, contextLength: 22, layers: 2, heads: 2, width: 16, scalarHead: false };
const GPT_SPECS = parameterSpecs(GPT);

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
  {
    // Training-sized: 1,408 lookups into 1,000 rows, so many rows are hit several times (the gradient must add them).
    name: 'embedding lookup, 1408 ids',
    inputs: (rng) => [{ shape: [1000, 16], values: normalArray(rng, 16000, 0.5) }],
    forward: (xs, rng) => embed(tf.tensor2d(randomInts(rng, 1408, 1000).map((v) => v % 300), [64, 22], 'int32'), arg(xs, 0) as tf.Tensor2D),
  },
  {
    // The whole model: the SFT loss of a 2-layer GPT on a batch of 8 sequences, and its gradient for every parameter.
    // Row b's response ends at position 13 + b, as real rows do before their padding, so the model computes the
    // tokens up to there only and runs attention on the scattered grid (gpt.ts, blocks).
    name: 'tiny GPT loss',
    inputs: (rng) =>
      GPT_SPECS.map((spec) => {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        // Larger than GPT-2's init so every parameter matters to the loss.
        const values = spec.init === 'ones' ? normalArray(rng, size, 0.1).map((x) => 1 + x) : normalArray(rng, size, spec.init === 'zeros' ? 0.1 : 0.2);
        return { shape: spec.shape, values };
      }),
    forward: (xs, rng) => {
      const params = new Map(GPT_SPECS.map((spec, i) => [spec.name, arg(xs, i)]));
      const ids = tf.tensor2d(randomInts(rng, 8 * 22, 1000), [8, 22], 'int32');
      return maskedNll(params, GPT, ids, Array.from({ length: 8 * 22 }, (_, i) => (i % 22 >= 6 && i % 22 <= 13 + Math.floor(i / 22) ? 1 : 0)));
    },
  },
  {
    // The clip of every training step as the trainer runs it (optim.ts: prepareStep, Adam.applyFlat): 30 gradients
    // of assorted shapes flattened into one vector, its L2 norm, the scaled vector, one split back to the shapes.
    name: 'flat gradient clip and split, 30 tensors',
    // Five shapes in turn: every offset into the vector differs, while WebGL compiles a shader per shape, not per
    // tensor (thirty shapes made this case take 14 s of the check's 28 on SwiftShader).
    inputs: (rng) => Array.from({ length: 30 }, (_, i) => ({ shape: [1 + (i % 5), 7 - (i % 5)], values: normalArray(rng, (1 + (i % 5)) * (7 - (i % 5)), 0.3) })),
    forward: (xs) => {
      const { clipped, norm } = clipFlat(tf.concat(xs.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D, 1);
      const pieces = tf.split(clipped, xs.map((x) => x.size)).map((piece, i) => tf.reshape(piece, arg(xs, i).shape));
      return tf.concat([tf.reshape(norm, [1]), ...pieces.map((p) => tf.reshape(p, [-1]))]);
    },
  },
  {
    // The sampler's key/value cache write (decode.ts): a backend's own kernel (wasm, webgpu) against cpu's blend.
    name: 'key/value cache write',
    inputs: (rng) => [
      { shape: [3, 2, 7, 4], values: normalArray(rng, 168) },
      { shape: [3, 2, 1, 4], values: normalArray(rng, 24) },
    ],
    forward: (xs) => tf.concat([0, 3, 6].map((t) => tf.reshape(cacheWriter(7, t)(arg(xs, 0) as tf.Tensor4D, arg(xs, 1) as tf.Tensor4D), [-1]))),
  },
  {
    name: 'output layer matmul, vocab 1000',
    inputs: (rng) => [
      { shape: [256, 32], values: normalArray(rng, 256 * 32) },
      { shape: [32, 1000], values: normalArray(rng, 32000, 0.2) },
    ],
    forward: (xs) => matMul2d(arg(xs, 0) as tf.Tensor2D, arg(xs, 1) as tf.Tensor2D),
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

/**
 * Worst |a − b| over the elements, divided by max(1, max |b|): an absolute difference for values of order one, a
 * relative one for large values (a sum of 1,000 products carries float32 rounding in proportion to its size).
 */
function scaledMaxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    // NaN anywhere is the worst possible disagreement.
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    if (d > worst) worst = d;
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return worst / scale;
}

/** Per-op worst difference (see scaledMaxDiff) between two runs of the suite, `b` the reference (e.g. cpu). */
export function compareOpResults(a: OpCheckResult[], b: OpCheckResult[]): OpComparison[] {
  return a.map((ra) => {
    const rb = b.find((r) => r.name === ra.name);
    if (!rb || rb.grads.length !== ra.grads.length) {
      return { name: ra.name, maxAbsDiffOutput: Infinity, maxAbsDiffGrad: Infinity };
    }
    return {
      name: ra.name,
      maxAbsDiffOutput: scaledMaxDiff(ra.output, rb.output),
      maxAbsDiffGrad: Math.max(0, ...ra.grads.map((g, i) => scaledMaxDiff(g, rb.grads[i] ?? new Float32Array()))),
    };
  });
}
