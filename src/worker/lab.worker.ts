/**
 * The lab worker: owns tfjs and every tensor; talks to the UI only through protocol.ts.
 * Module worker, created once by the UI (src/ui/useLab.ts).
 */
import '../lab/zodJitless';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, watchGpu, type GpuLoss } from './backend';
import type { BackendName } from './backendChoice';
import { RunCancelled, runJob } from './jobs';
import { disposeParams } from '../lab/model/gpt';
import { NonFiniteError } from '../lab/train/finite';
import type { JobContext } from './jobContext';
import { describeGpuLoss, errorMessage, type Command, type Event, type RunJob, type RunResult } from './protocol';
import { pauseCommand, pauseGate, resumeRun } from './pauses';
import { scoreTypedText } from './scoreTextJob';
import { exportSftCheckpoint, getSftModel, importSftCheckpoint, taskFor, whenTaskBuilds } from './session';
import { loadQuickDemo, prepareQuickDemo, settleQuickDemo } from './quickDemo';
import { currentLab, recordEvent, recordLoad, saveSoon, setPoster } from './labSession';
import { dpoReport, type DpoReportGiven } from './rlhfJobs';
import type { StageJob } from './sideProtocol';
import { closeLab, continueRun, deleteLab, exportLab, listLabs, openLab } from './labCommands';
import { canRunBeside, releaseSide, reportBeside, runBeside, stagesAtOnce, tellSide, warmSide } from './sideRuns';

/** The few worker-global members used here (the project type-checks against the DOM lib). */
interface WorkerScope {
  postMessage(event: Event, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<Command>) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (e: PromiseRejectionEvent) => void): void;
}
const scope = self as unknown as WorkerScope;
const post = (event: Event): void => {
  recordEvent(event); // into the open lab's journal (labSession.ts), before it leaves
  scope.postMessage(event);
};
setPoster(post);

// Forward console warnings and errors (tfjs reports backend trouble this way) so the UI can show them.
for (const level of ['warn', 'error'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    original(...args);
    post({ type: 'console', level, message: args.map((a) => (typeof a === 'string' ? a : errorMessage(a))).join(' ') });
  };
}
scope.addEventListener('error', (e) => {
  post({ type: 'uncaught', source: 'error', message: e.message || 'error in the lab worker', stack: e.error instanceof Error ? (e.error.stack ?? null) : null });
});
scope.addEventListener('unhandledrejection', (e) => {
  post({ type: 'uncaught', source: 'unhandledrejection', message: errorMessage(e.reason), stack: e.reason instanceof Error ? (e.reason.stack ?? null) : null });
});

const HEARTBEAT_MS = 1000;
let activeBackend: BackendName | null = null;
const cancelled = new Set<string>();
/**
 * The runs in flight, each ended at once if the GPU is lost: a read-back on a lost WebGL context or WebGPU device
 * may never settle, and a run waiting on it would hold the command queue (and the next backend choice) for ever.
 */
const abandonOnGpuLoss = new Set<(message: string) => void>();
const lostRunMessage = (loss: GpuLoss): string => `${describeGpuLoss(loss)}. The run stopped; the lab reopens from its last save.`;

