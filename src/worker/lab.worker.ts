/**
 * The lab worker: owns tfjs and every tensor; talks to the UI only through protocol.ts.
 * Module worker, created once by the UI (src/ui/useLab.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { compareOpResults, OP_CASES, runOpSuite } from '../lab/checks/opSuite';
import { selectBackend, activateBackend, watchWebGpuDevice } from './backend';
import { errorMessage, type BackendCheckResult, type Command, type Event } from './protocol';
import type { BackendName } from './backendChoice';

/** The few worker-global members used here (the project type-checks against the DOM lib). */
interface WorkerScope {
  postMessage(event: Event): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<Command>) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (e: PromiseRejectionEvent) => void): void;
}
const scope = self as unknown as WorkerScope;
const post = (event: Event): void => scope.postMessage(event);

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

let activeBackend: BackendName | null = null;
const cancelled = new Set<string>();

class RunCancelled extends Error {}

async function backendCheck(runId: string): Promise<BackendCheckResult> {
  const backend = activeBackend;
  if (!backend) throw new Error('no backend is active yet');
  const start = performance.now();
  const total = 2 * OP_CASES.length;
  let done = 0;
  const progress = (where: string) => (name: string) => {
    if (cancelled.has(runId)) throw new RunCancelled();
    post({ type: 'runProgress', runId, done: done++, total, label: `${name} on ${where}` });
  };
  const onBackend = await runOpSuite('backend-check', progress(backend));
  await activateBackend('cpu');
  try {
    const onCpu = await runOpSuite('backend-check', progress('cpu'));
    const comparisons = compareOpResults(onBackend, onCpu);
    const maxAbsDiff = Math.max(...comparisons.map((c) => Math.max(c.maxAbsDiffOutput, c.maxAbsDiffGrad)));
    return { backend, reference: 'cpu', comparisons, maxAbsDiff, elapsedMs: performance.now() - start };
  } finally {
    await activateBackend(backend);
  }
}

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'selectBackend': {
      try {
        const selection = await selectBackend(command.choice, command.cachedProbe);
        activeBackend = selection.info.backend;
        watchWebGpuDevice((reason, message) => {
          activeBackend = null;
          post({ type: 'deviceLost', backend: 'webgpu', reason, message });
        });
        post({ type: 'backendSelected', requestId: command.requestId, selection });
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
    case 'startRun': {
      const { runId, job } = command;
      if (!activeBackend) {
        post({ type: 'runFailed', runId, message: 'No backend is ready: choose one first.' });
        return;
      }
      post({ type: 'runStarted', runId, job, backend: activeBackend });
      try {
        const result = await backendCheck(runId);
        post({ type: 'runFinished', runId, result });
      } catch (error) {
        if (error instanceof RunCancelled) post({ type: 'runCancelled', runId });
        else post({ type: 'runFailed', runId, message: errorMessage(error) });
      } finally {
        cancelled.delete(runId);
      }
      return;
    }
    case 'cancelRun':
      cancelled.add(command.runId);
      return;
  }
}

// Commands run one at a time (a backend switch must not interleave with a run); cancel acts at once.
let queue: Promise<void> = Promise.resolve();
scope.addEventListener('message', (e) => {
  const command = e.data;
  if (command.type === 'cancelRun') {
    cancelled.add(command.runId);
    return;
  }
  queue = queue.then(() => handle(command));
});
post({ type: 'workerReady' });
