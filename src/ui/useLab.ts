/**
 * The lab worker's lifecycle (after transformers.js-examples' worker hook): created once per mount in an effect,
 * kept in a ref, listeners removed and the worker terminated on cleanup. Requests are matched to responses by
 * requestId; everything else feeds the reducer in labState.ts.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { BackendChoice } from '../worker/backendChoice';
import type { Command, Event, RunJob } from '../worker/protocol';
import { initialLabState, labReducer, type LabState } from './labState';
import { clearProbeCache, loadProbeCache, saveProbeCache } from './probeCache';

type Pending = { resolve: (event: Event) => void; reject: (error: Error) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestCommand = DistributiveOmit<Extract<Command, { requestId: string }>, 'requestId'>;

export interface LabApi {
  state: LabState;
  selectBackend(choice: BackendChoice, options?: { reprobe?: boolean }): Promise<void>;
  runBackendCheck(): void;
  /** Posts the job and returns the new run's id. */
  startRun(job: RunJob): string;
  /** Stops the running job with this runId (SFT keeps what it has learned so far). */
  stopRun(runId: string): void;
  /** Holds a run before its next step, or lets it go on. */
  pauseRun(runId: string, paused: boolean): void;
  cancelRun(): void;
  /** The SFT checkpoint as a file (binary checkpoint format). */
  exportSftCheckpoint(): Promise<{ bytes: ArrayBuffer; fileName: string }>;
  importSftCheckpoint(bytes: ArrayBuffer): Promise<void>;
  /** Loads the shipped SFT checkpoint and preference pairs (the Quick demo's starting point). */
  loadQuickDemo(): Promise<void>;
  restartWorker(): void;
  request(command: RequestCommand): Promise<Event>;
}

export function useLab(initialChoice: BackendChoice, initialNotices: string[]): LabApi {
  const [state, dispatch] = useReducer(labReducer, undefined, () => initialLabState(initialChoice, initialNotices));
  const workerRef = useRef<Worker | null>(null);
  const pending = useRef(new Map<string, Pending>());
  const nextId = useRef(0);
  const [generation, setGeneration] = useState(0);

  const rejectAll = useCallback((message: string) => {
    for (const p of pending.current.values()) p.reject(new Error(message));
    pending.current.clear();
  }, []);

  useEffect(() => {
    const worker = new Worker(new URL('../worker/lab.worker.ts', import.meta.url), { type: 'module', name: 'rto-lab' });
    workerRef.current = worker;
    const onMessage = (e: MessageEvent<Event>) => {
      const event = e.data;
      if ('requestId' in event) {
        const waiter = pending.current.get(event.requestId);
        pending.current.delete(event.requestId);
        if (waiter && event.type === 'requestFailed') waiter.reject(new Error(event.message));
        else waiter?.resolve(event);
      }
      dispatch({ type: 'event', event, at: performance.now() });
    };
    // Reaches the page only when the worker could not start or died: errors inside it are reported as events.
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      const message = e.message || 'The lab worker stopped (it failed to load or crashed).';
      rejectAll(message);
      dispatch({ type: 'workerCrashed', message });
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    return () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.terminate();
      workerRef.current = null;
      rejectAll('the lab worker was restarted');
    };
  }, [generation, rejectAll]);

  const request = useCallback((command: RequestCommand): Promise<Event> => {
    const worker = workerRef.current;
    if (!worker) return Promise.reject(new Error('the lab worker is not running'));
    const requestId = `req-${++nextId.current}`;
    return new Promise<Event>((resolve, reject) => {
      pending.current.set(requestId, { resolve, reject });
      worker.postMessage({ ...command, requestId } as Command);
    });
  }, []);

  const selectBackend = useCallback(
    async (choice: BackendChoice, options: { reprobe?: boolean } = {}) => {
      if (options.reprobe) clearProbeCache();
      dispatch({ type: 'selecting', choice });
      try {
        const event = await request({ type: 'selectBackend', choice, cachedProbe: options.reprobe ? null : loadProbeCache() });
        if (event.type === 'backendSelected' && event.selection.probe && !event.selection.probeFromCache) {
          const problem = saveProbeCache(event.selection.probe);
          if (problem) dispatch({ type: 'notice', message: problem });
        }
      } catch (error) {
        dispatch({ type: 'selectFailed', message: error instanceof Error ? error.message : String(error) });
      }
    },
    [request],
  );

  const startRun = useCallback((job: RunJob) => {
    const runId = `run-${++nextId.current}`;
    dispatch({ type: 'runRequested', runId, job, at: performance.now() });
    workerRef.current?.postMessage({ type: 'startRun', runId, job } satisfies Command);
    return runId;
  }, []);
  const runBackendCheck = useCallback(() => void startRun({ kind: 'backendCheck' }), [startRun]);

  const stopRun = useCallback((runId: string) => {
    workerRef.current?.postMessage({ type: 'cancelRun', runId } satisfies Command);
  }, []);
  const pauseRun = useCallback((runId: string, paused: boolean) => {
    workerRef.current?.postMessage({ type: paused ? 'pauseRun' : 'resumeRun', runId } satisfies Command);
  }, []);
  const cancelRun = useCallback(() => {
    if (state.check?.status === 'running') stopRun(state.check.runId);
  }, [state.check, stopRun]);

  const exportSftCheckpoint = useCallback(async () => {
    const event = await request({ type: 'exportCheckpoint', stage: 'sft' });
    if (event.type !== 'checkpointExported') throw new Error('unexpected answer from the worker');
    return { bytes: event.bytes, fileName: event.fileName };
  }, [request]);

  const importSftCheckpoint = useCallback(
    async (bytes: ArrayBuffer) => {
      await request({ type: 'importCheckpoint', stage: 'sft', bytes });
    },
    [request],
  );

  const loadQuickDemo = useCallback(async () => {
    const at = (path: string) => new URL(path, document.baseURI).href;
    await request({ type: 'loadQuickDemo', sftUrl: at('quick/sft.ckpt'), pairsUrl: at('quick/prefs.json') });
  }, [request]);

  const restartWorker = useCallback(() => {
    dispatch({ type: 'workerRestarting' });
    setGeneration((g) => g + 1);
  }, []);

  // Choose the backend as soon as the (re)started worker says it is ready.
  const choice = state.choice;
  useEffect(() => {
    if (state.worker === 'ready' && state.backendStatus === 'idle') void selectBackend(choice);
  }, [state.worker, state.backendStatus, choice, selectBackend]);

  return { state, selectBackend, runBackendCheck, startRun, stopRun, pauseRun, cancelRun, exportSftCheckpoint, importSftCheckpoint, loadQuickDemo, restartWorker, request };
}