async function handle(command: Command): Promise<void> {
  // The Quick demo's work ahead (quickDemo.ts) ends before any other command runs: a backend switch, a check's
  // timing or a lab opened never share the worker with it. Its own load does not wait: the stages it starts need it.
  if (command.type !== 'loadQuickDemo') await settleQuickDemo();
  switch (command.type) {
    case 'selectBackend': {
      try {
        const selection = await selectBackend(command.choice, command.cachedProbe);
        activeBackend = selection.info.backend;
        releaseSide(activeBackend);
        watchGpu((loss) => {
          activeBackend = null;
          post({ type: 'deviceLost', ...loss });
          for (const abandon of abandonOnGpuLoss) abandon(lostRunMessage(loss));
        });
        post({ type: 'backendSelected', requestId: command.requestId, selection, stagesAtOnce: stagesAtOnce(activeBackend) });
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: errorMessage(error) });
      }
      return;
    }
    case 'getMemory': {
      const memory = tf.memory();
      post({ type: 'memory', requestId: command.requestId, backend: tf.getBackend() ?? 'none', numTensors: memory.numTensors, numBytes: memory.numBytes });
      return;
    }
    case 'startRun':
      return runAndReport(command.runId, () => ({ job: command.job, run: (ctx) => runJob(ctx, command.job) }));
    case 'continueRun':
      return runAndReport(command.runId, () => continueRun(command.runId));
    case 'exportCheckpoint': {
      try {
        const bytes = await exportSftCheckpoint();
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        scope.postMessage({ type: 'checkpointExported', requestId: command.requestId, bytes: buffer, fileName: 'rto-lab-sft.ckpt' }, [buffer]);
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: errorMessage(error) });
      }
      return;
    }
    case 'importCheckpoint': {
      try {
        const summary = await importSftCheckpoint(new Uint8Array(command.bytes), tf.getBackend(), command.dataUrl);
        const event: Event = { type: 'checkpointImported', requestId: command.requestId, summary };
        recordLoad(command.requestId, 'an SFT checkpoint', event);
        saveSoon();
        post(event);
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: `could not load the checkpoint: ${errorMessage(error)}` });
      }
      return;
    }
    case 'loadQuickDemo': {
      try {
        const loaded = await loadQuickDemo(command.sftUrl, command.pairsUrl, tf.getBackend(), command.dataUrl);
        const event: Event = { type: 'quickDemoLoaded', requestId: command.requestId, ...loaded };
        recordLoad(command.requestId, 'the Quick demo', event);
        saveSoon();
        post(event);
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: `could not load the Quick demo: ${errorMessage(error)}` });
      }
      return;
    }
    case 'prepareQuickDemo': {
      try {
        await prepareQuickDemo(command.sftUrl, command.pairsUrl, command.dataUrl, tf.getBackend());
      } catch {
        // the Quick demo's load fetches and builds again, and says what went wrong
      }
      return;
    }
    case 'scoreText': {
      try {
        post({ type: 'textScored', requestId: command.requestId, score: await scoreTypedText(command.prompt, command.response, command.dataUrl) });
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: errorMessage(error) });
      }
      return;
    }
    case 'vocabulary': {
      try {
        const sft = getSftModel();
        if (!sft) throw new Error('there is no SFT model yet: train or load one first');
        const task = await taskFor(sft.summary.task, command.dataUrl, sft.summary.settings);
        post({ type: 'vocabulary', requestId: command.requestId, task: sft.summary.task, words: [...task.tokenizer.vocab], horizon: task.horizon, maxPromptWords: task.maxPromptLength - 1 });
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: errorMessage(error) });
      }
      return;
    }
    case 'listLabs':
    case 'openLab':
    case 'deleteLab':
    case 'closeLab':
    case 'exportLab': {
      try {
        const answer = await labAnswer(command);
        if (answer.type === 'labExported') scope.postMessage(answer, [answer.bytes]);
        else post(answer);
      } catch (error) {
        post({ type: 'requestFailed', requestId: command.requestId, message: errorMessage(error) });
      }
      return;
    }
    case 'cancelRun':
    case 'pauseRun':
    case 'resumeRun':
      return; // handled as they arrive (below), not queued behind the run
  }
}

