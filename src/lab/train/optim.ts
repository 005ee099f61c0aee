/**
 * The optimiser every stage uses (docs/method.md, "PPO machinery"; OpenRLHF defaults): Adam with betas (0.9, 0.95),
 * no weight decay, a cosine learning-rate schedule with linear warm-up and a floor, and global-norm gradient
 * clipping. Written out rather than taken from tf.train so its state is visible, checkpointable and per-step LR.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../model/gpt';

/** The optimiser recipe every stage shares: peak LR, warm-up and floor of the cosine schedule, gradient clip. */
export interface RecipeSettings {
  lr: number;
  warmupFraction: number;
  floorFraction: number;
  maxGradNorm: number;
}

export interface ScheduleSettings {
  peakLr: number;
  totalSteps: number;
  /** Fraction of steps spent warming up linearly from 0 (e.g. 0.03). */
  warmupFraction: number;
  /** The cosine decays to this fraction of the peak (e.g. 0.1). */
  floorFraction: number;
}

/**
 * Learning rate at 0-based step `step`: HF transformers' `get_cosine_with_min_lr_schedule_with_warmup` (what OpenRLHF's
 * `get_scheduler("cosine_with_min_lr", num_warmup_steps=ceil(0.03·max_steps), min_lr=0.1·lr)` builds). With W =
 * ceil(warmupFraction·totalSteps): LR = peak·step/W for step < W (so step 0 trains at LR 0, as the official first
 * optimiser step does), then progress = (step − W)/max(1, total − W) and LR = peak·(r + (1 − r)·½(1 + cos(π·progress)))
 * with r = floorFraction (HF's min_lr_rate). Past the last step the cosine is held at the floor.
 */
export function cosineLr(step: number, s: ScheduleSettings): number {
  const warmup = Math.ceil(s.warmupFraction * s.totalSteps);
  if (step < warmup) return (s.peakLr * step) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, s.totalSteps - warmup));
  const r = s.floorFraction;
  return s.peakLr * (r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
}
export const ADAM_DEFAULTS: AdamSettings = { beta1: 0.9, beta2: 0.95, eps: 1e-8 };

/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping (a scalar tensor). */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    // A chain of adds, not tf.addN: tfjs-webgpu 4.22's AddN returns wrong sums for many inputs (measured on 30: a
    // norm of 1 or 2 instead of 1.24; the cross-backend check has a case for it).
    const squares = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.reduce((acc, x) => tf.add(acc, x), tf.scalar(0))) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { clipped: grads.map((g) => tf.mul(g, scale)), norm };
  });
}

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly params: Params,
    private readonly settings: AdamSettings = ADAM_DEFAULTS,
  ) {
    for (const [name, p] of params) {
      // tf.variable copies its initial value, so the zeros are made (and freed) inside a tidy.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** One Adam update with learning rate `lr`; `grads` in the order of the params map. */
  apply(grads: tf.Tensor[], lr: number): void {
    this.t += 1;
    const { beta1, beta2, eps } = this.settings;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    let i = 0;
    for (const [name, p] of this.params) {
      const g = grads[i++];
      const m = this.m.get(name);
      const v = this.v.get(name);
      if (!g || !m || !v) throw new Error(`Adam: no gradient or state for ${name}`);
      tf.tidy(() => {
        const mNext = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
        const vNext = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
        m.assign(mNext);
        v.assign(vNext);
        const update = tf.div(tf.div(mNext, c1), tf.add(tf.sqrt(tf.div(vNext, c2)), eps));
        p.assign(tf.sub(p, tf.mul(lr, update)));
      });
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}

/** A loss, optionally with extra per-step numbers (accuracies, mean rewards…) read back with it. */
export type LossWithMetrics = tf.Scalar | { loss: tf.Scalar; metrics: tf.Tensor1D };

/**
 * Loss, gradients, clipping and one Adam step. Returns the loss, the gradient norm and any metrics the loss
 * function reported, in one read-back, so a training loop touches the device once per step.
 */
export async function optimiserStep(
  params: Params,
  adam: Adam,
  lossFn: () => LossWithMetrics,
  lr: number,
  maxGradNorm: number,
): Promise<{ loss: number; gradNorm: number; metrics: number[] }> {
  const vars = [...params.values()];
  let metrics: tf.Tensor1D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = lossFn();
    if (out instanceof tf.Tensor) return out;
    metrics = tf.keep(out.metrics); // outlives the gradient scope; freed below
    return out.loss;
  }, vars);
  // A parameter the loss does not reach (e.g. the scalar head under an LM loss) has gradient zero.
  const ordered = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  const { clipped, norm } = clipByGlobalNorm(ordered, maxGradNorm);
  tf.dispose(ordered);
  const extra: tf.Tensor1D | null = metrics;
  const all = tf.tidy(() => tf.concat([tf.reshape(value, [1]), tf.reshape(norm, [1]), ...(extra ? [extra] : [])]));
  tf.dispose([value, norm, ...(extra ? [extra] : [])]);
  const read = all.data<'float32'>();
  adam.apply(clipped, lr);
  tf.dispose(clipped);
  const [l = NaN, n = NaN, ...rest] = Array.from(await read);
  all.dispose();
  return { loss: l, gradNorm: n, metrics: rest };
}
