/**
 * The UI's view of the lab worker, as a reducer over protocol events (pure: tested in Node).
 */
import type { BackendChoice } from '../worker/backendChoice';
import type { SampleText } from '../lab/events';
import { describeGpuLoss, type BackendCheckResult, type BackendSelection, type Event, type RunJob, type SftSummary } from '../worker/protocol';
import { crashStageRuns, interruptStageRun, reduceStageRuns, staleAfter, startStageRun, type StageRun, type StageRuns } from './stageRuns';

export interface LogLine {
  level: 'warn' | 'error';
  message: string;
}

export interface CheckRun {
  runId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  label: string;
  result: BackendCheckResult | null;
  error: string | null;
}

export interface LossPoint {
  step: number;
  loss: number;
  evalLoss?: number;
}

export interface SftRun {
  runId: string;
  status: 'running' | 'paused' | 'done' | 'failed';
  done: number;
  total: number;
  label: string;
  points: LossPoint[];
  /** Held-out loss of the unigram model: the line SFT must get under. */
  unigramLoss: number | null;
  samples: { step: number; samples: SampleText[] } | null;
  error: string | null;
}

export interface LabState {
  worker: 'starting' | 'ready' | 'crashed';
  workerError: string | null;
  backendStatus: 'idle' | 'selecting' | 'ready' | 'failed';
  choice: BackendChoice;
  selection: BackendSelection | null;
  /** How many stages the worker runs at once on this backend (2: one beside another, src/worker/sideRuns.ts). */
  stagesAtOnce: number;
  backendError: string | null;
  /** Messages for the user that are not errors of the lab (a bad ?backend= value, a full storage quota). */
  notices: string[];
  check: CheckRun | null;
  sft: SftRun | null;
  /** The SFT model the worker holds (trained here or loaded from a checkpoint). */
  sftModel: SftSummary | null;
  /** Runs of the later stages (preferences, RM, DPO, PPO, RTO), one per stage. */
  stages: StageRuns;
  /** Earlier PPO/RTO runs on the same models, kept beside the current ones for comparison (oldest first). */
  rlArchive: StageRun[];
  deviceLost: string | null;
  logs: LogLine[];
  /** The worker's open lab (its id in Saved labs) and its last autosave: size and how long it took. */
  lab: { id: string; savedBytes: number | null; saveMs: number | null; saveError: string | null } | null;
}

export type Action =
  /** `at`: performance.now() when the event arrived (for ETAs); the reducer itself reads no clock. */
  | { type: 'event'; event: Event; at?: number }
  | { type: 'selecting'; choice: BackendChoice }
  | { type: 'selectFailed'; message: string }
  | { type: 'checkRequested'; runId: string }
  | { type: 'runRequested'; runId: string; job: RunJob; at?: number }
  | { type: 'sftModelLoaded'; summary: SftSummary }
  | { type: 'notice'; message: string }
  | { type: 'workerCrashed'; message: string }
  /** A saved lab is about to be replayed into the page: everything of the previous lab goes (backend and logs stay). */
  | { type: 'labReset'; id: string | null; bytes?: number }
  /** An RL run of the restored lab that can be continued from its save at `iteration`. */
  | { type: 'runInterrupted'; runId: string; iteration: number }
  /** `choice`: the backend the new worker starts on (default: the current choice). */
  | { type: 'workerRestarting'; choice?: BackendChoice }
  /** Several actions in one dispatch (useLab's batcher, actionBatcher.ts): the same state as dispatching each in turn. */
  | { type: 'batch'; actions: Action[] };

const MAX_LOGS = 200;

export const initialLabState = (choice: BackendChoice, notices: string[] = []): LabState => ({
  worker: 'starting',
  workerError: null,
  backendStatus: 'idle',
  choice,
  selection: null,
  stagesAtOnce: 1,
  backendError: null,
  notices,
  check: null,
  sft: null,
  sftModel: null,
  stages: {},
  rlArchive: [],
  deviceLost: null,
  logs: [],
  lab: null,
});

function onCheck(state: LabState, runId: string, patch: Partial<CheckRun>): LabState {
  if (!state.check || state.check.runId !== runId) return state;
  return { ...state, check: { ...state.check, ...patch } };
}

