/**
 * The RL stage: PPO with the sparse reward, RTO with the dense DPO reward, the ablations and the critic-free group
 * methods (GRPO, RLOO; methods.ts), all one loop (docs/method.md, "PPO machinery", "Methods as data"). Each
 * iteration: a rollout of `promptsPerRollout` responses (one per prompt; a group method draws promptsPerRollout/G
 * prompts and samples each G times, so episodes match) → rewards in the chosen mode → GAE (or REINFORCE++)
 * advantages, whitened once, or the group estimator's → one pass of clipped actor and critic steps in
 * minibatches. The actor starts as SFT, the critic as the reward model (head included; its values normalised with the
 * RM's μ, σ, rollout.ts's criticValuesAt). The sampler's rules
 * (forbidden tokens, when <eos> is legal) hold in the rollout, the update and the evaluation alike.
 *
 * The random stream depends on the seed only, never on the mode, so with π_dpo ≡ π_ref an RTO run reproduces the
 * PPO run exactly (an invariant of docs/method.md the tests check).
 *
 * A run can hand out its state between iterations (checkpointEvery, onCheckpoint) and go on from one (resume): the
 * models, both optimisers, the random stream, the prompt stream and the evaluation history come back (rlResume.ts),
 * so the remaining iterations give the same events and numbers as a run that never stopped. A NaN or ∞ in the
 * rollout (log-probs, values, RM score), the rewards, advantages, returns, a loss or a gradient norm stops the run
 * with a NonFiniteError (finite.ts) that carries the actor from before the failing step.
 */
import type { EventSink, TokenRow } from '../events';
import type { RlResumeState } from '../lab/snapshot';
import { cloneParams, disposeParams, type Params } from '../model/gpt';
import { taskSampleOptions, type SampleBatch, type SampleOptions } from '../model/sample';
import { createRng, restoreRng, type Rng } from '../rng';
import type { Task } from '../tasks/task';
import { evaluateResponses, responseRows, sameSample, type GoldBaseline } from '../eval/policyEval';
import { rolloutTargets, type RolloutTargets } from './advantages';
import { methodWith } from './methods';
import { epochOrder } from './batch';
import { assertFinite, keepOnError, type FiniteContext } from './finite';
import { ADAM_DEFAULTS, Adam, cosineLr } from './optim';
import { makeMinibatch, ppoMinibatchStep, type Minibatch, type MinibatchResult } from './ppo';
import type { RewardSettings } from './rewards';
import type { ScoreNorm } from './rm';
import { collectRollout, dpoSequenceLogRatio, ofSequence, type RlModels, type Rollout } from './rollout';
import { captureRlState, checkBlobs, paramsFromBlobs, validateRlResume, type PromptStreamState } from './rlResume';
import { EVAL_SEED, lmConfig, type LabModel } from './rlBaseline';
import { evalMetrics, evaluationPointOf, iterationMetrics, type RlEvaluationPoint } from './rlMetrics';
import { ppoClipOf, rewardSettingsOf, sentenceDelimiters, validateRlSettings, type RlSettings } from './rlSettings';

export interface RlRun {
  task: Task;
  sft: LabModel;
  rewardModel: LabModel & { norm: ScoreNorm };
  /** Needed by every mode but ppo; when present under ppo it only feeds the heatmaps' ℓ_dpo channel. */
  dpo?: LabModel;
  settings: RlSettings;
  seed: number | string;
  /** The RL prompt set (a fraction of the pool in sample-efficiency runs); cycled in seeded epochs. */
  prompts: readonly (readonly number[])[];
  evalPrompts: readonly (readonly number[])[];
  /** SFT's gold rewards on evalPrompts (sftBaseline), for the win rate. */
  baseline: GoldBaseline;
  /** A label for the events (defaults to the mode). */
  runName?: string;
  onEvent?: EventSink;
  shouldStop?: () => boolean;
  /** Awaited before every step: resolves at once unless the user paused the run (the worker's Pause). */
  pauseGate?: () => Promise<void>;
  /**
   * Called once, after the first minibatch of the first rollout (the CLI's --dump-rollout); with a DPO model also
   * log π_dpo(y) − log π_ref(y) of each response as DPO's loss computes it (rollout.ts, dpoSequenceLogRatio).
   */
  onFirstMinibatch?: (x: { rollout: Rollout; targets: RolloutTargets; minibatch: Minibatch; result: MinibatchResult; dpoSequenceLogRatio: Float32Array | null }) => void;
  /** Iterations between checkpoints (onCheckpoint); 0 or absent for none. Never after the last iteration. */
  checkpointEvery?: number;
  /**
   * Receives the run's state after every checkpointEvery-th iteration, once that iteration's metrics and tokens
   * events are out. Plain data (its own copies): keep it, store it. trainRl waits for the tensors' read-back only,
   * never for what the callback does with it.
   */
  onCheckpoint?: (state: RlResumeState) => void;
  /**
   * Go on from a checkpoint of this run (same task, models, settings, seed and prompts) instead of starting: the
   * iterations after state.iteration then emit exactly the events an uninterrupted run would have (iteration 0's
   * evaluation is not emitted again), and the result covers the whole run. A state that does not fit is refused.
   */
  resume?: RlResumeState;
}


