/**
 * The UI's record of the later stages' runs (preferences, RM, DPO, PPO, RTO): one run per stage, fed by the
 * worker's events for that run's id. Pure, so the reducer stays testable in Node.
 */
import type { PresetName, Settings } from '../lab/config';
import type { MethodName } from '../lab/train/methods';
import type { ResponseRow, SftResponseRow, TokenRow } from '../lab/events';
import type { Event, RlhfStage, StageSummary } from '../worker/protocol';

export interface MetricPoint {
  step: number;
  values: Record<string, number>;
}

export interface StageRun {
  runId: string;
  stage: RlhfStage;
  /** interrupted: an RL run of a restored lab, stopped by a reload or a crash, that can go on from its last save. */
  status: 'running' | 'paused' | 'done' | 'failed' | 'cancelled' | 'interrupted';
  done: number;
  total: number;
  label: string;
  points: MetricPoint[];
  /** Heatmap rows by iteration (RL stages). */
  tokens: { step: number; rows: TokenRow[] }[];
  /** The latest evaluation's responses (RL stages; the response table), null before the first. */
  responses: ResponseSnapshot | null;
  summary: StageSummary | null;
  error: string | null;
  /** When the UI asked for the run (performance.now() of the page), and the seconds left at the pace so far. */
  startedAt: number;
  etaSeconds: number | null;
  /** The preset and settings the run was started with (its label says how they differ from other runs'). */
  preset: PresetName;
  overrides: Partial<Settings>;
  /** An RL run's method (src/lab/train/methods.ts); the PPO card runs PPO, the method card RTO unless another is picked. */
  method?: MethodName;
  /** It ran in the worker's second worker, beside another stage (src/worker/sideRuns.ts). */
  beside?: boolean;
}

/** One evaluation's response-table rows and SFT's rows for the same prompts (a `responses` event). */
export interface ResponseSnapshot {
  step: number;
  rows: ResponseRow[];
  sft: SftResponseRow[];
}

export type StageRuns = Partial<Record<RlhfStage, StageRun>>;

const MAX_POINTS = 5000;
const MAX_SNAPSHOTS = 200;

export function startStageRun(runs: StageRuns, stage: RlhfStage, runId: string, at = 0, preset: PresetName = 'tiny', overrides: Partial<Settings> = {}, method?: MethodName): StageRuns {
  return {
    ...runs,
    [stage]: { runId, stage, status: 'running', done: 0, total: 0, label: 'starting', points: [], tokens: [], responses: null, summary: null, error: null, startedAt: at, etaSeconds: null, preset, overrides, ...(method ? { method } : {}) },
  };
}

function patch(runs: StageRuns, runId: string, f: (run: StageRun) => Partial<StageRun>): StageRuns {
  for (const run of Object.values(runs)) {
    if (run.runId === runId) return { ...runs, [run.stage]: { ...run, ...f(run) } };
  }
  return runs;
}

/** The runs after an event that arrived at time `at` (ms); the same object when the event is not about any of them. */
export function reduceStageRuns(runs: StageRuns, event: Event, at = 0): StageRuns {
  switch (event.type) {
    case 'runStarted': // a continued run starts again under its id
      // Where it runs, as the worker says each time it starts it (a run the side worker could not start goes on here).
      return patch(runs, event.runId, (r) => ({ ...(r.status === 'interrupted' ? { status: 'running', startedAt: at, etaSeconds: null } : {}), beside: event.beside === true }));
    case 'runProgress':
      return patch(runs, event.runId, (r) => ({
        done: event.done,
        total: event.total,
        label: event.label,
        etaSeconds: event.done > 0 && event.total > event.done && at > r.startedAt ? ((at - r.startedAt) / 1000) * ((event.total - event.done) / event.done) : null,
      }));
    case 'stage': {
      const e = event.event;
      if (e.type === 'metrics') return patch(runs, event.runId, (r) => ({ points: [...r.points, { step: e.step, values: e.values }].slice(-MAX_POINTS) }));
      if (e.type === 'responses') return patch(runs, event.runId, () => ({ responses: { step: e.step, rows: e.rows, sft: e.sft } }));
      if (e.type === 'tokens') return patch(runs, event.runId, (r) => ({ tokens: [...r.tokens, { step: e.step, rows: e.rows }].slice(-MAX_SNAPSHOTS) }));
      return runs;
    }
    case 'runFinished':
    {
      const result = event.result;
      return result.kind === 'stage' ? patch(runs, event.runId, () => ({ status: 'done', etaSeconds: null, summary: result })) : runs;
    }
    case 'runReport':
      return patch(runs, event.runId, (r) => (r.summary ? { summary: { ...r.summary, values: { ...r.summary.values, ...event.values }, reportPending: false } } : {}));
    case 'runFailed':
      return patch(runs, event.runId, () => ({ status: 'failed', error: event.message }));
    case 'runCancelled':
      return patch(runs, event.runId, () => ({ status: 'cancelled' }));
    case 'runPaused':
      return patch(runs, event.runId, (r) => (r.status === 'running' || r.status === 'paused' ? { status: event.paused ? 'paused' : 'running', etaSeconds: null } : {}));
    default:
      return runs;
  }
}

/** Later stages' runs become stale when a new SFT model (or new pairs) replaces what they were built on. */
export function staleAfter(runs: StageRuns, stage: 'sft' | RlhfStage): StageRuns {
  const order: RlhfStage[] = stage === 'sft' ? ['preferences', 'rm', 'dpo', 'ppo', 'rto'] : stage === 'preferences' ? ['rm', 'dpo', 'ppo', 'rto'] : [];
  const next = { ...runs };
  for (const s of order) if (next[s]?.status !== 'running' && next[s]?.status !== 'paused') delete next[s];
  return next;
}

/** A restored lab's RL run that can go on from its save at `iteration`. */
export function interruptStageRun(runs: StageRuns, runId: string, iteration: number): StageRuns {
  return patch(runs, runId, () => ({ status: 'interrupted', label: `saved at iteration ${iteration}`, etaSeconds: null }));
}

/** Marks running runs failed when the worker dies. */
export function crashStageRuns(runs: StageRuns): StageRuns {
  const next: StageRuns = {};
  for (const [k, r] of Object.entries(runs)) next[k as RlhfStage] = r.status === 'running' || r.status === 'paused' ? { ...r, status: 'failed', error: 'the worker crashed' } : r;
  return next;
}
