/**
 * The optimiser every stage uses (docs/method.md, "PPO machinery"; OpenRLHF defaults): Adam with betas (0.9, 0.95),
 * no weight decay, a cosine learning-rate schedule with linear warm-up and a floor, and global-norm gradient
 * clipping. Written out rather than taken from tf.train so its state is visible, checkpointable and per-step LR.
 *
 * A step is never applied with a non-finite loss, gradient norm, reported metric or learning rate (finite.ts): the
 * check runs inside the graph (Adam.apply's `ok`: a failed step zeroes the gradient and freezes β and the LR), so
 * the read-back still overlaps the update and no extra device round trip is paid; the stage then stops with the
 * weights from before that step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../model/gpt';
import type { AdamState } from '../lab/snapshot';
import { checkBlobs } from './rlResume';

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

/** clipByGlobalNorm for one flat gradient vector: the same norm (summed in another order) and scale. */
export function clipFlat(grad: tf.Tensor1D, maxNorm: number): { clipped: tf.Tensor1D; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(grad))) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { clipped: tf.mul(grad, scale) as tf.Tensor1D, norm };
  });
}

/**
 * Adam over one flat vector: the moments are single [P] variables (P = the parameter count) and every step's
 * arithmetic runs once on the concatenated gradient, not once per parameter tensor. Measured on the reference step
 * (docs/profile.md): a step went from 1,629 kernels to far fewer, and the per-element numbers are the ones the
 * per-tensor update computed (the same ops in the same order on each element).
 */
