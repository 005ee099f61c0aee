/**
 * The stages after SFT in the page: preference pairs, reward model, DPO, and the PPO / RTO runs. Each stage uses
 * what the worker already holds (the SFT model in session.ts, the rest in chain.ts) and says plainly what is
 * missing. Events go out as `stage` events with the run's id; the maths is src/lab's.
 */
import { resolveSettings } from '../lab/config';
import { taskSampleOptions } from '../lab/model/sample';
import { dpoSettingsOf, preferenceSettingsOf, rlPromptsOf, rlSettingsOf, rmSettingsOf } from '../lab/stageSettings';
import type { Task } from '../lab/tasks/task';
import { evaluateDpo, trainDpoPolicy } from '../lab/train/dpo';
import { referenceLogProbs } from '../lab/train/pairLogProbs';
import { makePreferencePairs } from '../lab/train/preferences';
import { trainRl } from '../lab/train/rl';
import { evaluateLikeRl, sftBaseline } from '../lab/train/rlBaseline';
import { trainRewardModel } from '../lab/train/rm';
import { artefactKey } from '../lab/lab/lab';
import { methodOf } from '../lab/train/methods';
import type { RlResumeState } from '../lab/lab/snapshot';
import { getChain } from './chain';
import { currentLab, recordCheckpoint } from './labSession';
import { RunCancelled, type JobContext } from './jobContext';
import type { RunJob, RunResult, StageSummary } from './protocol';
import { getSftModel, taskOfSft, type TrainedModel } from './session';

type StageJob = Extract<RunJob, { kind: 'stage' }>;

const NEEDS = {
  sft: 'an SFT model: train one in Stage 1 or load a checkpoint',
  pairs: 'preference pairs: run the Preferences stage first',
  rm: 'a reward model: run the Reward-model stage first',
  dpo: 'a DPO model: run the DPO stage first',
};

function need<T>(x: T | null | undefined, what: keyof typeof NEEDS): T {
  if (x === null || x === undefined) throw new Error(`this stage needs ${NEEDS[what]}`);
  return x;
}

export async function runStage(ctx: JobContext, job: StageJob, resume: RlResumeState | null = null): Promise<RunResult> {
  const sft: TrainedModel = need(getSftModel(), 'sft');
  // The task (vocabulary, split) is the one the SFT model was trained on; the stage's own settings come from the job.
  const task = await taskOfSft(sft, job.dataUrl);
  const settings = resolveSettings(job.preset, { ...job.overrides, vocabSize: sft.summary.settings.vocabSize }, sft.summary.task);
  const started = performance.now();
  const forward = (event: Parameters<NonNullable<Parameters<typeof trainRl>[0]['onEvent']>>[0]) => {
    ctx.post({ type: 'stage', runId: ctx.runId, event });
    if (event.type === 'metrics') ctx.post({ type: 'runProgress', runId: ctx.runId, done: event.step, total: event.totalSteps, label: `${event.stage === 'ppo' || event.stage === 'rto' ? 'iteration' : 'step'} ${event.step}` });
  };
  const { values, reportPending } = await stageValues(ctx, job, task, sft, settings, forward, resume);
  const summary: StageSummary = { stage: job.stage, seconds: (performance.now() - started) / 1000, values, ...(reportPending ? { reportPending } : {}) };
  return { kind: 'stage', ...summary };
}

/**
 * What a DPO report needs that its worker computes once, the SFT reference's log-probs of the training pairs: the lab
 * worker has them at hand and hands them to the side worker with the report, which would otherwise compute them again
 * (its copy of the lab has models of its own, so its caches miss). SFT's evaluation goes along as any side command's
 * does (sideRuns.ts, handedBaselines).
 */
export interface DpoReportGiven {
  reference: Float32Array;
}

