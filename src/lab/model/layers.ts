/**
 * The building blocks of the tiny GPT (Radford et al. 2019; nanoGPT's model.py), written on the tfjs op API so
 * that every backend (webgpu, webgl, wasm, cpu) runs them and their gradients.
 *
 * Each op here is chosen to have a gradient on all four backends: tfjs-backend-wasm 4.22 has no
 * UnsortedSegmentSum kernel, so `tf.gather` cannot be differentiated there; lookups are one-hot matmuls instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Token embedding lookup as oneHot(ids) · table: the same values and gradient as a gather, on every backend. */
export function embed(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const [vocab, width] = table.shape;
    const flat = tf.oneHot(tf.cast(ids.flatten(), 'int32'), vocab).asType('float32');
    return tf.matMul(flat, table).reshape([...ids.shape, width]);
  });
}

/** Picks x[..., index] along the last axis (a one-hot contraction, so it is differentiable on every backend). */
export function pickLast(x: tf.Tensor, index: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const depth = x.shape[x.shape.length - 1] ?? 0;
    const hot = tf.oneHot(tf.cast(index, 'int32'), depth).asType('float32');
    return tf.sum(tf.mul(x, hot), -1);
  });
}

/** Layer normalisation over the last axis (Ba et al. 2016), with learned gain and bias. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gain), bias);
  });
}

/** GELU, tanh approximation (the GPT-2 form). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/**
 * Additive causal mask [T, T]: 0 where key j ≤ query i, a large negative number elsewhere.
 * A finite −1e9 (not −∞) keeps softmax and its gradient NaN-free on every backend.
 */
export function causalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => {
    const ones = tf.ones([length, length]);
    const lower = tf.linalg.bandPart(ones, -1, 0);
    return tf.mul(tf.sub(1, lower), -1e9) as tf.Tensor2D;
  });
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1) with an additive mask.
 * q, k, v: [B, H, T, dh]; mask: broadcastable to [B, H, T, T] (0 = attend, −1e9 = blocked).
 */
export function maskedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const headWidth = q.shape[3];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headWidth)), mask);
    return tf.matMul(tf.softmax(scores, -1), v) as tf.Tensor4D;
  });
}

/**
 * Mean cross-entropy of logits [N, V] against integer targets [N], weighted by `weights` [N]
 * (1 for tokens in the loss, 0 for masked ones): Σ w·(−log softmax(logits)[target]) / Σ w.
 */
export function logSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const nll = tf.neg(pickLast(tf.logSoftmax(logits, -1), targets));
    const total = tf.sum(tf.mul(nll, weights));
    return tf.div(total, tf.maximum(tf.sum(weights), 1e-8)) as tf.Scalar;
  });
}