export class Adam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly names: string[];
  private readonly sizes: number[];
  private t = 0;

  /** Fresh moments (zeros, step 0), or those of `from` (exportState()), checked against the params' names and shapes. */
  constructor(
    private readonly params: Params,
    private readonly settings: AdamSettings = ADAM_DEFAULTS,
    from?: AdamState,
  ) {
    if (from) {
      if (!Number.isInteger(from.t) || from.t < 0) throw new RangeError(`an Adam state's step count must be a whole number ≥ 0, got ${from.t}`);
      checkBlobs('Adam first moment', params, from.m);
      checkBlobs('Adam second moment', params, from.v);
      this.t = from.t;
    }
    this.names = [...params.keys()];
    this.sizes = [...params.values()].map((p) => p.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const flat = (blobs: AdamState['m'] | undefined): Float32Array => {
      const out = new Float32Array(total);
      let offset = 0;
      for (const b of blobs ?? []) {
        out.set(b.data, offset);
        offset += b.data.length;
      }
      return out;
    };
    // tf.variable copies its initial value, so the tensor it is made from is made (and freed) inside a tidy.
    this.m = tf.tidy(() => tf.variable(tf.tensor1d(flat(from?.m)), false));
    this.v = tf.tidy(() => tf.variable(tf.tensor1d(flat(from?.v)), false));
  }

  get stepCount(): number {
    return this.t;
  }

  /** The step count and both moments, read back in one transfer (plain data: the run's checkpoint stores it). */
  async exportState(): Promise<AdamState> {
    const both = tf.concat([this.m, this.v]);
    const data = await both.data<'float32'>();
    both.dispose();
    const shapes = [...this.params.values()].map((p) => [...p.shape]);
    let offset = 0;
    const blobs = (): AdamState['m'] =>
      this.names.map((name, i) => {
        const size = this.sizes[i]!;
        const out = { name, shape: shapes[i]!, data: data.slice(offset, offset + size) };
        offset += size;
        return out;
      });
    const m = blobs();
    return { t: this.t, m, v: blobs() };
  }

  /** One Adam update with learning rate `lr`; `grads` in the order of the params map (see applyFlat for `ok`). */
  apply(grads: tf.Tensor[], lr: number, ok?: tf.Scalar): void {
    if (grads.length !== this.names.length) throw new Error(`Adam: ${grads.length} gradients for ${this.names.length} parameters`);
    const flat = tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1]))));
    try {
      this.applyFlat(flat, lr, ok);
    } finally {
      flat.dispose();
    }
  }

  /**
   * One Adam update from the gradient as one flat vector (the parameters' gradients, flattened and concatenated in
   * the order of the params map). With `ok` (a bool scalar on the device) the weights and moments keep their old
   * values, exactly, unless it is true; call undoCount() if it was false. Where ok is false the gradient becomes 0
   * (so no NaN enters) and β1, β2 become 1 and the learning rate 0 (so m, v and the weights stay); where it is true
   * every number is the one the plain update computes.
   */
  applyFlat(grad: tf.Tensor1D | tf.Tensor, lr: number, ok?: tf.Scalar): void {
    if (grad.size !== this.m.size) throw new Error(`Adam: a flat gradient of ${grad.size} numbers for ${this.m.size} parameters`);
    this.t += 1;
    const { beta1, beta2, eps } = this.settings;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend())) {
      // The backend's own kernel (wasm: src/worker/kernels/adamWasm.ts): the same floats in one kernel.
      const vars = [...this.params.values()];
      const inputs: tf.NamedTensorMap = { grad: tf.reshape(grad, [-1]), m: this.m, v: this.v, ...(ok ? { ok } : {}) };
      vars.forEach((p, i) => (inputs[`w${i}`] = p));
      const attrs: AdamKernelAttrs = { beta1, beta2, eps, lr, c1, c2 };
      try {
        tf.tidy(() => {
          const [mNext, vNext, ...next] = tf.engine().runKernel(ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          this.m.assign(mNext!);
          this.v.assign(vNext!);
          vars.forEach((p, i) => p.assign(next[i]!));
        });
      } finally {
        tf.dispose(inputs.grad);
      }
      return;
    }
    tf.tidy(() => {
      const pick = (yes: number, no: number) => (ok ? tf.where(ok, tf.scalar(yes), tf.scalar(no)) : yes);
      const [b1, a1, b2, a2, step] = [pick(beta1, 1), pick(1 - beta1, 0), pick(beta2, 1), pick(1 - beta2, 0), pick(lr, 0)];
      const flatGrad = tf.reshape(grad, [-1]);
      // A full-shape condition from cheap ops (tf.where's own broadcast of a scalar is a slow tile on wasm).
      const g = ok ? tf.where(tf.greater(tf.add(tf.zerosLike(flatGrad), tf.cast(ok, 'float32')), 0.5), flatGrad, tf.zerosLike(flatGrad)) : flatGrad;
      const mNext = tf.add(tf.mul(b1, this.m), tf.mul(a1, g));
      const vNext = tf.add(tf.mul(b2, this.v), tf.mul(a2, tf.square(g)));
      this.m.assign(mNext);
      this.v.assign(vNext);
      const update = tf.div(tf.div(mNext, c1), tf.add(tf.sqrt(tf.div(vNext, c2)), eps));
      const vars = [...this.params.values()];
      const weights = tf.concat(vars.map((p) => tf.reshape(p, [-1])));
      // One split, not a slice or gather per parameter: on wasm each piece costs a copy of the whole vector either
      // way (Slice reads its whole input; measured 28 pieces of 106,304 numbers: split 1.6–6.7 ms, gathers 5–6.5 ms).
      const next = tf.split(tf.sub(weights, tf.mul(step, update)), this.sizes);
      vars.forEach((p, i) => p.assign(tf.reshape(next[i]!, p.shape)));
    });
  }

  /** Takes back the step count of an apply() whose `ok` was false (its weights and moments did not change). */
  undoCount(): void {
    if (this.t === 0) throw new Error('Adam: no step to take back');
    this.t -= 1;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

/**
 * The kernel a backend may register for Adam's update (inputs: grad, the flat gradient; m and v; optionally ok, a
 * bool scalar; w0, w1, … the parameters in the params map's order. Outputs m', v' and each w'). It must give the
 * floats applyFlat's ops give.
 */
export const ADAM_KERNEL = 'RtoAdam';
export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  lr: number;
  /** The bias corrections 1 − β1^t and 1 − β2^t. */
  c1: number;
  c2: number;
}

/** A loss, optionally with extra per-step numbers (accuracies, mean rewards…) read back with it. */
export type LossWithMetrics = tf.Scalar | { loss: tf.Scalar; metrics: tf.Tensor1D };

export interface StepResult {
  loss: number;
  gradNorm: number;
  metrics: number[];
  /** False when a number above or the learning rate was not finite: then nothing changed (weights, moments, t). */
  applied: boolean;
}

