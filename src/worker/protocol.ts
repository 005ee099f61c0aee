/**
 * The only contract between the UI and the lab worker (after vinhowe/piston's train/protocol.ts).
 * Commands go UI → worker, events worker → UI. Request/response pairs share a `requestId`; everything a run
 * emits carries its `runId`. Console warnings/errors and uncaught errors inside the worker arrive as events.
 */
import type { BackendChoice, BackendName, ProbeRecord } from './backendChoice';
import type { OpComparison } from '../lab/checks/opSuite';
import type { PresetName, Settings } from '../lab/config';
import type { StageEvent } from '../lab/events';
import type { TaskName } from '../lab/tasks/task';
import type { TextScore } from '../lab/eval/scoreText';
import type { SavedLabInfo } from '../lab/lab/lab';
import type { MethodName } from '../lab/train/methods';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A software rasteriser (SwiftShader) rather than a GPU. */
  isFallbackAdapter: boolean;
}

export interface BackendInfo {
  backend: BackendName;
  /** Present when backend is webgpu. */
  adapter: AdapterInfo | null;
  /** Present when backend is wasm. */
  wasm: { simd: boolean; threads: boolean; threadsWhy: string } | null;
  /** How long setBackend + tf.ready took, in ms. */
  initMs: number;
}

export interface BackendSelection {
  choice: BackendChoice;
  info: BackendInfo;
  /** Why this backend: "forced by the address bar", or auto's probe summary. */
  reason: string;
  /** The probe behind an auto choice (null when forced). */
  probe: ProbeRecord | null;
  probeFromCache: boolean;
}

/** The stages after SFT, each run on the models the worker already holds (rlhfJobs.ts). */
export type RlhfStage = 'preferences' | 'rm' | 'dpo' | 'ppo' | 'rto';
export const RLHF_STAGES: readonly RlhfStage[] = ['preferences', 'rm', 'dpo', 'ppo', 'rto'];

/** Jobs a run can do. */
export type RunJob =
  | { kind: 'backendCheck' }
  /** SFT on a task; `dataUrl` is where the app serves public/data/brown.json (the sentiment task's corpus). */
  | { kind: 'sft'; task: TaskName; preset: PresetName; overrides: Partial<Settings>; dataUrl: string }
  /** A later stage on the worker's SFT model (and, as the stage needs them, its pairs, reward model and DPO model). */
  /** `method`: for the RL stages, which method of the table (src/lab/train/methods.ts) the run trains; the stage's own by default. */
  | { kind: 'stage'; stage: RlhfStage; preset: PresetName; overrides: Partial<Settings>; dataUrl: string; method?: MethodName };

/** A finished later stage: its headline numbers (held-out accuracy, final gold reward, …) by name. */
export interface StageSummary {
  stage: RlhfStage;
  seconds: number;
  values: Record<string, number>;
  /** It ran in the side worker, beside another stage (sideRuns.ts); kept with the run, so a reopened lab says so too. */
  beside?: boolean;
  /**
   * Its report (DPO's train accuracy and its policy's evaluation) is being computed in the side worker while the next
   * stage runs here; a runReport event brings its values (sideRuns.ts, reportBeside).
   */
  reportPending?: boolean;
}

/** What a finished SFT run (or an imported SFT checkpoint) amounts to. */
export interface SftSummary {
  /** The task the model was trained on; later stages use the same task. */
  task: TaskName;
  /** The size preset it was trained with: the page's setup follows it when a lab, checkpoint or the Quick demo loads. */
  preset: PresetName;
  steps: number;
  stopped: boolean;
  heldOutLoss: number;
  heldOutPerplexity: number;
  unigramLoss: number;
  parameters: number;
  seconds: number;
  settings: Settings;
  backend: string;
}

export type RunResult = ({ kind: 'backendCheck' } & BackendCheckResult) | ({ kind: 'sft' } & SftSummary) | ({ kind: 'stage' } & StageSummary);

export interface BackendCheckResult {
  backend: BackendName;
  reference: 'cpu';
  comparisons: OpComparison[];
  /** Worst difference over every op, forward and gradient. */
  maxAbsDiff: number;
  elapsedMs: number;
}

