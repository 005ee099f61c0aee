/**
 * The side worker: a second tfjs on a second core, started by the lab worker (sideRuns.ts) to run one stage beside
 * the lab worker's own run. Each run brings a copy of the lab's models (a snapshot) and runs with the lab worker's
 * own stage code (rlhfJobs.ts), so its numbers are the ones the lab worker would get on the same backend. It saves
 * nothing: its events, an RL run's checkpoints and the model a stage made go back to the lab worker, which posts,
 * records and saves them as its own.
 */
import '../lab/zodJitless';
import { Lab } from '../lab/lab/lab';
import { NonFiniteError } from '../lab/train/finite';
import { disposeParams } from '../lab/model/gpt';
import { adoptBaselines } from '../lab/train/rlBaseline';
import { activateBackend } from './backend';
import type { BackendName } from './backendChoice';
import { RunCancelled } from './jobContext';
import { currentLab, replaceLab, setAutosave } from './labSession';
import { pauseCommand, pauseGate, resumeRun } from './pauses';
import { errorMessage, type Event } from './protocol';
import { dpoReport, runStage } from './rlhfJobs';
import { taskFor } from './session';
import type { SideCommand, SideLab, SideReply } from './sideProtocol';

interface SideScope {
  postMessage(reply: SideReply): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<SideCommand>) => void): void;
}
const scope = self as unknown as SideScope;
const reply = (r: SideReply): void => scope.postMessage(r);

setAutosave(false);
let backend: BackendName | null = null;
const cancelled = new Set<string>();

async function useBackend(name: BackendName): Promise<BackendName> {
  if (backend !== name) {
    await activateBackend(name);
    backend = name;
  }
  return name;
}

/** A warm-up's failure is left to the run that needs the same (it reports it). */
async function warm(command: Extract<SideCommand, { type: 'warm' }>): Promise<void> {
  try {
    await useBackend(command.backend);
    await taskFor(command.task, command.dataUrl, command.settings);
  } catch {
    // the run will meet it again and say so
  }
}

/** The lab a command brings, as this worker's, with the SFT evaluations the lab worker made (the same to the bit). */
function useLab({ lab, baselines }: SideLab): void {
  const copy = Lab.fromSnapshot(lab);
  replaceLab(copy);
  if (copy.sft) adoptBaselines(copy.sft.model.params, baselines);
}

async function run(command: Extract<SideCommand, { type: 'run' }>): Promise<void> {
  const { runId, job } = command;
  try {
    const active = await useBackend(command.backend);
    useLab(command);
    const result = await runStage(
      {
        runId,
        backend: active,
        post: (event: Event) => reply({ type: 'event', event }),
        cancelled: () => cancelled.has(runId),
        pauseGate: () => pauseGate(runId),
        checkpoint: (state) => reply({ type: 'checkpoint', runId, state }),
      },
      job,
    );
    const made = currentLab()!.snapshot();
    reply({ type: 'finished', runId, result, made: { rm: job.stage === 'rm' ? made.rm : null, dpo: job.stage === 'dpo' ? made.dpo : null } });
  } catch (error) {
    if (error instanceof NonFiniteError && error.params) disposeParams(error.params);
    reply({ type: 'ended', runId, cancelled: error instanceof RunCancelled, message: errorMessage(error) });
  } finally {
    cancelled.delete(runId);
    replaceLab(null); // the copy's tensors are freed; the next run brings the lab as it stands then
  }
}

/** A DPO stage's report, on the lab as the stage left it; the copy is freed after, as a run's is. */
async function report(command: Extract<SideCommand, { type: 'report' }>): Promise<void> {
  try {
    await useBackend(command.backend);
    useLab(command);
    reply({ type: 'reported', runId: command.runId, values: await dpoReport(command.job, command.given) });
  } catch (error) {
    reply({ type: 'reportFailed', runId: command.runId, message: errorMessage(error) });
  } finally {
    replaceLab(null);
  }
}

let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e) => {
  const command = e.data;
  if (command.type === 'run') queue = queue.then(() => run(command));
  else if (command.type === 'report') queue = queue.then(() => report(command));
  else if (command.type === 'warm') queue = queue.then(() => warm(command));
  else if (command.type === 'cancel') {
    cancelled.add(command.runId);
    resumeRun(command.runId);
  } else {
    // Paused is said when the run holds at its gate, after the events of every step it took (pauses.ts).
    pauseCommand(command.runId, command.type === 'pause', (paused) => reply({ type: 'event', event: { type: 'runPaused', runId: command.runId, paused } }));
  }
});
