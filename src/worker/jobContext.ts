/** What every worker job gets: its run id, the active backend, a way to post events, and a cancel flag. */
import type { BackendName } from './backendChoice';
import type { RlResumeState } from '../lab/lab/snapshot';
import type { Event, RunJob } from './protocol';
import type { DpoReportGiven } from './rlhfJobs';

export class RunCancelled extends Error {}

export interface JobContext {
  runId: string;
  backend: BackendName;
  post: (event: Event) => void;
  cancelled: () => boolean;
  /** Resolves at once, or when the user resumes a paused run (or stops it). */
  pauseGate: () => Promise<void>;
  /** Where an RL run's checkpoints go: by default into the lab's record of the run (labSession.ts); the side worker sends them to the lab worker. */
  checkpoint?: (state: RlResumeState) => void;
  /**
   * Hands a finished DPO stage's report (rlhfJobs.ts, dpoReport) to the side worker: true when it took it (a runReport
   * event follows), false when the stage must make it itself. Only the lab worker's own runs have it (sideRuns.ts).
   */
  reportBeside?: (job: Extract<RunJob, { kind: 'stage' }>, given: DpoReportGiven) => boolean;
}