/** The models a DPO report reads, from this worker's SFT model and lab. */
async function reportModels(job: StageJob) {
  const sft: TrainedModel = need(getSftModel(), 'sft');
  const task = await taskOfSft(sft, job.dataUrl);
  const settings = resolveSettings(job.preset, { ...job.overrides, vocabSize: sft.summary.settings.vocabSize }, sft.summary.task);
  const chain = getChain();
  const dpo = need(chain.dpo, 'dpo');
  return { task, settings, pairs: need(chain.pairs, 'pairs'), dpo, model: { params: sft.params, config: sft.config }, policy: { params: dpo.params, config: dpo.config } };
}

/**
 * DpoReportGiven from this worker's cache (referenceLogProbs), computed if it misses; SFT's evaluation is computed
 * too (sftBaseline), so that it is among the baselines handed to the side worker with the report.
 */
export async function dpoReportGiven(job: StageJob): Promise<DpoReportGiven> {
  const { task, settings, pairs, model, policy } = await reportModels(job);
  const reference = await referenceLogProbs(model.params, policy.config, pairs.train, taskSampleOptions(task));
  await sftBaseline(task, model, rlPromptsOf(task, settings).evalPrompts, settings.seed);
  return { reference };
}

/**
 * What the DPO card adds to its training's numbers: the final policy's accuracy on all training pairs, and the policy
 * evaluated like PPO and RTO (the same held-out prompts and seed), the line the RL curves are drawn against next to
 * SFT's. Made from the lab's models and `given`, so the lab worker and its side worker give the same numbers
 * (sideRuns.ts, reportBeside).
 */
export async function dpoReport(job: StageJob, given: DpoReportGiven): Promise<Record<string, number>> {
  const { task, settings, pairs, dpo, model, policy } = await reportModels(job);
  const train = await evaluateDpo(policy.params, policy.config, pairs.train, given.reference, dpo.beta, taskSampleOptions(task));
  const { evalPrompts } = rlPromptsOf(task, settings);
  const baseline = await sftBaseline(task, model, evalPrompts, settings.seed);
  const e = await evaluateLikeRl(task, policy, model, evalPrompts, settings.seed, baseline);
  return { trainAccuracy: train.accuracy, gold: e.gold, sftGold: baseline.evaluation.gold, winRate: e.winRate, kl: e.kl, length: e.length, sftLength: baseline.evaluation.length };
}

