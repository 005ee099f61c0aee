/**
 * One lab, for both shells: which models, pairs and runs exist, what each was built from (its settings key), and
 * what a change invalidates (a new SFT model makes the pairs, the reward model and DPO stale; new pairs make the
 * reward model and DPO stale). The page's worker and the CLI each hold one Lab and save it through a LabStore
 * (IndexedDB in the worker, a file under Node); both save, load and continue the same lab the same way.
 *
 * Owns its models' tensors. Every finished model is read back once, when it is set, so a save never touches the
 * device for them (only an unfinished RL run's state is read, by rl.ts, between iterations).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PresetName, Settings } from '../config';
import { disposeParams, paramsFromTensors, parameterSpecs, type GptConfig, type Params } from '../model/gpt';
import { dpoSettingsOf, modelOf, rmSettingsOf, sftSettingsOf } from '../stageSettings';
import type { Task, TaskName } from '../tasks/task';
import type { PreferencePair, PreferenceStats } from '../train/preferences';
import type { ScoreNorm } from '../train/rm';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot, type ModelBlob, type RunRecord } from './snapshot';

export interface LiveModel {
  params: Params;
  config: GptConfig;
  /** The same weights on the CPU side, for saves. */
  blob: ModelBlob;
}

export type ArtefactStage = 'sft' | 'prefs' | 'rm' | 'dpo';

/**
 * The settings a stage's output depends on, as one string; a stored artefact is reused only when its key equals
 * the key of the settings asked for. The task's vocabulary size and example counts are part of it (the data can
 * change under the same settings).
 */
export function artefactKey(stage: ArtefactStage, taskName: TaskName, task: Pick<Task, 'tokenizer' | 'train' | 'heldOut'>, s: Settings): string {
  const sft = { task: taskName, seed: s.seed, vocab: s.vocabSize, words: task.tokenizer.size, examples: [task.train.length, task.heldOut.length], ...modelOf(s), sft: sftSettingsOf(s, 0) };
  const prefs = { ...sft, prompts: s.prefPrompts, heldOut: s.prefHeldOutPrompts, tau: s.prefTemperature };
  if (stage === 'sft') return JSON.stringify(sft);
  if (stage === 'prefs') return JSON.stringify(prefs);
  return JSON.stringify({ ...prefs, [stage]: stage === 'rm' ? rmSettingsOf(s) : dpoSettingsOf(s) });
}

/** Reads a model's weights back into a blob (one read per tensor). */
export async function modelBlobOf(params: Params, config: GptConfig): Promise<ModelBlob> {
  const tensors = await Promise.all(
    [...params].map(async ([name, v]) => ({ name, shape: v.shape.slice(), data: (await v.data<'float32'>()).slice() })),
  );
  return { config: { ...config }, tensors };
}

/** Trainable variables from a blob, checked against the config's parameter list. */
export function paramsOfBlob(blob: ModelBlob, what: string): Params {
  const expected = parameterSpecs(blob.config);
  const byName = new Map(blob.tensors.map((t) => [t.name, t]));
  if (blob.tensors.length !== expected.length) throw new Error(`${what}: ${blob.tensors.length} tensors, its config needs ${expected.length}`);
  // Every tensor is checked before any is made, so a refused blob leaves nothing allocated.
  const blobs = expected.map((spec) => {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`${what}: tensor ${spec.name} is missing`);
    if (t.shape.join('x') !== spec.shape.join('x')) throw new Error(`${what}: tensor ${spec.name} has shape ${t.shape.join('×')}, its config needs ${spec.shape.join('×')}`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) throw new Error(`${what}: tensor ${spec.name} holds ${t.data.length} numbers, its shape needs ${size}`);
    return t;
  });
  const tensors: [string, tf.Tensor][] = blobs.map((t) => [t.name, tf.tensor(t.data, t.shape, 'float32')]);
  const params = paramsFromTensors(tensors);
  tf.dispose(tensors.map(([, t]) => t));
  return params;
}

async function live(params: Params, config: GptConfig): Promise<LiveModel> {
  return { params, config, blob: await modelBlobOf(params, config) };
}

export interface LabSft {
  key: string;
  summary: Record<string, unknown>;
  model: LiveModel;
}
export interface LabPairs {
  key: string;
  summary: Record<string, unknown>;
  train: PreferencePair[];
  heldOut: PreferencePair[];
  stats: { train: PreferenceStats; heldOut: PreferenceStats };
}
export interface LabRm {
  key: string;
  summary: Record<string, unknown>;
  model: LiveModel;
  norm: ScoreNorm;
}
export interface LabDpo {
  key: string;
  summary: Record<string, unknown>;
  model: LiveModel;
  beta: number;
  rto: { beta1: number; clip: number };
}

export interface LabIdentity {
  id: string;
  task: TaskName;
  preset: PresetName;
  vocab: readonly string[];
  appVersion: string;
}

export class Lab {
  id: string;
  task: TaskName;
  preset: PresetName;
  vocab: string[];
  appVersion: string;
  sft: LabSft | null = null;
  pairs: LabPairs | null = null;
  rm: LabRm | null = null;
  dpo: LabDpo | null = null;
  runs: RunRecord[] = [];

  constructor(identity: LabIdentity) {
    this.id = identity.id;
    this.task = identity.task;
    this.preset = identity.preset;
    this.vocab = [...identity.vocab];
    this.appVersion = identity.appVersion;
  }