/** A run (new, or continued under its id): started, then finished, failed or cancelled, each reported. */
async function runAndReport(runId: string, prepare: () => { job: RunJob; run: (ctx: JobContext) => Promise<RunResult> }): Promise<void> {
  const backend = activeBackend;
  if (!backend) {
    post({ type: 'runFailed', runId, message: 'No backend is ready: choose one first.' });
    return;
  }
  let abandoned = false; // should an abandoned run ever wake, it stops at its next check
  let abandon = (_message: string): void => {};
  const lost = new Promise<never>((_, reject) => {
    abandon = (message) => {
      abandoned = true;
      reject(new Error(message));
    };
  });
  abandonOnGpuLoss.add(abandon);
  try {
    const { job, run } = prepare();
    post({ type: 'runStarted', runId, job, backend });
    const ctx: JobContext = {
      runId,
      backend,
      post,
      cancelled: () => abandoned || cancelled.has(runId),
      pauseGate: () => pauseGate(runId),
      reportBeside: (job, given) => {
        const lab = currentLab();
        return reportBeside(runId, job, given, backend, post, () => reportInThisWorker(lab, runId, job, given));
      },
    };
    const result = await Promise.race([run(ctx), lost]);
    post({ type: 'runFinished', runId, result });
  } catch (error) {
    // A stage stopped by a non-finite number hands back its last good weights; the lab keeps its own models.
    if (error instanceof NonFiniteError && error.params) disposeParams(error.params);
    if (error instanceof RunCancelled) post({ type: 'runCancelled', runId });
    else {
      let message = errorMessage(error);
      // A lost context makes tfjs-webgl throw ("Failed to compile fragment shader") just before its event arrives:
      // a second's wait lets the run say what happened.
      if (backend === 'webgl' && !abandoned) await Promise.race([lost.catch((e: unknown) => (message = errorMessage(e))), new Promise((r) => setTimeout(r, 1000))]);
      post({ type: 'runFailed', runId, message });
    }
  } finally {
    abandonOnGpuLoss.delete(abandon);
    cancelled.delete(runId);
  }
}

/**
 * A DPO report the side worker could not make (it failed or stopped), made here after what is queued, on the lab it
 * was handed over from (`lab`); dropped if another lab is open by then.
 */
function reportInThisWorker(lab: ReturnType<typeof currentLab>, runId: string, job: StageJob, given: DpoReportGiven): void {
  queue = queue.then(async () => {
    if (!lab || currentLab() !== lab) return;
    try {
      post({ type: 'runReport', runId, values: await dpoReport(job, given) });
    } catch (error) {
      post({ type: 'console', level: 'warn', message: `the DPO stage's train accuracy and evaluation could not be made: ${errorMessage(error)}` });
    }
  });
}

type LabCommand = Extract<Command, { type: 'listLabs' | 'openLab' | 'deleteLab' | 'closeLab' | 'exportLab' }>;

function labAnswer(command: LabCommand): Promise<Event> {
  switch (command.type) {
    case 'listLabs':
      return listLabs(command.requestId);
    case 'openLab':
      return openLab(command.requestId, command.source, command.dataUrl);
    case 'deleteLab':
      return deleteLab(command.requestId, command.id);
    case 'closeLab':
      return closeLab(command.requestId);
    case 'exportLab':
      return exportLab(command.requestId);
  }
}

// A task built here is built in the side worker too, so that a stage run beside another finds it ready.
whenTaskBuilds((task, dataUrl, settings) => warmSide(activeBackend, task, dataUrl, settings, post));

// Commands run one at a time (a backend switch must not interleave with a run); cancel acts at once. A stage
// started while this worker's own run goes on runs beside it in the side worker when it can (sideRuns.ts).
let queue: Promise<void> = Promise.resolve();
let runsHere = 0; // runs queued or running in this worker
scope.addEventListener('message', (e) => {
  const command = e.data;
  if (command.type === 'cancelRun') {
    cancelled.add(command.runId);
    resumeRun(command.runId); // a paused run must wake up to see that it was stopped
    tellSide('cancel', command.runId);
    return;
  }
  if (command.type === 'pauseRun' || command.type === 'resumeRun') {
    const { runId } = command;
    // A run in the side worker says so itself, once it holds (sideRuns.ts); a run here, once it reaches its gate.
    const beside = tellSide(command.type === 'pauseRun' ? 'pause' : 'resume', runId);
    pauseCommand(runId, command.type === 'pauseRun', (paused) => !beside && post({ type: 'runPaused', runId, paused }));
    return;
  }
  if (command.type === 'startRun' && runsHere > 0 && activeBackend && canRunBeside(activeBackend, command.job)) {
    void runBeside(command.runId, command.job, activeBackend, post, () => enqueue(command));
    return;
  }
  enqueue(command);
});

function enqueue(command: Command): void {
  const isRun = command.type === 'startRun' || command.type === 'continueRun';
  if (isRun) runsHere += 1;
  queue = queue.then(() => handle(command)).finally(() => {
    if (isRun) runsHere -= 1;
  });
}
post({ type: 'workerReady' });
setInterval(() => scope.postMessage({ type: 'heartbeat' }), HEARTBEAT_MS);