function onSft(state: LabState, runId: string, patch: (run: SftRun) => Partial<SftRun>): LabState {
  if (!state.sft || state.sft.runId !== runId) return state;
  return { ...state, sft: { ...state.sft, ...patch(state.sft) } };
}

/** Routes a run event to the run it belongs to (by runId); events of runs the UI no longer shows are dropped. */
function onRunEvent(state: LabState, runId: string, check: Partial<CheckRun>, sft: (run: SftRun) => Partial<SftRun>): LabState {
  return onSft(onCheck(state, runId, check), runId, sft);
}

const MAX_POINTS = 5000;
/** Earlier PPO/RTO runs kept for comparison (a fraction sweep is sized to fit them: sweepPlan.ts). */
export const MAX_ARCHIVED_RUNS = 6;

function reduceEvent(state: LabState, event: Event): LabState {
  switch (event.type) {
    case 'heartbeat':
      return state;
    case 'workerReady':
      return { ...state, worker: 'ready', workerError: null };
    case 'backendSelected':
      return { ...state, backendStatus: 'ready', selection: event.selection, stagesAtOnce: event.stagesAtOnce, backendError: null, deviceLost: null };
    case 'requestFailed':
    case 'textScored':
    case 'vocabulary':
    case 'memory':
    case 'checkpointExported':
    case 'labList':
    case 'labOpened': // replayed by useLab.ts as labReset + the runs' own events
    case 'labDeleted':
    case 'labClosed':
    case 'labExported':
      return state; // answered through the request's promise
    case 'labSaved':
      return { ...state, lab: { id: event.id, savedBytes: event.bytes, saveMs: event.ms, saveError: null } };
    case 'labSaveFailed':
      return { ...state, lab: { id: event.id, savedBytes: state.lab?.savedBytes ?? null, saveMs: state.lab?.saveMs ?? null, saveError: event.message } };
    case 'checkpointImported':
      return { ...state, sftModel: event.summary, stages: staleAfter(state.stages, 'sft'), rlArchive: [] };
    case 'quickDemoLoaded': {
      // The shipped pairs count as a finished Preferences stage.
      const stages = startStageRun(staleAfter(state.stages, 'sft'), 'preferences', event.requestId);
      const prefs = stages.preferences;
      return { ...state, rlArchive: [], sftModel: event.summary, stages: prefs ? { ...stages, preferences: { ...prefs, status: 'done', summary: event.pairs, label: 'loaded' } } : stages };
    }
    case 'runStarted':
      return onRunEvent(state, event.runId, { status: 'running' }, () => ({ status: 'running' }));
    case 'runProgress': {
      const p = { done: event.done, total: event.total, label: event.label };
      return onRunEvent(state, event.runId, p, () => p);
    }
    case 'stage': {
      const e = event.event;
      if (e.type === 'tokens' || e.type === 'responses') return state; // RL heatmap rows and response tables: stageRuns.ts keeps them
      if (e.type === 'samples') return onSft(state, event.runId, () => ({ samples: { step: e.step, samples: e.samples } }));
      const point: LossPoint = { step: e.step, loss: e.values.loss ?? NaN };
      if (e.values['eval/loss'] !== undefined) point.evalLoss = e.values['eval/loss'];
      const unigram = e.values['eval/unigram_loss'];
      return onSft(state, event.runId, (run) => ({ points: [...run.points, point].slice(-MAX_POINTS), unigramLoss: unigram ?? run.unigramLoss }));
    }
    case 'runFinished': {
      const r = event.result;
      if (r.kind === 'backendCheck') return onCheck(state, event.runId, { status: 'done', result: r, done: r.comparisons.length * 2 });
      if (r.kind === 'stage') return state;
      const next = onSft(state, event.runId, () => ({ status: 'done' }));
      return next === state ? state : { ...next, sftModel: r, stages: staleAfter(next.stages, 'sft'), rlArchive: [] };
    }
    case 'runReport': // a later stage's report: stageRuns.ts
      return state;
    case 'runFailed':
      return onRunEvent(state, event.runId, { status: 'failed', error: event.message }, () => ({ status: 'failed', error: event.message }));
    case 'runPaused': // the SFT run here; later-stage runs in stageRuns.ts
      return onSft(state, event.runId, (run) => (run.status === 'running' || run.status === 'paused' ? { status: event.paused ? 'paused' : 'running' } : {}));
    case 'runCancelled':
      return onRunEvent(state, event.runId, { status: 'cancelled' }, () => ({ status: 'failed', error: 'cancelled' }));
    case 'deviceLost':
      return { ...state, backendStatus: 'failed', deviceLost: `${describeGpuLoss(event)}. Choose a backend to continue.` };
    case 'console':
      return { ...state, logs: [...state.logs, { level: event.level, message: event.message }].slice(-MAX_LOGS) };
    case 'uncaught':
      return { ...state, logs: [...state.logs, { level: 'error' as const, message: `Uncaught (${event.source}): ${event.message}` }].slice(-MAX_LOGS) };
  }
}