export interface RlResult {
  params: Params;
  iterations: number;
  episodes: number;
  history: RlEvaluationPoint[];
  final: RlEvaluationPoint;
  seconds: number;
}

/** The prompts of one rollout: each drawn prompt repeated G times (G = 1 without groups), `responses` rows in all. */
export function rolloutPrompts(responses: number, groupSize: number, draw: () => readonly number[]): (readonly number[])[] {
  return Array.from({ length: responses / groupSize }, draw).flatMap((p) => Array.from({ length: groupSize }, () => p));
}


export async function trainRl(run: RlRun): Promise<RlResult> {
  const { settings: s, task } = run;
  validateRlSettings(s);
  if (s.mode !== 'ppo' && !run.dpo) throw new Error(`mode ${s.mode} needs the DPO model`);
  if (run.prompts.length === 0) throw new Error('RL stage needs prompts, and the set is empty');
  const every = run.checkpointEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) throw new RangeError(`checkpointEvery must be a whole number of iterations ≥ 0, got ${every}`);
  const resume = run.resume;
  const perRollout = s.promptsPerRollout;
  const hasCritic = s.estimator === 'gae';
  if (resume) validateRlResume(resume, { iterations: s.iterations, minibatches: s.minibatches, promptsPerRollout: perRollout, prompts: run.prompts.length, hasCritic });
  const config = lmConfig(run.sft.config);
  const started = performance.now();
  const { actor, critic, actorAdam, criticAdam } = learnerOf(run, resume);
  const models: RlModels = { policy: actor, reference: run.sft.params, dpo: run.dpo?.params, critic, rewardModel: run.rewardModel.params, norm: run.rewardModel.norm, config };
  const options = taskSampleOptions(task, 1);
  const rewards = rewardSettingsOf(s);
  const delimiters = sentenceDelimiters(task);
  const rng = resume ? restoreRng(resume.rng) : createRng(`${run.seed}:rl`);
  const mbSize = perRollout / s.minibatches;
  const totalSteps = s.iterations * s.minibatches;
  const schedule = (peakLr: number) => ({ peakLr, totalSteps, warmupFraction: s.warmupFraction, floorFraction: s.floorFraction });
  const promptStream = cycleEpochs(run.prompts.length, rng, resume?.promptStream);
  const name = run.runName ?? methodWith(s.mode, s.estimator)?.name ?? s.mode;
  const G = s.group?.size ?? 1;
  // Dr. GRPO: every response's token losses are divided by the same constant, the length cap.
  const tokenNorm = s.group && !s.group.lengthNorm ? task.horizon : undefined;
  const stage = s.mode === 'ppo' ? 'ppo' : 'rto';
  const history: RlEvaluationPoint[] = resume ? resume.history.map(evaluationPointOf) : [];
  let episodes = resume?.episodes ?? 0;
  let step = resume?.step ?? 0;
  let iteration = resume?.iteration ?? 0;
  const guard = (at: number): FiniteContext => ({
    stage,
    step: at,
    unit: 'iteration',
    models: critic ? 2 : 1,
    advice: critic ? `Lower the learning rates (actor ${s.actorLr}, critic ${s.criticLr}).` : `Lower the actor's learning rate (now ${s.actorLr}).`,
  });
  const evaluate = async (table = true, sampled?: SampleBatch) => {
    const e = await evaluateResponses(task, actor, run.sft.params, config, run.evalPrompts, EVAL_SEED(run.seed), run.baseline, run.rewardModel, sampled);
    const point: RlEvaluationPoint = { iteration, episodes, gold: e.gold, goldSe: e.goldSe, winRate: e.winRate, winRateSe: e.winRateSe, kl: e.kl, length: e.length };
    history.push(point);
    // The response table: this evaluation's responses to the first held-out prompts, beside SFT's (sent with the
    // evaluation's metrics, so not for a stopped run's closing evaluation).
    if (table) run.onEvent?.({ type: 'responses', stage, run: name, step: iteration, ...responseRows(task, run.evalPrompts, e, run.baseline) });
    return point;
  };
  try {
    if (!resume) {
      // Iteration 0: the policy is still SFT (a copy of its weights); its evaluation is the curves' starting point. The
      // baseline's responses are the ones it would draw (same weights, prompts and seed): scored, not drawn again.
      const start = await evaluate(true, sameSample(run.baseline.sample, run.sft.params, config, run.evalPrompts, EVAL_SEED(run.seed)));
      run.onEvent?.({ type: 'metrics', stage, run: name, step: 0, totalSteps: s.iterations, values: { episodes: 0, ...evalMetrics(start), 'eval/length_cap': task.horizon } });
    }
    for (; iteration < s.iterations && !run.shouldStop?.(); ) {
      await run.pauseGate?.();
      if (run.shouldStop?.()) break;
      const t0 = performance.now();
      const ctx = guard(iteration + 1);
      const prompts = rolloutPrompts(perRollout, G, () => run.prompts[promptStream.next()] ?? []);
      const rollout = await collectRollout(models, prompts, options, rng);
      assertFinite(ctx, { 'policy log-prob': rollout.logpOld, 'reference log-prob': rollout.logpRef, 'DPO log-prob': rollout.logpDpo ?? [], value: rollout.values, 'reward-model score': rollout.rmRaw });
      const targets = rolloutTargets(rollout, rewards, s, delimiters);
      assertFinite(ctx, { reward: targets.rewards.flatMap((r) => r.total), advantage: targets.advantagesWhitened, return: targets.returns });
      const order = epochOrder(perRollout, () => rng.next());
      const results: MinibatchResult[] = [];
      for (let k = 0; k < s.minibatches; k++, step++) {
        const mb = makeMinibatch(rollout, targets, order.slice(k * mbSize, (k + 1) * mbSize), tokenNorm);
        const lr = { actor: cosineLr(step, schedule(s.actorLr)), critic: cosineLr(step, schedule(s.criticLr)) };
        const r = await ppoMinibatchStep({ actor, actorAdam, critic, criticAdam, criticNorm: run.rewardModel.norm, config }, mb, options, ppoClipOf(s), lr, s.maxGradNorm);
        if (!r.applied) {
          assertFinite(ctx, {
            'policy loss': r.policyLoss,
            'actor gradient norm': r.actorGradNorm,
            'value loss': r.valueLoss,
            'critic gradient norm': r.criticGradNorm,
            'new policy log-prob': r.logpNew,
            'new value': r.valuesNew,
            'clip fraction': r.clipfrac,
            'approximate KL': r.approxKl,
            'value clip fraction': r.valueClipfrac,
            "actor's learning rate": lr.actor,
            "critic's learning rate": lr.critic,
          });
          throw new Error(`${stage}: the optimiser refused the step at iteration ${iteration + 1} with every number finite (a bug)`);
        }
        if (iteration === 0 && k === 0 && run.onFirstMinibatch) {
          const dpoSequence = models.dpo ? await dpoSequenceLogRatio(models, rollout, options) : null;
          run.onFirstMinibatch({ rollout, targets, minibatch: mb, result: r, dpoSequenceLogRatio: dpoSequence });
        }
        results.push(r);
      }
      iteration += 1;
      episodes += perRollout;
      const seconds = (performance.now() - t0) / 1000;
      const values = iterationMetrics(rollout, targets, results);
      values.episodes = episodes;
      values['tokens/s'] = rollout.positions.length / seconds;
      if (iteration % s.evalEvery === 0 || iteration === s.iterations) {
        const e = await evaluate();
        Object.assign(values, evalMetrics(e));
      }
      run.onEvent?.({ type: 'metrics', stage, run: name, step: iteration, totalSteps: s.iterations, values });
      if (s.tokensEvery > 0 && (iteration % s.tokensEvery === 0 || iteration === 1 || iteration === s.iterations)) {
        const rows = await tokenRows(run, models, options, rewards, s, delimiters, `${run.seed}:tokens:${iteration}`);
        run.onEvent?.({ type: 'tokens', stage, run: name, step: iteration, rows });
      }
      if (every > 0 && iteration % every === 0 && iteration < s.iterations && run.onCheckpoint) {
        const state = await captureRlState({ iteration, step, episodes, actor, critic, actorAdam, criticAdam, rng, promptStream: promptStream.state(), history }, guard(iteration));
        run.onCheckpoint(state);
      }
    }
    const last = history[history.length - 1];
    const final = last && last.iteration === iteration ? last : await evaluate(false);
    return { params: actor, iterations: iteration, episodes, history, final, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    // A NonFiniteError takes the actor (never changed by the failing step) to its catcher; otherwise it is freed.
    if (!keepOnError(error, actor)) disposeParams(actor);
    throw error;
  } finally {
    if (critic) disposeParams(critic);
    actorAdam.dispose();
    criticAdam?.dispose();
  }
}

