/**
 * Two stages at once: the lab worker runs a stage beside its own run in the side worker (side.worker.ts) when that
 * makes the lab faster, that is when the backend computes on the CPU (wasm, cpu; a GPU backend has one device, which
 * two stages would only share) and the machine has a second core. The reward model and DPO need only the SFT model
 * and the pairs, PPO only the reward model, so the page's queue (src/ui/runQueue.ts) starts DPO while the reward
 * model trains and RTO while PPO does (docs/performance.md, "Two stages at once").
 *
 * The side worker gets the lab as it stands (a snapshot of its models, without the runs' journal) and the SFT
 * evaluations computed here (rlBaseline.ts, handedBaselines), runs the stage with the lab worker's own code and gives
 * back its events, an RL run's checkpoints and the model it made, which are posted, recorded and installed here as if
 * the stage had run in this worker. One side run at a time.
 *
 * It also makes the report of a DPO stage that ended in this worker (reportBeside), so that RTO starts here at once:
 * the report's values come back as a runReport event.
 */
import type { Settings } from '../lab/config';
import { paramsOfBlob } from '../lab/lab/lab';
import { handedBaselines } from '../lab/train/rlBaseline';
import type { TaskName } from '../lab/tasks/task';
import type { BackendName } from './backendChoice';
import { currentLab, recordCheckpoint } from './labSession';
import { errorMessage, type Event, type RunJob } from './protocol';
import type { DpoReportGiven } from './rlhfJobs';
import type { SideCommand, SideLab, SideReply, StageJob } from './sideProtocol';
import type { Lab } from '../lab/lab/lab';

/** The lab as the side worker gets it: its models, and the SFT evaluations computed here. */
const sideLab = (lab: Lab): SideLab => ({ lab: { ...lab.snapshot(), runs: [] }, baselines: lab.sft ? handedBaselines(lab.sft.model.params) : [] });

/** How many stages can run at once on this backend here: 2 with the side worker, else 1. */
export function stagesAtOnce(backend: BackendName | null): number {
  const cores = typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
  return (backend === 'wasm' || backend === 'cpu') && cores >= 2 && typeof Worker !== 'undefined' ? 2 : 1;
}

/**
 * Whether `job` can go to the side worker now. Not the preferences stage: new pairs make the lab's reward model
 * and DPO stale (lab.ts), which must not happen under another run.
 */
export function canRunBeside(backend: BackendName | null, job: RunJob): job is StageJob {
  return stagesAtOnce(backend) > 1 && !broken && job.kind === 'stage' && job.stage !== 'preferences' && running === null;
}

interface SideRun {
  runId: string;
  settle: (reply: Extract<SideReply, { type: 'finished' | 'ended' }>) => void;
}

let side: Worker | null = null;
let running: SideRun | null = null;
/** DPO reports handed to the side worker and not answered yet, with what to do if it cannot answer. */
const reports = new Map<string, { fallback: () => void }>();
/** Whether the side worker ever answered: one that dies before it does cannot start here (a host's policy, say). */
let answered = false;
/** Why side runs are off in this page (a side worker that could not start); null while they are on. */
let broken: string | null = null;

function sideWorker(post: (event: Event) => void): Worker {
  if (side) return side;
  const worker = new Worker(new URL('./side.worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent<SideReply>) => {
    const r = e.data;
    answered = true;
    if (r.type === 'event') post(r.event);
    else if (r.type === 'checkpoint') recordCheckpoint(r.runId, r.state);
    else if (r.type === 'reported' || r.type === 'reportFailed') {
      const report = reports.get(r.runId);
      reports.delete(r.runId);
      if (r.type === 'reported') post({ type: 'runReport', runId: r.runId, values: r.values });
      else report?.fallback();
    } else if (running?.runId === r.runId) running.settle(r);
  });
  // A side worker that dies (out of memory, a crash in tfjs) ends its run with the reason; the next run starts a new
  // one. One that dies before it ever answered cannot start in this page: side runs are off, and its run goes on here.
  worker.addEventListener('error', (e: ErrorEvent) => {
    e.preventDefault();
    side = null;
    worker.terminate();
    const reason = e.message || 'no reason given';
    if (!answered) broken = reason;
    running?.settle({ type: 'ended', runId: running.runId, cancelled: false, message: `the second worker stopped (${reason}); run the stage again` });
    // Reports it was making are made in the lab worker instead.
    const lost = [...reports.values()];
    reports.clear();
    for (const report of lost) report.fallback();
  });
  side = worker;
  return worker;
}

/**
 * Has the side worker start the backend and build the task the lab worker is building (session.ts tells), on the
 * second core while this one builds it too: a stage started beside another then finds both ready. The Quick demo's
 * load is where this pays (the task takes about half a second to build).
 */
