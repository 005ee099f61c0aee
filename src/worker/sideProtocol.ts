/**
 * What the lab worker and its side worker (side.worker.ts) say to each other. The side worker runs one stage of the
 * lab at a time beside the lab worker's own run (sideRuns.ts says when), on a copy of the lab's models; it saves
 * nothing, and hands back what the stage made (a reward model or a DPO policy) and an RL run's checkpoints.
 */
import type { Settings } from '../lab/config';
import type { TaskName } from '../lab/tasks/task';
import type { BackendName } from './backendChoice';
import type { LabSnapshot, RlResumeState } from '../lab/lab/snapshot';
import type { Event, RunJob, RunResult } from './protocol';
import type { HandedBaseline } from '../lab/train/rlBaseline';
import type { DpoReportGiven } from './rlhfJobs';

export type StageJob = Extract<RunJob, { kind: 'stage' }>;

/** The models a stage made, as the lab keeps them (CPU-side blobs): the lab worker installs them. */
export interface SideArtefacts {
  rm: LabSnapshot['rm'];
  dpo: LabSnapshot['dpo'];
}

/**
 * The lab as a side command gets it: a snapshot of its models without the runs' journal, and the SFT model's
 * evaluations the lab worker has computed (rlBaseline.ts), which the side worker takes for its copy of the model.
 */
export interface SideLab {
  lab: LabSnapshot;
  baselines: HandedBaseline[];
}

export type SideCommand =
  /** Runs `job` on the lab under `backend`, which the side worker starts first. */
  | ({ type: 'run'; runId: string; backend: BackendName; job: StageJob } & SideLab)
  /** Makes a finished DPO stage's report (rlhfJobs.ts, dpoReport) on the lab (with its new DPO policy), after any run before it. */
  | ({ type: 'report'; runId: string; backend: BackendName; job: StageJob; given: DpoReportGiven } & SideLab)
  /** Starts `backend` and builds the task the lab worker is building, so that a run beside it need not wait for them. */
  | { type: 'warm'; backend: BackendName; task: TaskName; dataUrl: string; settings: Settings }
  | { type: 'cancel' | 'pause' | 'resume'; runId: string };

export type SideReply =
  /** An event of the run, for the lab worker to post as its own. */
  | { type: 'event'; event: Event }
  | { type: 'checkpoint'; runId: string; state: RlResumeState }
  | { type: 'finished'; runId: string; result: RunResult; made: SideArtefacts }
  | { type: 'reported'; runId: string; values: Record<string, number> }
  | { type: 'reportFailed'; runId: string; message: string }
  /** `cancelled`: stopped by the user (runCancelled), otherwise failed with `message`. */
  | { type: 'ended'; runId: string; cancelled: boolean; message: string };