export type Command =
  | { type: 'selectBackend'; requestId: string; choice: BackendChoice; cachedProbe: unknown }
  | { type: 'getMemory'; requestId: string }
  | { type: 'exportCheckpoint'; requestId: string; stage: 'sft' }
  | { type: 'importCheckpoint'; requestId: string; stage: 'sft'; bytes: ArrayBuffer; dataUrl: string }
  /** The Quick demo: the SFT checkpoint and preference pairs the app ships (made by `npm run lab -- quick-assets`). */
  | { type: 'loadQuickDemo'; requestId: string; sftUrl: string; pairsUrl: string; dataUrl: string }
  /** The page starts empty: fetch the Quick demo's files and build its task now, so its click finds them ready (no answer). */
  | { type: 'prepareQuickDemo'; sftUrl: string; pairsUrl: string; dataUrl: string }
  /** The labs saved in this browser (IndexedDB), newest first. */
  | { type: 'listLabs'; requestId: string }
  /**
   * Makes a lab the worker's: a saved one by id (null: the newest), or a lab file's bytes, or one at a URL (`#lab=`).
   * Validated whole before anything changes; an opened file is also saved.
   */
  | { type: 'openLab'; requestId: string; source: { kind: 'saved'; id: string | null } | { kind: 'file'; bytes: ArrayBuffer; name: string } | { kind: 'url'; url: string }; dataUrl: string }
  | { type: 'deleteLab'; requestId: string; id: string }
  /** Start fresh: the worker drops its lab (saved labs stay saved). */
  | { type: 'closeLab'; requestId: string }
  /** The current lab as one lab file. */
  | { type: 'exportLab'; requestId: string }
  /** Goes on with an RL run of the open lab from its last checkpoint, under the same runId. */
  | { type: 'continueRun'; runId: string }
  /** Typed text scored token by token by the chain's DPO model, reward model and the gold reward. */
  | { type: 'scoreText'; requestId: string; prompt: string; response: string; dataUrl: string }
  /** The SFT model's vocabulary and the task's lengths, so the Score panel can mark unknown words as they are typed. */
  | { type: 'vocabulary'; requestId: string; dataUrl: string }
  | { type: 'startRun'; runId: string; job: RunJob }
  | { type: 'cancelRun'; runId: string }
  /** Holds the run before its next step (the model and optimiser state stay as they are) until resumed. */
  | { type: 'pauseRun'; runId: string }
  | { type: 'resumeRun'; runId: string };

export type Event =
  | { type: 'workerReady' }
  /** Every second, so the page can tell a worker that stopped (crashed, killed) from a busy one. */
  | { type: 'heartbeat' }
  /** `stagesAtOnce`: 2 when a stage can run beside another in a second worker (sideRuns.ts), else 1. */
  | { type: 'backendSelected'; requestId: string; selection: BackendSelection; stagesAtOnce: number }
  | { type: 'memory'; requestId: string; backend: string; numTensors: number; numBytes: number }
  | { type: 'requestFailed'; requestId: string; message: string }
  /** `beside`: the run goes on in the side worker, beside another (sideRuns.ts). */
  | { type: 'runStarted'; runId: string; job: RunJob; backend: BackendName; beside?: boolean }
  | { type: 'runProgress'; runId: string; done: number; total: number; label: string }
  | { type: 'runFinished'; runId: string; result: RunResult }
  /** The values of a finished stage's report made after it (reportPending), to add to its summary. */
  | { type: 'runReport'; runId: string; values: Record<string, number> }
  | { type: 'stage'; runId: string; event: StageEvent }
  | { type: 'checkpointExported'; requestId: string; bytes: ArrayBuffer; fileName: string }
  | { type: 'checkpointImported'; requestId: string; summary: SftSummary }
  | { type: 'quickDemoLoaded'; requestId: string; summary: SftSummary; pairs: StageSummary }
  | { type: 'textScored'; requestId: string; score: TextScore }
  /** `words`: the vocabulary typed text is encoded with (the SFT model's task), by token id, specials first; a response holds at most `horizon` tokens, <eos> included. */
  | { type: 'vocabulary'; requestId: string; task: TaskName; words: string[]; horizon: number; maxPromptWords: number }
  | { type: 'labList'; requestId: string; labs: SavedLabInfo[] }
  /** `runs`: the lab's runs to replay in the page, in order; `resumable`: the runIds that can be continued, with the iteration each goes on from. */
  | { type: 'labOpened'; requestId: string; info: SavedLabInfo; runs: LabRunReplay[]; resumable: { runId: string; iteration: number }[]; sft: SftSummary }
  | { type: 'labDeleted'; requestId: string; id: string }
  | { type: 'labClosed'; requestId: string }
  | { type: 'labExported'; requestId: string; bytes: ArrayBuffer; fileName: string }
  /** An autosave finished: the lab's id, the file's size and how long encoding and storing took. */
  | { type: 'labSaved'; id: string; bytes: number; ms: number }
  | { type: 'labSaveFailed'; id: string; message: string }
  | { type: 'runFailed'; runId: string; message: string }
  | { type: 'runCancelled'; runId: string }
  | { type: 'runPaused'; runId: string; paused: boolean }
  | { type: 'deviceLost'; backend: 'webgpu' | 'webgl'; reason: string; message: string }
  | { type: 'console'; level: 'warn' | 'error'; message: string }
  | { type: 'uncaught'; source: 'error' | 'unhandledrejection'; message: string; stack: string | null };

/** A run of a saved lab as the page replays it: the job it was asked with and the events it produced. */
export interface LabRunReplay {
  runId: string;
  job: RunJob | { kind: 'load'; what: string };
  status: 'running' | 'finished' | 'failed' | 'cancelled';
  events: Event[];
}

export type EventOf<T extends Event['type']> = Extract<Event, { type: T }>;
export type CommandOf<T extends Command['type']> = Extract<Command, { type: T }>;

/** Turns anything thrown into one readable line. */
/** What the page and a failed run say of a lost GPU, e.g. "The WebGL context was lost: no reason given". */
export function describeGpuLoss(loss: Pick<Extract<Event, { type: 'deviceLost' }>, 'backend' | 'reason' | 'message'>): string {
  const what = loss.backend === 'webgl' ? 'WebGL context' : 'WebGPU device';
  return `The ${what} was lost${loss.reason && loss.reason !== 'unknown' ? ` (${loss.reason})` : ''}: ${loss.message}`;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