async function stageValues(
  ctx: JobContext,
  job: StageJob,
  task: Task,
  sft: TrainedModel,
  settings: ReturnType<typeof resolveSettings>,
  forward: NonNullable<Parameters<typeof trainRl>[0]['onEvent']>,
  resume: RlResumeState | null,
): Promise<{ values: Record<string, number>; reportPending?: boolean }> {
  const chain = getChain();
  const lab = currentLab();
  if (!lab) throw new Error(`this stage needs ${NEEDS.sft}`);
  const key = (stage: 'prefs' | 'rm' | 'dpo') => artefactKey(stage, task.name, task, settings);
  const model = { params: sft.params, config: sft.config };
  switch (job.stage) {
    case 'preferences': {
      const progress = (what: string, offset: number, total: number) => (done: number) => {
        if (ctx.cancelled()) throw new RunCancelled();
        ctx.post({ type: 'runProgress', runId: ctx.runId, done: offset + done, total, label: `${what} prompts ${done}` });
      };
      const trainPrompts = task.train.slice(0, settings.prefPrompts).map((e) => e.prompt);
      const heldOutPrompts = task.heldOut.slice(0, settings.prefHeldOutPrompts).map((e) => e.prompt);
      const total = trainPrompts.length + heldOutPrompts.length;
      const s = preferenceSettingsOf(settings);
      // The same seeds as the CLI's chain, so a page run and `npm run lab -- prefs` make the same pairs.
      const train = await makePreferencePairs(task, model, trainPrompts, s, `${settings.seed}:train`, progress('train', 0, total), ctx.pauseGate);
      const heldOut = await makePreferencePairs(task, model, heldOutPrompts, s, `${settings.seed}:held-out`, progress('held-out', trainPrompts.length, total), ctx.pauseGate);
      const values = { pairs: train.stats.pairs, heldOutPairs: heldOut.stats.pairs, tieRate: train.stats.tieRate, agreement: train.stats.agreement };
      lab.setPairs({ key: key('prefs'), summary: { ...values, settings }, train: train.pairs, heldOut: heldOut.pairs, stats: { train: train.stats, heldOut: heldOut.stats } });
      return { values: { pairs: train.stats.pairs, heldOutPairs: heldOut.stats.pairs, tieRate: train.stats.tieRate, agreement: train.stats.agreement } };
    }
    case 'rm': {
      const pairs = need(chain.pairs, 'pairs');
      const r = await trainRewardModel({ sft: model, train: pairs.train, heldOut: pairs.heldOut, settings: rmSettingsOf(settings), seed: settings.seed, onEvent: forward, shouldStop: ctx.cancelled, pauseGate: ctx.pauseGate });
      const values = { heldOutAccuracy: r.heldOut.accuracy, trainAccuracy: r.train.accuracy, scoreMean: r.norm.mean, scoreStd: r.norm.std, steps: r.steps };
      await lab.setRm(r.params, r.config, r.norm, key('rm'), { ...values, settings });
      return { values };
    }
    case 'dpo': {
      const pairs = need(chain.pairs, 'pairs');
      const r = await trainDpoPolicy({ sft: model, train: pairs.train, heldOut: pairs.heldOut, settings: dpoSettingsOf(settings), actionSpace: taskSampleOptions(task), seed: settings.seed, onEvent: forward, shouldStop: ctx.cancelled, pauseGate: ctx.pauseGate });
      await lab.setDpo(r.params, r.config, settings.dpoBeta, { beta1: settings.beta1, clip: settings.rtoClip }, key('dpo'), { heldOutAccuracy: r.heldOut.accuracy, heldOutMargin: r.heldOut.margin, steps: r.steps, settings });
      const trained = { heldOutAccuracy: r.heldOut.accuracy, heldOutMargin: r.heldOut.margin, steps: r.steps };
      // The report on the policy: in the side worker when it can take it (RTO, which needs only the policy, then
      // starts here at once), else here.
      const given = await dpoReportGiven(job);
      if (ctx.reportBeside?.(job, given)) return { values: trained, reportPending: true };
      return { values: { ...trained, ...(await dpoReport(job, given)) } };
    }
    case 'ppo':
    case 'rto': {
      const rm = need(chain.rm, 'rm');
      // The PPO card runs PPO; the method card the method of the table it names (RTO by default).
      const method = methodOf(job.method ?? job.stage);
      const dpo = method.needsDpo ? need(chain.dpo, 'dpo') : chain.dpo;
      const { prompts, evalPrompts } = rlPromptsOf(task, settings);
      const baseline = await sftBaseline(task, model, evalPrompts, settings.seed);
      const r = await trainRl({
        task,
        sft: model,
        rewardModel: rm,
        dpo: dpo ?? undefined,
        settings: rlSettingsOf(settings, method.name),
        seed: settings.seed,
        prompts,
        evalPrompts,
        baseline,
        onEvent: forward,
        shouldStop: ctx.cancelled,
        pauseGate: ctx.pauseGate,
        // Autosave: the run's state every autosaveEvery iterations, kept with its record and saved (labSession.ts).
        checkpointEvery: settings.autosaveEvery,
        onCheckpoint: (state) => (ctx.checkpoint ? ctx.checkpoint(state) : recordCheckpoint(ctx.runId, state)),
        ...(resume ? { resume } : {}),
      });
      r.params.forEach((v) => v.dispose());
      return { values: { gold: r.final.gold, sftGold: baseline.evaluation.gold, winRate: r.final.winRate, kl: r.final.kl, length: r.final.length, sftLength: baseline.evaluation.length, episodes: r.episodes, iterations: r.iterations } };
    }
  }
}
