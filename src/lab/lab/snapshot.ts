/**
 * What a lab is, as data: every model's weights, the preference pairs, the reward model's normalisation, the
 * settings each artefact was built from, and every run's recorded events (and, for an unfinished RL run, the state
 * it continues from). The one shape that the page's autosave (IndexedDB), the lab file (labFile.ts) and the CLI's
 * lab folder all store; labFile.ts validates it. Plain data only: no tensors, no DOM, no worker globals.
 */
import type { PresetName } from '../config';
import type { GptConfig } from '../model/gpt';
import type { TaskName } from '../tasks/task';
import type { PreferencePair, PreferenceStats } from '../train/preferences';
import type { ScoreNorm } from '../train/rm';

export const LAB_FORMAT = 'rto-lab/lab';
export const LAB_VERSION = 1;

/** One parameter (or optimiser moment), row-major float32. */
export interface TensorBlob {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A model's config and every parameter, in parameterSpecs(config) order. */
export interface ModelBlob {
  config: GptConfig;
  tensors: TensorBlob[];
}

/** Adam's state (optim.ts): the step count and the two moments of every parameter, in the params' order. */
export interface AdamState {
  t: number;
  m: TensorBlob[];
  v: TensorBlob[];
}

/** A mulberry32 generator's whole state (rng.ts). */
export interface RngState {
  state: number;
  spareNormal: number | null;
}

/** An RL run between two iterations: everything trainRl needs to go on as if it had never stopped. */
export interface RlResumeState {
  /** Iterations done (the next one to run is iteration + 1), optimiser steps done, episodes seen. */
  iteration: number;
  step: number;
  episodes: number;
  actor: TensorBlob[];
  critic: TensorBlob[] | null;
  actorAdam: AdamState;
  criticAdam: AdamState | null;
  rng: RngState;
  /** The seeded epoch order over the prompt set and the position in it (rl.ts, cycleEpochs). */
  promptStream: { order: number[]; index: number };
  /** Every evaluation so far (RlEvaluationPoint: iteration, episodes, gold, goldSe, winRate, winRateSe, kl, length). */
  history: Record<string, number>[];
}

/** A stage's artefact with the settings key it was built from (what a change of settings invalidates). */
interface Built {
  /** JSON of the settings the artefact depends on (lab.ts, artefactKey); a stage is reused only when they match. */
  key: string;
  /** The stage's headline numbers and its settings, as the shells report them (JSON values only). */
  summary: Record<string, unknown>;
}

export interface LabSnapshot {
  format: typeof LAB_FORMAT;
  version: typeof LAB_VERSION;
  /** package.json's version of the app that wrote it. */
  appVersion: string;
  /** ISO date of the save. */
  savedAt: string;
  /** A stable id (the autosave slot); a downloaded file keeps it. */
  id: string;
  task: TaskName;
  preset: PresetName;
  /** The task's vocabulary, by token id, specials first: every model and pair in the lab is in it. */
  vocab: string[];
  sft: (Built & { model: ModelBlob }) | null;
  pairs: (Built & { train: PreferencePair[]; heldOut: PreferencePair[]; stats: { train: PreferenceStats; heldOut: PreferenceStats } }) | null;
  rm: (Built & { model: ModelBlob; norm: ScoreNorm }) | null;
  /** `beta`: the β it was trained with; `rto`: RTO's β1 and clip c of that job (the Score panel's RTO term). */
  dpo: (Built & { model: ModelBlob; beta: number; rto: { beta1: number; clip: number } }) | null;
  runs: RunRecord[];
}

export interface RunRecord {
  runId: string;
  /** The job as the shell posted it (the worker's RunJob; JSON). */
  job: Record<string, unknown>;
  status: 'running' | 'finished' | 'failed' | 'cancelled';
  /** The run's events in order, as the page received them (protocol Events; JSON, NaN written as null). */
  events: Record<string, unknown>[];
  /** For an RL run stopped between iterations (a reload, a crash): where it goes on from. */
  resume: RlResumeState | null;
}
