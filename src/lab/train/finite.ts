/**
 * The one guard against NaN and ∞ for every training stage (SFT, reward model, DPO, PPO/RTO). A loss, gradient norm,
 * reward, value, advantage or learning rate that is not finite stops the stage with a NonFiniteError naming the
 * stage, the step (RL: the iteration) and the number, and carrying the stage's model from before that step: the
 * optimiser never applies a non-finite step (optim.ts, optimiserStep), so those are the last good weights.
 */
import type { Params } from '../model/gpt';
import type { StageId } from '../stages';

/** Where a stage stands when it checks its numbers, and what it tells the user to do about a non-finite one. */
export interface FiniteContext {
  stage: StageId;
  /** 1-based, as the stage's metrics events number it (RL: the iteration, SFT/RM/DPO: the optimiser step). */
  step: number;
  /** What `step` counts, for the message. */
  unit: 'step' | 'iteration';
  /** The advice after the message, e.g. "Lower the learning rate (now 3e-3)." */
  advice: string;
  /** How many models the stage trains (the message says "the model … is kept" or "the models … are kept"). */
  models: 1 | 2;
}

export class NonFiniteError extends Error {
  readonly stage: StageId;
  readonly step: number;
  readonly metric: string;
  readonly value: number;
  /**
   * The stage's trained model as it was before the failing step (the RL stage: the actor), or null. Owned by
   * whoever catches the error: keep it, or free it with disposeParams.
   */
  params: Params | null = null;

  constructor(ctx: FiniteContext, metric: string, value: number) {
    const kept = ctx.models === 1 ? 'the model from before this step is kept' : 'the models from before this step are kept';
    super(`${ctx.stage} stopped at ${ctx.unit} ${ctx.step}: ${metric} is ${value} (non-finite); ${kept}. ${ctx.advice}`);
    this.name = 'NonFiniteError';
    this.stage = ctx.stage;
    this.step = ctx.step;
    this.metric = metric;
    this.value = value;
  }
}

/** A number, or many (a rollout's per-token values). */
export type Checked = number | ArrayLike<number>;

/** The first non-finite number among named values, in the order given, or null when all are finite. */
export function firstNonFinite(values: Readonly<Record<string, Checked>>): { metric: string; value: number } | null {
  for (const [metric, x] of Object.entries(values)) {
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) return { metric, value: x };
      continue;
    }
    for (let i = 0; i < x.length; i++) {
      const v = x[i] ?? NaN;
      if (!Number.isFinite(v)) return { metric, value: v };
    }
  }
  return null;
}

/** Throws a NonFiniteError for the first non-finite number among `values` (named as the message should say them). */
export function assertFinite(ctx: FiniteContext, values: Readonly<Record<string, Checked>>): void {
  const bad = firstNonFinite(values);
  if (bad) throw new NonFiniteError(ctx, bad.metric, bad.value);
}

/** Hands the stage's last good weights to a NonFiniteError on its way out; returns whether it took them. */
export function keepOnError(error: unknown, params: Params): boolean {
  if (!(error instanceof NonFiniteError) || error.params) return false;
  error.params = params;
  return true;
}