export function warmSide(backend: BackendName | null, task: TaskName, dataUrl: string, settings: Settings, post: (event: Event) => void): void {
  if (!backend || stagesAtOnce(backend) < 2 || broken) return;
  try {
    sideWorker(post).postMessage({ type: 'warm', backend, task, dataUrl, settings } satisfies SideCommand);
  } catch {
    // no second worker here: stages run one at a time
  }
}

/**
 * After a backend switch: on a backend that runs one stage at a time (a GPU one) the side worker, idle, is ended, and
 * with it the backend and task it holds; a later switch back starts a new one. A side run still going is left to end.
 */
export function releaseSide(backend: BackendName | null): void {
  if (!side || running || reports.size > 0 || stagesAtOnce(backend) > 1) return;
  side.terminate();
  side = null;
}

/**
 * Hands a finished DPO stage's report (rlhfJobs.ts, dpoReport: the train accuracy and the policy's evaluation) to the
 * side worker, with the lab as the stage left it, so that RTO, which needs only the policy, starts in this worker at
 * once (docs/performance.md). The side worker makes it after the run it may be running (PPO, in the Quick demo); its
 * values reach the page as a runReport event. False where stages run one at a time: the stage then makes its report
 * itself. Should the side worker fail or stop, `fallback` makes it in this worker.
 */
export function reportBeside(runId: string, job: StageJob, given: DpoReportGiven, backend: BackendName, post: (event: Event) => void, fallback: () => void): boolean {
  const lab = currentLab();
  if (!lab || stagesAtOnce(backend) < 2 || broken || !answered) return false;
  try {
    sideWorker(post).postMessage({ type: 'report', runId, backend, job, given, ...sideLab(lab) } satisfies SideCommand);
  } catch {
    return false;
  }
  reports.set(runId, { fallback });
  return true;
}

/**
 * Forwards Stop, Pause and Resume to the side worker when it runs `runId`; false when it does not. The side worker
 * answers Pause and Resume with the run's runPaused event itself, after the events of the steps it took before them,
 * so the page never sees a paused run's progress move on.
 */
export function tellSide(type: 'cancel' | 'pause' | 'resume', runId: string): boolean {
  if (running?.runId !== runId || !side) return false;
  side.postMessage({ type, runId } satisfies SideCommand);
  return true;
}

/**
 * Runs `job` in the side worker and reports it as the lab worker reports its own runs (lab.worker.ts). If the side
 * worker cannot start at all, `runHere` runs the job in the lab worker instead (after its own run), and so do all
 * later ones: nothing is lost, the stages only run one at a time.
 */
export async function runBeside(runId: string, job: StageJob, backend: BackendName, post: (event: Event) => void, runHere: () => void): Promise<void> {
  const lab = currentLab();
  post({ type: 'runStarted', runId, job, backend, beside: true });
  if (!lab) {
    post({ type: 'runFailed', runId, message: 'this stage needs an SFT model: train one in Stage 1 or load a checkpoint' });
    return;
  }
  const reply = await new Promise<Extract<SideReply, { type: 'finished' | 'ended' }>>((settle) => {
    running = { runId, settle };
    try {
      sideWorker(post).postMessage({ type: 'run', runId, backend, job, ...sideLab(lab) } satisfies SideCommand);
    } catch (error) {
      broken = errorMessage(error);
      settle({ type: 'ended', runId, cancelled: false, message: `could not start a second worker: ${broken}` });
    }
  });
  running = null;
  if (reply.type === 'ended' && broken && !answered) {
    post({ type: 'console', level: 'warn', message: `a second worker could not start here (${broken}): stages run one at a time` });
    runHere();
    return;
  }
  if (reply.type === 'ended') {
    post(reply.cancelled ? { type: 'runCancelled', runId } : { type: 'runFailed', runId, message: reply.message });
    return;
  }
  // The model the stage made joins the lab it was made from (the page cannot replace the lab while a run goes on).
  try {
    const { rm, dpo } = reply.made;
    if (currentLab() === lab && rm) await lab.setRm(paramsOfBlob(rm.model, 'the reward model'), rm.model.config, rm.norm, rm.key, rm.summary);
    if (currentLab() === lab && dpo) await lab.setDpo(paramsOfBlob(dpo.model, 'the DPO model'), dpo.model.config, dpo.beta, dpo.rto, dpo.key, dpo.summary);
  } catch (error) {
    post({ type: 'runFailed', runId, message: errorMessage(error) });
    return;
  }
  post({ type: 'runFinished', runId, result: reply.result.kind === 'stage' ? { ...reply.result, beside: true } : reply.result });
}
