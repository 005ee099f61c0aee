/**
 * The UI's view of the lab worker, as a reducer over protocol events (pure: tested in Node).
 */
import type { BackendChoice } from '../worker/backendChoice';
import type { BackendCheckResult, BackendSelection, Event } from '../worker/protocol';

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

export interface LabState {
  worker: 'starting' | 'ready' | 'crashed';
  workerError: string | null;
  backendStatus: 'idle' | 'selecting' | 'ready' | 'failed';
  choice: BackendChoice;
  selection: BackendSelection | null;
  backendError: string | null;
  /** Messages for the user that are not errors of the lab (a bad ?backend= value, a full storage quota). */
  notices: string[];
  check: CheckRun | null;
  deviceLost: string | null;
  logs: LogLine[];
}

export type Action =
  | { type: 'event'; event: Event }
  | { type: 'selecting'; choice: BackendChoice }
  | { type: 'selectFailed'; message: string }
  | { type: 'checkRequested'; runId: string }
  | { type: 'notice'; message: string }
  | { type: 'workerCrashed'; message: string }
  | { type: 'workerRestarting' };

const MAX_LOGS = 200;

export const initialLabState = (choice: BackendChoice, notices: string[] = []): LabState => ({
  worker: 'starting',
  workerError: null,
  backendStatus: 'idle',
  choice,
  selection: null,
  backendError: null,
  notices,
  check: null,
  deviceLost: null,
  logs: [],
});

function onRun(state: LabState, runId: string, patch: Partial<CheckRun>): LabState {
  if (!state.check || state.check.runId !== runId) return state;
  return { ...state, check: { ...state.check, ...patch } };
}

function reduceEvent(state: LabState, event: Event): LabState {
  switch (event.type) {
    case 'workerReady':
      return { ...state, worker: 'ready', workerError: null };
    case 'backendSelected':
      return { ...state, backendStatus: 'ready', selection: event.selection, backendError: null, deviceLost: null };
    case 'requestFailed':
    case 'memory':
      return state; // answered through the request's promise
    case 'runStarted':
      return onRun(state, event.runId, { status: 'running' });
    case 'runProgress':
      return onRun(state, event.runId, { done: event.done, total: event.total, label: event.label });
    case 'runFinished':
      return onRun(state, event.runId, { status: 'done', result: event.result, done: event.result.comparisons.length * 2 });
    case 'runFailed':
      return onRun(state, event.runId, { status: 'failed', error: event.message });
    case 'runCancelled':
      return onRun(state, event.runId, { status: 'cancelled' });
    case 'deviceLost':
      return { ...state, backendStatus: 'failed', deviceLost: `The WebGPU device was lost (${event.reason}): ${event.message}. Choose a backend to continue.` };
    case 'console':
      return { ...state, logs: [...state.logs, { level: event.level, message: event.message }].slice(-MAX_LOGS) };
    case 'uncaught':
      return { ...state, logs: [...state.logs, { level: 'error' as const, message: `Uncaught (${event.source}): ${event.message}` }].slice(-MAX_LOGS) };
  }
}

export function labReducer(state: LabState, action: Action): LabState {
  switch (action.type) {
    case 'event':
      return reduceEvent(state, action.event);
    case 'selecting':
      return { ...state, backendStatus: 'selecting', choice: action.choice, backendError: null };
    case 'selectFailed':
      return { ...state, backendStatus: 'failed', backendError: action.message };
    case 'checkRequested':
      return { ...state, check: { runId: action.runId, status: 'running', done: 0, total: 0, label: 'starting', result: null, error: null } };
    case 'notice':
      return state.notices.includes(action.message) ? state : { ...state, notices: [...state.notices, action.message] };
    case 'workerCrashed':
      return {
        ...state,
        worker: 'crashed',
        workerError: action.message,
        backendStatus: 'failed',
        check: state.check?.status === 'running' ? { ...state.check, status: 'failed', error: 'the worker crashed' } : state.check,
      };
    case 'workerRestarting':
      return { ...initialLabState(state.choice, state.notices), logs: state.logs };
  }
}