/** Events about the later stages go to stageRuns.ts; the rest to reduceEvent. */
function reduceAnyEvent(state: LabState, event: Event, at: number): LabState {
  const stages = reduceStageRuns(state.stages, event, at);
  const next = reduceEvent(state, event);
  if (stages === state.stages) return next;
  // A finished preferences run makes the reward model, DPO and RL runs stale (the worker dropped those models).
  const finished = event.type === 'runFinished' && event.result.kind === 'stage' ? event.result.stage : null;
  return finished === 'preferences' ? { ...next, stages: staleAfter(stages, 'preferences'), rlArchive: [] } : { ...next, stages };
}

export function labReducer(state: LabState, action: Action): LabState {
  switch (action.type) {
    case 'event':
      return reduceAnyEvent(state, action.event, action.at ?? 0);
    case 'batch':
      return action.actions.reduce(labReducer, state);
    case 'selecting':
      return { ...state, backendStatus: 'selecting', choice: action.choice, backendError: null };
    case 'selectFailed':
      return { ...state, backendStatus: 'failed', backendError: action.message };
    case 'checkRequested':
      return { ...state, check: { runId: action.runId, status: 'running', done: 0, total: 0, label: 'starting', result: null, error: null } };
    case 'runRequested':
      if (action.job.kind === 'backendCheck') return labReducer(state, { type: 'checkRequested', runId: action.runId });
      if (action.job.kind === 'stage') {
        // A finished PPO/RTO run is kept for comparison when the same method runs again (with other settings).
        const previous = state.stages[action.job.stage];
        const keep = (action.job.stage === 'ppo' || action.job.stage === 'rto') && previous && previous.points.length > 0 && previous.status !== 'running' && previous.status !== 'paused';
        return {
          ...state,
          rlArchive: keep ? [...state.rlArchive, previous].slice(-MAX_ARCHIVED_RUNS) : state.rlArchive,
          stages: startStageRun(state.stages, action.job.stage, action.runId, action.at ?? 0, action.job.preset, action.job.overrides, action.job.method),
        };
      }
      return { ...state, sft: { runId: action.runId, status: 'running', done: 0, total: 0, label: 'starting', points: [], unigramLoss: null, samples: null, error: null } };
    case 'sftModelLoaded':
      return { ...state, sftModel: action.summary };
    case 'notice':
      return state.notices.includes(action.message) ? state : { ...state, notices: [...state.notices, action.message] };
    case 'workerCrashed':
      return {
        ...state,
        worker: 'crashed',
        workerError: action.message,
        backendStatus: 'failed',
        check: state.check?.status === 'running' ? { ...state.check, status: 'failed', error: 'the worker crashed' } : state.check,
        sft: state.sft?.status === 'running' || state.sft?.status === 'paused' ? { ...state.sft, status: 'failed', error: 'the worker crashed' } : state.sft,
        sftModel: null,
        stages: crashStageRuns(state.stages),
      };
    case 'labReset': {
      const fresh = initialLabState(state.choice, state.notices);
      return { ...fresh, worker: state.worker, workerError: state.workerError, backendStatus: state.backendStatus, selection: state.selection, stagesAtOnce: state.stagesAtOnce, backendError: state.backendError, check: state.check, logs: state.logs, lab: action.id ? { id: action.id, savedBytes: action.bytes ?? null, saveMs: null, saveError: null } : null };
    }
    case 'runInterrupted':
      return { ...state, stages: interruptStageRun(state.stages, action.runId, action.iteration) };
    case 'workerRestarting':
      return { ...initialLabState(action.choice ?? state.choice, state.notices), logs: state.logs };
  }
}
