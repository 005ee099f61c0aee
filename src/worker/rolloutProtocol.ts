/**
 * The contract between the page and the rollout-log worker (rollouts.worker.ts): the page hands it File objects
 * (several files of one run at once), the worker streams them, posts progress, and answers with the run's view.
 * Reading never blocks the lab worker, which may be training at the same time.
 */
import type { RolloutRunView } from '../lab/rollouts';

export type RolloutCommand =
  /** Reads `files` as one run (merged by step); `padToken` strips trailing pad tokens. */
  | { type: 'open'; requestId: string; files: File[]; padToken?: string }
  /** Stops the read: the answer is the view of what was read, each unfinished file marked. */
  | { type: 'cancel'; requestId: string };

export type RolloutEvent =
  | { type: 'progress'; requestId: string; file: number; files: number; name: string; bytesRead: number; totalBytes: number; records: number }
  | { type: 'done'; requestId: string; view: RolloutRunView; cancelled: boolean; seconds: number }
  | { type: 'failed'; requestId: string; message: string };
