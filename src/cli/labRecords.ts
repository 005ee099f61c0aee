/**
 * A CLI stage as a run record of the lab, in the events the page's worker posts for the same stage (runStarted, the
 * stage's events, runFinished): a lab made on the command line opens in the page with its curves and heatmaps.
 */
import type { PresetName, Settings } from '../lab/config';
import type { StageEvent } from '../lab/events';
import type { RunRecord } from '../lab/lab/snapshot';
import type { TaskName } from '../lab/tasks/task';
import type { MethodName } from '../lab/train/methods';
import type { Event, RlhfStage, RunJob, RunResult } from '../worker/protocol';

type Json = Record<string, unknown>;

export function sftJob(task: TaskName, preset: PresetName, settings: Settings): RunJob {
  return { kind: 'sft', task, preset, overrides: { ...settings }, dataUrl: '' };
}

export function stageJob(stage: RlhfStage, preset: PresetName, settings: Settings, method?: MethodName): RunJob {
  return { kind: 'stage', stage, preset, overrides: { ...settings }, dataUrl: '', ...(method ? { method } : {}) };
}

/** A finished run: its job, its stage events and its result, as the page would have received them. */
export function finishedRun(runId: string, job: RunJob, events: readonly StageEvent[], result: RunResult, backend: string): RunRecord {
  const all: Event[] = [
    { type: 'runStarted', runId, job, backend: backend as Extract<Event, { type: 'runStarted' }>['backend'] },
    ...events.map((event): Event => ({ type: 'stage', runId, event })),
    { type: 'runFinished', runId, result },
  ];
  return { runId, job: job as unknown as Json, status: 'finished', events: all as unknown as Json[], resume: null };
}

export const cliRunId = (what: string) => `cli-${what}-${Date.now().toString(36)}`;
