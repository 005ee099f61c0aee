/**
 * Expected time of a stage before it runs: the benchmark's measured per-unit costs on a backend
 * (expectedTimeFigures.json, written by `npm run bench -- --write-estimates` and `npm run bench:browser --
 * --write-estimates`, never by hand) times the stage's units from its settings. Pure: no DOM, no worker.
 *
 * The costs were measured on given model shapes and tasks (one entry per prepared lab the benchmark ran on); a stage
 * with another model shape, task or a method the benchmark did not time gets no estimate rather than a guess. Batch sizes and prompt counts scale
 * the measured cost linearly (a step's work is linear in its rows).
 */
import { resolveSettings, type PresetName, type Settings } from '../lab/config';
import { modelOf } from '../lab/stageSettings';
import type { TaskName } from '../lab/tasks/task';
import FIGURES_JSON from './expectedTimeFigures.json';

/** Per-unit costs in ms, as the benchmark's rows keyed for this module (scripts/bench/core.ts). */
export interface UnitCosts {
  sftStep: number;
  sftEval: number;
  sftSamples: number;
  preferencesPer1000: number;
  rmStep: number;
  rmPairsPer1000: number;
  dpoStep: number;
  dpoPairsPer1000: number;
  'rlIteration.ppo': number;
  'rlIteration.rto': number;
  rlEval: number;
}

export const UNIT_KEYS: readonly (keyof UnitCosts)[] = ['sftStep', 'sftEval', 'sftSamples', 'preferencesPer1000', 'rmStep', 'rmPairsPer1000', 'dpoStep', 'dpoPairsPer1000', 'rlIteration.ppo', 'rlIteration.rto', 'rlEval'];

export interface BackendFigures {
  /** Where it was measured: "node" (tsx, tfjs-wasm) or "chromium" (the page's worker code in headless Chromium). */
  shell: string;
  /** e.g. "a 2-core machine". */
  machine: string;
  date: string;
  /** The machine's load average (1, 5, 15 min) when the benchmark started: others' work slows every figure. */
  loadAverage?: string;
  task: TaskName;
  model: { layers: number; heads: number; width: number; vocabSize: number };
  /** The settings the costs were measured at (the linear scaling's base). */
  at: { sftBatch: number; rmBatch: number; dpoBatch: number; rlPrompts: number; rlMinibatches: number; rlEvalPrompts: number };
  /** Train pairs per preference prompt in the measured lab (ties make no pair): turns prompts into RM/DPO steps. */
  pairsPerPrompt: number;
  ms: UnitCosts;
}

/** Per backend, one entry per measured task and model shape (the small preset's prepared lab, the tiny one's). */
export interface Figures {
  backends: Partial<Record<string, BackendFigures[]>>;
}

/** A model shape as the figures name it: the stage settings' model and the vocabulary it was built with. */
export const measuredShapeOf = (s: Settings): BackendFigures['model'] => ({ ...modelOf(s), vocabSize: s.vocabSize });
export const sameModel = (a: BackendFigures['model'], b: BackendFigures['model']): boolean => a.layers === b.layers && a.heads === b.heads && a.width === b.width && a.vocabSize === b.vocabSize;
const describeModel = (m: BackendFigures['model']) => `${m.layers} layer${m.layers === 1 ? '' : 's'}, width ${m.width}`;

export const FIGURES = FIGURES_JSON as Figures;

export type EstimatedStage = 'sft' | 'preferences' | 'rm' | 'dpo' | 'ppo' | 'rto';

const RM_DPO_EVAL_EVERY = 50; // stageSettings.ts: rmSettingsOf / dpoSettingsOf
const evaluations = (units: number, every: number) => (units <= 0 ? 0 : Math.ceil(units / Math.max(1, every)));

export interface StageContext {
  task: TaskName;
  /** The RL card's method (methods.ts); the ppo card is 'ppo'. Only PPO and RTO (and their reward ablations on the same loop) were timed. */
  method?: string;
  /** Train and held-out pairs when the lab already holds them (otherwise estimated from the prompts). */
  pairs?: { train: number; heldOut: number };
  /**
   * Two stages can run at once here: DPO's report (its pass over the training pairs) is then made in the second
   * worker after the stage has ended (src/worker/sideRuns.ts, reportBeside), and is not part of its time.
   */
  reportBeside?: boolean;
}

/** Why there is no estimate, or the expected seconds. */
export type Estimate = { seconds: number; figures: BackendFigures } | { none: string };