  /** A new SFT model: everything built on the previous one (pairs, reward model, DPO) is dropped. */
  async setSft(params: Params, config: GptConfig, key: string, summary: Record<string, unknown>, vocab?: readonly string[]): Promise<void> {
    const model = await live(params, config);
    this.dropModels();
    this.disposeSft();
    this.pairs = null;
    if (vocab) this.vocab = [...vocab];
    this.sft = { key, summary, model };
  }

  /** New pairs make the reward model and DPO stale. */
  setPairs(pairs: LabPairs): void {
    this.dropModels();
    this.pairs = pairs;
  }

  async setRm(params: Params, config: GptConfig, norm: ScoreNorm, key: string, summary: Record<string, unknown>): Promise<void> {
    const model = await live(params, config);
    if (this.rm) disposeParams(this.rm.model.params);
    this.rm = { key, summary, model, norm };
  }

  async setDpo(params: Params, config: GptConfig, beta: number, rto: LabDpo['rto'], key: string, summary: Record<string, unknown>): Promise<void> {
    const model = await live(params, config);
    if (this.dpo) disposeParams(this.dpo.model.params);
    this.dpo = { key, summary, model, beta, rto };
  }

  /** Whether the stored artefact of a stage was built from these settings (the CLI's reuse). */
  holds(stage: ArtefactStage, key: string): boolean {
    const artefact = stage === 'sft' ? this.sft : stage === 'prefs' ? this.pairs : stage === 'rm' ? this.rm : this.dpo;
    return artefact !== null && artefact.key === key;
  }

  /** Adds or replaces a run's record (by runId). */
  putRun(record: RunRecord): void {
    const i = this.runs.findIndex((r) => r.runId === record.runId);
    if (i >= 0) this.runs[i] = record;
    else this.runs.push(record);
  }

  run(runId: string): RunRecord | undefined {
    return this.runs.find((r) => r.runId === runId);
  }

  snapshot(savedAt: Date = new Date()): LabSnapshot {
    return {
      format: LAB_FORMAT,
      version: LAB_VERSION,
      appVersion: this.appVersion,
      savedAt: savedAt.toISOString(),
      id: this.id,
      task: this.task,
      preset: this.preset,
      vocab: [...this.vocab],
      sft: this.sft && { key: this.sft.key, summary: this.sft.summary, model: this.sft.model.blob },
      pairs: this.pairs && { key: this.pairs.key, summary: this.pairs.summary, train: this.pairs.train, heldOut: this.pairs.heldOut, stats: this.pairs.stats },
      rm: this.rm && { key: this.rm.key, summary: this.rm.summary, model: this.rm.model.blob, norm: this.rm.norm },
      dpo: this.dpo && { key: this.dpo.key, summary: this.dpo.summary, model: this.dpo.model.blob, beta: this.dpo.beta, rto: this.dpo.rto },
      runs: this.runs.map((r) => ({ ...r, events: [...r.events] })),
    };
  }

  /** A lab from a snapshot (validated by labFile.ts): fresh variables for every model. */
  static fromSnapshot(s: LabSnapshot): Lab {
    const lab = new Lab({ id: s.id, task: s.task, preset: s.preset, vocab: s.vocab, appVersion: s.appVersion });
    const made: Params[] = [];
    const revive = (blob: ModelBlob, what: string): LiveModel => {
      const params = paramsOfBlob(blob, what);
      made.push(params);
      return { params, config: blob.config, blob };
    };
    try {
      if (s.sft) lab.sft = { key: s.sft.key, summary: s.sft.summary, model: revive(s.sft.model, 'the SFT model') };
      if (s.pairs) lab.pairs = { key: s.pairs.key, summary: s.pairs.summary, train: s.pairs.train, heldOut: s.pairs.heldOut, stats: s.pairs.stats };
      if (s.rm) lab.rm = { key: s.rm.key, summary: s.rm.summary, model: revive(s.rm.model, 'the reward model'), norm: s.rm.norm };
      if (s.dpo) lab.dpo = { key: s.dpo.key, summary: s.dpo.summary, model: revive(s.dpo.model, 'the DPO model'), beta: s.dpo.beta, rto: s.dpo.rto };
    } catch (error) {
      made.forEach(disposeParams);
      throw error;
    }
    lab.runs = s.runs.map((r) => ({ ...r, events: [...r.events] }));
    return lab;
  }

  /** Frees every model's tensors (the lab is being replaced). */
  dispose(): void {
    this.dropModels();
    this.disposeSft();
  }

  private dropModels(): void {
    if (this.rm) disposeParams(this.rm.model.params);
    if (this.dpo) disposeParams(this.dpo.model.params);
    this.rm = null;
    this.dpo = null;
  }

  private disposeSft(): void {
    if (this.sft) disposeParams(this.sft.model.params);
    this.sft = null;
  }
}

/** Where a shell keeps its labs: IndexedDB in the worker (src/worker/idbLabStore.ts), a folder under Node. */
export interface LabStore {
  /** Atomic: a save that fails half-way leaves the previous save of that id as it was. */
  save(snapshot: LabSnapshot): Promise<{ bytes: number }>;
  load(id: string): Promise<LabSnapshot | null>;
  list(): Promise<SavedLabInfo[]>;
  remove(id: string): Promise<void>;
}

export interface SavedLabInfo {
  id: string;
  savedAt: string;
  task: TaskName;
  preset: PresetName;
  /** The stages the lab holds, in chain order, and its runs. */
  stages: string[];
  runs: number;
  /** Whether a run can be continued. */
  unfinished: number;
  bytes: number;
}
