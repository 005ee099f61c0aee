/**
 * An RL run's state between two iterations as plain data (RlResumeState, lab/snapshot.ts), and back: the models'
 * and Adam's tensors ↔ TensorBlob lists (one read-back each way), checked against the models they go into (names,
 * order, shapes; a mismatch is refused with a message naming the tensor), and the rest of the run (iteration,
 * prompt stream, evaluation history) checked against the run it continues. A checkpoint never holds a non-finite
 * number (finite.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RlResumeState, TensorBlob } from '../lab/snapshot';
import { paramsFromTensors, type Params } from '../model/gpt';
import type { Rng } from '../rng';
import { validateRngState } from '../rng';
import { NonFiniteError, type FiniteContext } from './finite';
import type { Adam } from './optim';

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Named tensors → TensorBlobs (copies), in the order given, with one device read-back for all of them. */
export async function readBlobs(named: readonly (readonly [string, tf.Tensor])[]): Promise<TensorBlob[]> {
  if (named.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(named.map(([, t]) => tf.reshape(t, [-1]))));
  const data = await flat.data<'float32'>();
  flat.dispose();
  let offset = 0;
  return named.map(([name, t]) => {
    const out = { name, shape: [...t.shape], data: data.slice(offset, offset + t.size) };
    offset += t.size;
    return out;
  });
}

/** A model's parameters as TensorBlobs, in the map's order (parameterSpecs order for a GPT). */
export function paramsToBlobs(params: ReadonlyMap<string, tf.Tensor>): Promise<TensorBlob[]> {
  return readBlobs([...params]);
}

/**
 * Refuses blobs that do not fit `model` (the params they go into, or their names and shapes): a missing, extra or
 * reordered tensor, a shape that differs, or data of the wrong length. `what` names them in the message.
 */
export function checkBlobs(what: string, model: ReadonlyMap<string, { shape: readonly number[] }>, blobs: readonly TensorBlob[]): void {
  const expected = [...model].map(([name, t]) => ({ name, shape: t.shape }));
  const names = new Set(expected.map((e) => e.name));
  const extra = blobs.find((b) => !names.has(b.name));
  if (extra) throw new Error(`the saved ${what} has a tensor "${extra.name}" that the model does not have`);
  const have = new Set(blobs.map((b) => b.name));
  const missing = expected.find((e) => !have.has(e.name));
  if (missing) throw new Error(`the saved ${what} lacks the model's tensor "${missing.name}" ${shapeText(missing.shape)}`);
  if (blobs.length !== expected.length) throw new Error(`the saved ${what} has ${blobs.length} tensors where the model has ${expected.length} (a name repeats)`);
  expected.forEach((e, i) => {
    const b = blobs[i]!;
    if (b.name !== e.name) throw new Error(`the saved ${what} has its tensors in another order: "${b.name}" where the model has "${e.name}"`);
    if (b.shape.length !== e.shape.length || b.shape.some((d, k) => d !== e.shape[k])) {
      throw new Error(`the saved ${what}'s tensor "${b.name}" is ${shapeText(b.shape)} where the model's is ${shapeText(e.shape)} (saved from another model size?)`);
    }
    if (!(b.data instanceof Float32Array) || b.data.length !== sizeOf(b.shape)) {
      throw new Error(`the saved ${what}'s tensor "${b.name}" ${shapeText(b.shape)} holds ${b.data?.length ?? 'no'} numbers, not ${sizeOf(b.shape)}`);
    }
  });
}

/** TensorBlobs → new tensors (the caller disposes them). */
export function blobsToTensors(blobs: readonly TensorBlob[]): tf.Tensor[] {
  return blobs.map((b) => tf.tensor(b.data, b.shape, 'float32'));
}

/** A trainable copy of `model`'s parameters with the saved values, after checkBlobs. */
export function paramsFromBlobs(what: string, model: ReadonlyMap<string, tf.Tensor>, blobs: readonly TensorBlob[]): Params {
  checkBlobs(what, model, blobs);
  const tensors = blobsToTensors(blobs);
  const params = paramsFromTensors(blobs.map((b, i) => [b.name, tensors[i]!]));
  tf.dispose(tensors);
  return params;
}

/** Throws a NonFiniteError (metric "checkpoint <what> <tensor>") if a blob holds NaN or ∞. */
export function assertFiniteBlobs(ctx: FiniteContext, what: string, blobs: readonly TensorBlob[]): void {
  for (const b of blobs) {
    const i = b.data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new NonFiniteError(ctx, `checkpoint ${what} tensor "${b.name}"`, b.data[i]!);
  }
}

/** The seeded epoch order over the prompt set and the position in it (rl.ts, cycleEpochs). */
export type PromptStreamState = RlResumeState['promptStream'];

/** What an RL run is made of now, for captureRlState. */
export interface RlLiveState {
  iteration: number;
  step: number;
  episodes: number;
  actor: Params;
  critic: Params | undefined;
  actorAdam: Adam;
  criticAdam: Adam | undefined;
  rng: Rng;
  promptStream: PromptStreamState;
  history: readonly object[];
}