/** The actor (SFT without its head, or the saved actor), the critic (the RM, or the saved critic) and their Adams. */
function learnerOf(run: RlRun, resume: RlResumeState | undefined): { actor: Params; critic: Params | undefined; actorAdam: Adam; criticAdam: Adam | undefined } {
  const base = new Map([...run.sft.params].filter(([name]) => name !== 'head.w'));
  const made: Params[] = [];
  const adams: Adam[] = [];
  try {
    const actor = resume ? paramsFromBlobs('actor', base, resume.actor) : cloneParams(base);
    made.push(actor);
    let critic: Params | undefined;
    if (run.settings.estimator === 'gae') {
      critic = resume?.critic ? paramsFromBlobs('critic', run.rewardModel.params, resume.critic) : cloneParams(run.rewardModel.params);
      made.push(critic);
    }
    if (resume) {
      // Adam checks its moments too; these say whose they are.
      checkBlobs("actor's Adam first moment", actor, resume.actorAdam.m);
      checkBlobs("actor's Adam second moment", actor, resume.actorAdam.v);
      if (critic && resume.criticAdam) {
        checkBlobs("critic's Adam first moment", critic, resume.criticAdam.m);
        checkBlobs("critic's Adam second moment", critic, resume.criticAdam.v);
      }
    }
    const actorAdam = new Adam(actor, ADAM_DEFAULTS, resume?.actorAdam);
    adams.push(actorAdam);
    const criticAdam = critic ? new Adam(critic, ADAM_DEFAULTS, resume?.criticAdam ?? undefined) : undefined;
    return { actor, critic, actorAdam, criticAdam };
  } catch (error) {
    made.forEach(disposeParams);
    adams.forEach((a) => a.dispose());
    throw error;
  }
}