export function expectedSeconds(stage: EstimatedStage, s: Settings, backend: string, ctx: StageContext, figures: Figures = FIGURES): Estimate {
  const all = figures.backends[backend] ?? [];
  if (!all.length) return { none: `no estimate for ${backend} yet` };
  const ofTask = all.filter((x) => x.task === ctx.task);
  if (!ofTask.length) return { none: `no estimate for the ${ctx.task} task on ${backend} yet` };
  const f = ofTask.find((x) => sameModel(x.model, measuredShapeOf(s)));
  if (!f) return { none: `no estimate for this model size on ${backend} yet (measured: ${ofTask.map((x) => describeModel(x.model)).join('; ')})` };
  const c = f.ms;
  const pairs = ctx.pairs ?? { train: Math.round(s.prefPrompts * f.pairsPerPrompt), heldOut: Math.round(s.prefHeldOutPrompts * f.pairsPerPrompt) };
  let ms: number;
  switch (stage) {
    case 'sft':
      ms = s.sftSteps * c.sftStep * (s.sftBatch / f.at.sftBatch) + evaluations(s.sftSteps, s.sftEvalEvery) * c.sftEval + evaluations(s.sftSteps, s.sftSampleEvery) * c.sftSamples;
      break;
    case 'preferences':
      ms = ((s.prefPrompts + s.prefHeldOutPrompts) / 1000) * c.preferencesPer1000;
      break;
    case 'rm': {
      const steps = s.rmEpochs * Math.ceil(pairs.train / s.rmBatch);
      const scored = evaluations(steps, RM_DPO_EVAL_EVERY) * pairs.heldOut + pairs.train + pairs.heldOut;
      ms = steps * c.rmStep * (s.rmBatch / f.at.rmBatch) + (scored / 1000) * c.rmPairsPer1000;
      break;
    }
    case 'dpo': {
      const steps = s.dpoEpochs * Math.ceil(pairs.train / s.dpoBatch);
      // The reference's pass over every pair once, the held-out evaluations, and the closing held-out one and the
      // train one (the report's, unless it is made beside).
      const passes = pairs.train + pairs.heldOut + evaluations(steps, RM_DPO_EVAL_EVERY) * pairs.heldOut + pairs.heldOut + (ctx.reportBeside ? 0 : pairs.train);
      ms = steps * c.dpoStep * (s.dpoBatch / f.at.dpoBatch) + (passes / 1000) * c.dpoPairsPer1000;
      break;
    }
    case 'ppo':
    case 'rto': {
      const method = stage === 'ppo' ? 'ppo' : (ctx.method ?? 'rto');
      const iteration = method === 'ppo' ? c['rlIteration.ppo'] : method === 'rto' ? c['rlIteration.rto'] : null;
      if (iteration === null) return { none: `no estimate for ${method} on ${backend} yet` };
      // The SFT baseline, iteration 0's evaluation, then one every rlEvalEvery iterations and at the end.
      const evals = 2 + evaluations(s.rlIterations, s.rlEvalEvery);
      ms = s.rlIterations * iteration * (s.rlPrompts / f.at.rlPrompts) + evals * c.rlEval * (s.rlEvalPrompts / f.at.rlEvalPrompts);
      break;
    }
  }
  return { seconds: ms / 1000, figures: f };
}

/** "about 1 min 20 s", "about 8 s", "under 1 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 1) return 'under 1 s';
  const s = seconds < 60 ? Math.round(seconds) : Math.round(seconds / 10) * 10;
  const min = Math.floor(s / 60);
  const rest = s % 60;
  return `about ${min > 0 ? `${min} min${rest ? ` ${rest} s` : ''}` : `${rest} s`}`;
}

/** The stage card's line: "about 1 min 20 s on wasm (measured on a 2-core machine)", or why there is none. */
export function expectedTimeLine(stage: EstimatedStage, s: Settings, backend: string | null, ctx: StageContext, figures: Figures = FIGURES): string {
  if (!backend) return 'expected time: once a backend is chosen';
  const e = expectedSeconds(stage, s, backend, ctx, figures);
  if ('none' in e) return e.none;
  return `${formatDuration(e.seconds)} on ${backend} (measured on ${e.figures.machine}${e.figures.shell === 'node' ? ', under Node' : ''})`;
}

/** The line for a card from the page's setup (preset, overrides, task); settings that do not validate get none. */
export function setupExpectedLine(stage: EstimatedStage, preset: PresetName, overrides: Partial<Record<string, number>>, backend: string | null, ctx: StageContext): string {
  let s: Settings;
  try {
    s = resolveSettings(preset, overrides, ctx.task);
  } catch {
    return 'no estimate while a setting is invalid';
  }
  return expectedTimeLine(stage, s, backend, ctx);
}
