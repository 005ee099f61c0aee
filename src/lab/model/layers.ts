/**
 * The building blocks of the tiny GPT (Radford et al. 2019; nanoGPT's model.py), written on the tfjs op API so
 * that every backend (webgpu, webgl, wasm, cpu) runs them and their gradients.
 *
 * Two ops carry hand-written gradients, both for the wasm backend (the fastest one without a GPU):
 * - tfjs-backend-wasm 4.22 has no UnsortedSegmentSum kernel, so `tf.gather`'s own gradient throws there; the
 *   embedding's gradient is a scatter-add (ScatterNd sums duplicate indices) instead, on every backend.
 * - wasm's matmul with a transposed operand is ~10× slower than a plain one (measured: 41 ms versus 3 ms for
 *   [704, 32]·[32, 1000]ᵀ), and tfjs's matmul gradient uses exactly those; `matMulT` transposes explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes (a plain transpose for 2-D, per batch for 3-D and 4-D). */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/**
 * a [..., m, k] · b [..., k, n] (rank 2–4, same batch dims), with a gradient made of untransposed matmuls:
 * dA = dY·transposeLast(B), dB = transposeLast(A)·dY.
 */
export function matMulT<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor, tf.Tensor];
        return [tf.matMul(dy, transposeLast(ys)), tf.matMul(transposeLast(xs), dy)];
      },
    };
  });
  return op(a, b) as T;
}

/** 2-D matMulT. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulT(a, b);
}

/**
 * The output layer with tied embeddings: h [M, d] · wteᵀ → logits [M, V]. Its gradient is written so that neither
 * product packs the [M, V] gradient as its right operand (tfjs-wasm's product repacks its right operand at every
 * call, and this one is the largest tensor of a step): dh = dY·wte and dwte = dYᵀ·h, the explicit transpose of dY
 * included. The same floats as matMul2d(h, wteᵀ) and its gradient (tested in layers.test.ts): every entry is the same
 * products summed in the same order.
 */
export function unembed(h: tf.Tensor2D, wte: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.matMul(x, tf.transpose(w)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, ws), tf.matMul(tf.transpose(dy) as tf.Tensor2D, xs)];
      },
    };
  });
  return op(h, wte) as tf.Tensor2D;
}

/** Rows of `table` [N, d] at `indices` [M] → [M, d]; the gradient scatter-adds each row back (ScatterNd sums duplicates). */
export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const [rows, width] = table.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([indices]);
    return {
      // gatherND with one index per row, not tf.gather: the same rows, but wasm's GatherV2 measured 3.7 ms for 1,408
      // rows of a [1439, 64] table against 0.1–0.2 ms for GatherNd (docs/profile.md).
      value: tf.gatherND(t, tf.reshape(indices, [-1, 1])),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [idx] = saved as [tf.Tensor1D];
        return tf.scatterND(tf.reshape(idx, [-1, 1]), dy, [rows, width]);
      },
    };
  });
  return op(table) as tf.Tensor2D;
}

/** `rows` [N, w] placed at rows `indices` [N] of a zero [R, w] (no index twice); the gradient gathers them back. */
export function scatterRows(rows: tf.Tensor2D, indices: tf.Tensor1D, R: number): tf.Tensor2D {
  const width = rows.shape[1];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [r, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([indices]);
    return {
      value: tf.scatterND(tf.reshape(indices, [-1, 1]), r, [R, width]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.gatherND(dy, tf.reshape(saved[0]!, [-1, 1])),
    };
  });
  return op(rows) as tf.Tensor2D;
}