const HISTORY_KEYS = ['iteration', 'episodes', 'gold', 'goldSe', 'winRate', 'winRateSe', 'kl', 'length'] as const;

/**
 * The run's state as plain data: every tensor read back (awaited), everything else copied. Refuses (NonFiniteError,
 * naming the tensor or number) a state with any non-finite number: a checkpoint is always one a run can go on from.
 */
export async function captureRlState(live: RlLiveState, ctx: FiniteContext): Promise<RlResumeState> {
  const [actor, critic, actorAdam, criticAdam] = await Promise.all([
    paramsToBlobs(live.actor),
    live.critic ? paramsToBlobs(live.critic) : null,
    live.actorAdam.exportState(),
    live.criticAdam ? live.criticAdam.exportState() : null,
  ]);
  assertFiniteBlobs(ctx, 'actor', actor);
  if (critic) assertFiniteBlobs(ctx, 'critic', critic);
  for (const [what, s] of [['actor Adam', actorAdam], ['critic Adam', criticAdam]] as const) {
    if (!s) continue;
    assertFiniteBlobs(ctx, `${what} first-moment`, s.m);
    assertFiniteBlobs(ctx, `${what} second-moment`, s.v);
  }
  const history = live.history.map((p) => {
    const point = p as Record<string, number>;
    return Object.fromEntries(HISTORY_KEYS.map((k) => [k, point[k] ?? NaN]));
  });
  history.forEach((p) => {
    for (const k of HISTORY_KEYS) if (!Number.isFinite(p[k])) throw new NonFiniteError(ctx, `checkpoint evaluation ${k} at iteration ${p.iteration}`, p[k] ?? NaN);
  });
  return {
    iteration: live.iteration,
    step: live.step,
    episodes: live.episodes,
    actor,
    critic,
    actorAdam,
    criticAdam,
    rng: live.rng.state(),
    promptStream: { order: [...live.promptStream.order], index: live.promptStream.index },
    history,
  };
}

/** What the run that goes on from a state looks like (rl.ts), to check the state belongs to it. */
export interface RlResumeExpectation {
  iterations: number;
  minibatches: number;
  promptsPerRollout: number;
  prompts: number;
  hasCritic: boolean;
}

/**
 * Refuses a resume state that does not belong to this run, with the reason: more iterations done than the run
 * has, a step or episode count that does not follow from them, a critic where the estimator has none (or none
 * where it needs one), a prompt order that is not a permutation of this prompt set, an evaluation history out of
 * order. The tensors are checked where they are loaded (paramsFromBlobs, Adam).
 */
export function validateRlResume(state: RlResumeState, run: RlResumeExpectation): void {
  const bad = (why: string): never => {
    throw new Error(`cannot continue this RL run from the saved state: ${why}`);
  };
  const { iteration, step, episodes } = state;
  if (!Number.isInteger(iteration) || iteration < 1) bad(`its iteration count must be a whole number ≥ 1, got ${iteration}`);
  if (iteration > run.iterations) bad(`it has done ${iteration} iterations, and this run has only ${run.iterations}`);
  if (step !== iteration * run.minibatches) bad(`${iteration} iterations of ${run.minibatches} minibatches are ${iteration * run.minibatches} steps, and it says ${step}`);
  if (episodes !== iteration * run.promptsPerRollout) bad(`${iteration} iterations of ${run.promptsPerRollout} prompts are ${iteration * run.promptsPerRollout} episodes, and it says ${episodes}`);
  if (run.hasCritic !== (state.critic !== null)) bad(run.hasCritic ? 'it has no critic, and this run trains one (GAE)' : 'it has a critic, and this run has none (REINFORCE++)');
  if (run.hasCritic !== (state.criticAdam !== null)) bad(run.hasCritic ? "it has no critic's optimiser state" : "it has a critic's optimiser state, and this run has no critic");
  if (state.actorAdam.t !== step) bad(`the actor's optimiser has taken ${state.actorAdam.t} steps, not ${step}`);
  if (state.criticAdam && state.criticAdam.t !== step) bad(`the critic's optimiser has taken ${state.criticAdam.t} steps, not ${step}`);
  try {
    validateRngState(state.rng);
  } catch (error) {
    bad((error as Error).message);
  }
  const { order, index } = state.promptStream;
  if (order.length !== run.prompts || [...order].sort((a, b) => a - b).some((x, i) => x !== i)) bad(`its prompt order is not a permutation of this run's ${run.prompts} prompts`);
  if (!Number.isInteger(index) || index < 0 || index > order.length) bad(`its prompt position ${index} is outside the order (0–${order.length})`);
  let last = -1;
  for (const p of state.history) {
    for (const k of HISTORY_KEYS) if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) bad(`an evaluation lacks a finite "${k}"`);
    const it = p.iteration!;
    if (it <= last || it > iteration) bad(`its evaluations are not in order at iteration ${it}`);
    last = it;
  }
  if (state.history[0]?.iteration !== 0) bad('its evaluation history does not start at iteration 0');
}