/** Endless seeded epochs over n items: next() returns the next index; state() and `from` save and restore the place. */
export function cycleEpochs(n: number, rng: Rng, from?: PromptStreamState): { next: () => number; state: () => PromptStreamState } {
  let order: number[] = from ? [...from.order] : [];
  let i = from?.index ?? 0;
  return {
    next: () => {
      if (i >= order.length) {
        order = epochOrder(n, () => rng.next());
        i = 0;
      }
      return order[i++] ?? 0;
    },
    state: () => ({ order: [...order], index: i }),
  };
}

/**
 * Heatmap rows: a small rollout on the first held-out prompts with every channel, advantages before whitening. A
 * group method samples each prompt G times (its advantages need the group) and shows the first response of each.
 */
async function tokenRows(run: RlRun, models: RlModels, options: SampleOptions, rewards: RewardSettings, s: RlSettings, delimiters: number[], seed: string): Promise<TokenRow[]> {
  const prompts = run.evalPrompts.slice(0, s.tokenRows);
  const G = s.group?.size ?? 1;
  const r = await collectRollout(models, prompts.flatMap((p) => Array.from({ length: G }, () => p)), options, createRng(seed));
  const t = rolloutTargets(r, rewards, s, delimiters);
  const words = (ids: readonly number[]) => run.task.tokenizer.decode(ids);
  return prompts.map((prompt, row) => {
    const b = row * G;
    const response = r.batch.responses[b] ?? [];
    const seq = (xs: Float32Array) => Array.from(ofSequence(r, xs, b));
    const tr = t.rewards[b]!;
    return {
      prompt: words(prompt.filter((id) => id !== 1)).join(' '),
      tokens: words(response),
      gold: run.task.goldReward(response),
      channels: {
        logpPolicy: seq(r.logpOld),
        logpRef: seq(r.logpRef),
        ...(r.logpDpo ? { logpDpo: seq(r.logpDpo) } : {}),
        dpo: tr.dpo,
        kl: tr.kl,
        score: tr.score,
        total: tr.total,
        value: seq(r.values),
        advantage: seq(t.advantages),
        ...(run.task.trueTokenRewards ? { trueReward: run.task.trueTokenRewards(prompt, response) } : {}),
      },
    };
  });
}