/** Token embedding lookup table[ids] → [...ids.shape, width]. */
export function embed(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const flatIds = tf.cast(tf.reshape(ids, [-1]), 'int32') as tf.Tensor1D;
    return tf.reshape(gatherRows(table, flatIds), [...ids.shape, table.shape[1]]);
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

/** The kernel a backend may register for layerNorm's forward pass (inputs x, gain, bias; attribute eps). */
export const LAYER_NORM_KERNEL = 'RtoLayerNorm';
/** And for its gradient (inputs x, gain, dy; attribute eps; outputs dx, dgain, dbias). */
export const LAYER_NORM_GRAD_KERNEL = 'RtoLayerNormGrad';

/**
 * Layer normalisation over the last axis (Ba et al. 2016), with learned gain and bias. The forward values are
 * tfjs's moments-based formula; the gradient is written out (docs/profile.md: 12 kernels instead of about 30):
 * with n = (x − μ)/σ and dn = dy·g, dx = (dn − mean(dn) − n·mean(dn·n))/σ, dg = Σ dy·n, db = Σ dy over the rows.
 */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor1D, bias: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  const width = x.shape[x.shape.length - 1] ?? 1;
  const rows = x.size / width;
  // tf.moments's own arithmetic (mean, then the mean of the squared deviations), with the deviations computed once
  // and reused for the output: the same numbers, one Sub (and moments' Cast) fewer per layer norm.
  const parts = (xx: tf.Tensor) => {
    const centred = tf.sub(xx, tf.mean(xx, -1, true));
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    return { normed: tf.div(centred, std), std };
  };
  // A backend with its own layer-norm kernels (webgpu: src/worker/kernels/layerNormWebgpu.ts, one dispatch forward
  // instead of nine, four backward instead of eighteen) computes the forward pass and the gradient from x.
  const backend = tf.getBackend();
  const fused = tf.getKernel(LAYER_NORM_KERNEL, backend) !== undefined;
  const fusedGrad = fused && tf.getKernel(LAYER_NORM_GRAD_KERNEL, backend) !== undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    let value: tf.Tensor;
    if (fused) {
      value = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xx, gain: g, bias: b }, { eps }) as tf.Tensor;
      save([xx, g]);
    } else {
      const { normed, std } = parts(xx);
      value = tf.add(tf.mul(normed, g), b);
      save([normed, std, g]);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (fusedGrad) return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: saved[0]!, gain: saved[1]!, dy }, { eps }) as tf.Tensor[];
        const { normed: n, std: sd } = fused ? parts(saved[0]!) : { normed: saved[0]!, std: saved[1]! };
        const gs = (fused ? saved[1] : saved[2]) as tf.Tensor1D;
        const dn = tf.mul(dy, gs);
        const centred = tf.sub(dn, tf.mean(dn, -1, true));
        const dx = tf.div(tf.sub(centred, tf.mul(n, tf.mean(tf.mul(dn, n), -1, true))), sd);
        const dg = tf.sum(tf.reshape(tf.mul(dy, n), [rows, width]), 0);
        const db = tf.sum(tf.reshape(dy, [rows, width]), 0);
        return [dx, dg, db];
      },
    };
  });
  return op(x, gain, bias);
}

/**
 * GELU, tanh approximation (the GPT-2 form): 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³), computed as
 * the identical x·σ(2u). wasm's Tanh is scalar code (12 ms on [1408, 256]) and its Sigmoid vectorised (1.5 ms).
 * The gradient is written out: d/dx x·σ(2u) = σ + x·σ(1 − σ)·√(2/π)·2·(1 + 3·0.044715·x²) (9 kernels, not ~15).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = 2 * Math.sqrt(2 / Math.PI);
  const k = 0.044715;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // x·x·x rather than pow(x, 3): pow is a slow kernel on wasm.
    const twoU = tf.mul(c, tf.add(xx, tf.mul(k, tf.mul(xx, tf.mul(xx, xx)))));
    const s = tf.sigmoid(twoU);
    save([xx, s]);
    return {
      value: tf.mul(xx, s),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ss] = saved as [tf.Tensor, tf.Tensor];
        const slope = tf.add(tf.mul(3 * k * c, tf.mul(xs, xs)), c);
        const inner = tf.mul(tf.mul(xs, tf.mul(ss, tf.sub(1, ss))), slope);
        return tf.mul(dy, tf.add(ss, inner));
      },
    };
  });
  return op(x);
}

/**
 * Additive causal mask [T, T]: 0 where key j ≤ query i, a large negative number elsewhere.
 * A finite −1e9 (not −∞) keeps softmax and its gradient NaN-free on every backend. Built on the CPU and uploaded:
 * tf.linalg.bandPart took about 30 kernels per forward pass.
 */