export interface StepSpec {
  params: Params;
  adam: Adam;
  lossFn: () => LossWithMetrics;
  lr: number;
  maxGradNorm: number;
}

/** The gradients of one loss, clipped, the numbers to read back [loss, norm, ...metrics], and whether all are finite. */
function prepareStep({ params, lossFn, maxGradNorm }: StepSpec): { clipped: tf.Tensor1D; read: tf.Tensor1D; finite: tf.Scalar } {
  const vars = [...params.values()];
  let metrics: tf.Tensor1D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = lossFn();
    if (out instanceof tf.Tensor) return out;
    metrics = tf.keep(out.metrics); // outlives the gradient scope; freed below
    return out.loss;
  }, vars);
  // A parameter the loss does not reach (e.g. the scalar head under an LM loss) has gradient zero. The gradients
  // are clipped as one flat vector (Adam.applyFlat takes it so): a handful of kernels instead of four per tensor.
  const flat = tf.tidy(() => tf.concat(vars.map((v) => (grads[v.name] ? tf.reshape(grads[v.name]!, [-1]) : tf.zeros([v.size]))))) as tf.Tensor1D;
  tf.dispose(Object.values(grads));
  const { clipped, norm } = clipFlat(flat, maxGradNorm);
  flat.dispose();
  const extra: tf.Tensor1D | null = metrics;
  const read = tf.tidy(() => tf.concat([tf.reshape(value, [1]), tf.reshape(norm, [1]), ...(extra ? [extra] : [])])) as tf.Tensor1D;
  tf.dispose([value, norm, ...(extra ? [extra] : [])]);
  // A finite norm means every gradient is finite (a NaN or ∞ anywhere makes the sum of squares NaN or ∞).
  const finite = tf.tidy(() => tf.all(tf.isFinite(read))) as tf.Scalar;
  return { clipped, read, finite };
}

/**
 * Loss, gradients, clipping and one Adam step for each spec, all or none: the steps are applied only if every loss,
 * gradient norm, metric and learning rate is finite (the check runs on the device, before any weight changes, so a
 * failed step leaves every model and optimiser as it was). One read-back per spec, started before the updates.
 * PPO uses it for its actor and critic steps, so a NaN in the critic's loss leaves the actor untouched too.
 */
export async function optimiserSteps(specs: readonly StepSpec[]): Promise<StepResult[]> {
  for (const s of specs) if (Number.isNaN(s.maxGradNorm)) throw new RangeError('the maximum gradient norm must be a number, got NaN');
  const prepared = specs.map(prepareStep);
  const reads = prepared.map((p) => p.read.data<'float32'>());
  const lrFinite = specs.every((s) => Number.isFinite(s.lr));
  if (lrFinite && prepared.length > 0) {
    const first = prepared[0]!.finite;
    const ok = prepared.length === 1 ? first : (tf.tidy(() => prepared.slice(1).reduce((a, p) => tf.logicalAnd(a, p.finite), first)) as tf.Scalar);
    specs.forEach((s, i) => s.adam.applyFlat(prepared[i]!.clipped, s.lr, ok));
    if (ok !== first) ok.dispose();
  }
  for (const p of prepared) tf.dispose([p.clipped, p.finite]);
  const values = (await Promise.all(reads)).map((x) => Array.from(x));
  prepared.forEach((p) => p.read.dispose());
  const applied = lrFinite && values.every((xs) => xs.every(Number.isFinite));
  if (lrFinite && !applied) for (const s of specs) s.adam.undoCount();
  return values.map(([loss = NaN, gradNorm = NaN, ...metrics]) => ({ loss, gradNorm, metrics, applied }));
}

/**
 * Loss, gradients, clipping and one Adam step (skipped when anything is non-finite, see optimiserSteps). Returns
 * the loss, the gradient norm and any metrics the loss function reported, in one read-back, so a training loop
 * touches the device once per step.
 */
export async function optimiserStep(params: Params, adam: Adam, lossFn: () => LossWithMetrics, lr: number, maxGradNorm: number): Promise<StepResult> {
  const [r] = await optimiserSteps([{ params, adam, lossFn, lr, maxGradNorm }]);
  return r!;
}