export function causalMask(length: number): tf.Tensor2D {
  const values = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) values[i * length + j] = -1e9;
  return tf.tensor2d(values, [length, length]);
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017, eq. 1) with an additive mask.
 * q, k: [B, H, Tq, dh] and [B, H, Tk, dh], v: [B, H, Tk, dh]; mask: broadcastable to [B, H, Tq, Tk] (0 = attend,
 * −1e9 = blocked). One op with a hand-written gradient (docs/profile.md): the batched products use matmul's
 * transpose flags instead of explicit transposes (wasm's batched matmul is a plain loop either way, and its
 * Transpose of these shapes cost more than the flags), and 1/√dh scales q ([.., Tq, dh]) rather than the scores
 * ([.., Tq, Tk]). The backward pass is softmax's (tfjs's own formula) and the four products of dS = Q̃Kᵀ and O = PV.
 */
export function maskedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  const scale = 1 / Math.sqrt(q.shape[3]);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qq, kk, vv, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const qs = tf.mul(qq, scale);
    const p = tf.softmax(tf.add(tf.matMul(qs, kk, false, true), mask), -1);
    save([qs, kk, vv, p]);
    return {
      value: tf.matMul(p, vv),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [qsS, kS, vS, pS] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dp = tf.matMul(dy as tf.Tensor4D, vS, false, true);
        const dv = tf.matMul(pS, dy as tf.Tensor4D, true, false);
        // Softmax's gradient as tfjs writes it: dS = dP·P − sum(dP·P)·P.
        const dpp = tf.mul(dp, pS);
        const ds = tf.sub(dpp, tf.mul(tf.sum(dpp, -1, true), pS));
        const dq = tf.mul(tf.matMul(ds, kS), scale);
        const dk = tf.matMul(ds, qsS, true, false);
        return [dq, dk, dv];
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}

/**
 * log softmax over the last axis, the same numbers as tf.logSoftmax, without its two Exp kernels: wasm's Exp is scalar
 * code (36 ms on [1024, 1439], the small preset's output layer; its Softmax, vectorised, is several times faster).
 * With p = softmax(x) and m = max(x): the largest p is exp(m − lse), so lse = m − log(max p) (max p ≥ 1/V, so it never
 * underflows) and log softmax = x − lse. The gradient is tfjs's, dy − p·Σdy, with p saved instead of recomputed.
 */
export function logSoftmaxLast(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const p = tf.softmax(xx, -1);
    const lse = tf.sub(tf.max(xx, -1, true), tf.log(tf.max(p, -1, true)));
    save([p]);
    return {
      value: tf.sub(xx, lse),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ps] = saved as [tf.Tensor];
        return tf.sub(dy, tf.mul(ps, tf.sum(dy, -1, true)));
      },
    };
  });
  return op(x);
}

/**
 * log softmax(x)[i, targets[i]] for logits x [M, V] → [M]: pickLast(logSoftmaxLast(x), targets) in one op, so neither
 * the full [M, V] log-probabilities nor a one-hot product is formed (five [M, V] passes fewer on the output layer).
 * Forward: x at the targets (a gather) minus lse = max x − log(max softmax x), as logSoftmaxLast. Gradient:
 * g·(onehot − p), the one-hot part a scatter of g.
 */
export function targetLogProbs(x: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [rows, vocab] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    // (row, target) pairs, made inside the op so the saved copy lives as long as the gradient needs it.
    const at = tf.stack([tf.range(0, rows, 1, 'int32'), tf.cast(targets, 'int32')], 1) as tf.Tensor2D;
    const p = tf.softmax(xx, -1);
    const lse = tf.reshape(tf.sub(tf.max(xx, -1, true), tf.log(tf.max(p, -1, true))), [rows]);
    save([p, at]);
    return {
      value: tf.sub(tf.gatherND(xx, at), lse),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ps, idx] = saved as [tf.Tensor2D, tf.Tensor2D];
        return tf.sub(tf.scatterND(idx, dy, [rows, vocab]), tf.mul(ps, tf.reshape(dy, [rows, 1])));
      },
    };
  });
  return op(x) as tf.Tensor1D;
}

/**
 * Mean cross-entropy of logits [N, V] against integer targets [N], weighted by `weights` [N]
 * (1 for tokens in the loss, 0 for masked ones): Σ w·(−log softmax(logits)[target]) / Σ w.
 */
export function logSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const nll = tf.neg(pickLast(logSoftmaxLast(logits), targets));
    const total = tf.sum(tf.mul(nll, weights));
    return tf.div(total, tf.maximum(tf.sum(weights), 1e-8)) as tf.Scalar;
  });
}
