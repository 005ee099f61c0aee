/**
 * The lab worker's lifecycle (after transformers.js-examples' worker hook): created once per mount in an effect,
 * kept in a ref, listeners removed and the worker terminated on cleanup. Requests are matched to responses by
 * requestId; everything else feeds the reducer in labState.ts.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { BackendChoice } from '../worker/backendChoice';
import type { SavedLabInfo } from '../lab/lab/lab';
import type { Command, Event, EventOf, RunJob } from '../worker/protocol';
import { corpusUrl } from './appFiles';
import { actionBatcher } from './actionBatcher';
import { forgetOpenLab, openLabChoice, rememberOpenLab } from './openLabChoice';
import { initialLabState, labReducer, type Action, type LabState } from './labState';
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
  /** A new worker (on `choice`, or the current backend); the lab reopens from its last save. */
  restartWorker(choice?: BackendChoice): void;
  request(command: RequestCommand): Promise<Event>;
  /** Saved labs (IndexedDB), newest first. */
  listLabs(): Promise<SavedLabInfo[]>;
  /** Opens a saved lab, a lab file or one at a URL, and replays it into the page; a lab that fails to open changes nothing. */
  openLab(source: OpenSource): Promise<void>;
  deleteLab(id: string): Promise<void>;
  /** Start fresh: the page and the worker drop the open lab (saved labs stay). */
  startFresh(): Promise<void>;
  /** The open lab as one file. */
  exportLab(): Promise<{ bytes: ArrayBuffer; fileName: string }>;
  /** Goes on with an interrupted RL run from its last save. */
  continueRun(runId: string): void;
}

export type OpenSource = Extract<Command, { type: 'openLab' }>['source'];

/** Run ids unique across page loads, so a restored lab's runs and new ones never share one. */
const SESSION = Date.now().toString(36);
/** The longest a step's metrics and progress wait before the page renders them: about 7 renders a second. */
const RENDER_EVERY_MS = 150;
/** What may wait: the events a run sends at every step or iteration. Its start, end, failure and every answer do not. */
const deferrable = (a: Action) => a.type === 'event' && (a.event.type === 'runProgress' || a.event.type === 'stage');

/** How long a worker may stay silent (it posts a heartbeat every second) before the page reports it stopped. */
const SILENT_MS = 12_000;

/** The Quick demo's files, shipped with the app (made by `npm run lab -- quick-assets`), and the corpus. */
const quickDemoFiles = () => {
  const at = (path: string) => new URL(path, document.baseURI).href;
  return { sftUrl: at('quick/sft.ckpt'), pairsUrl: at('quick/prefs.json'), dataUrl: corpusUrl() };
};

export function useLab(initialChoice: BackendChoice, initialNotices: string[]): LabApi {
  const [state, dispatchNow] = useReducer(labReducer, undefined, () => initialLabState(initialChoice, initialNotices));
  // Every action goes through the batcher: a step's metrics and progress wait up to RENDER_EVERY_MS and reach the
  // reducer together; anything else delivers them and itself at once, in order (actionBatcher.ts).
  const [batcher] = useState(() => actionBatcher<Action>((actions) => dispatchNow(actions.length === 1 ? actions[0]! : { type: 'batch', actions }), deferrable, RENDER_EVERY_MS));
  const dispatch = batcher.push;
  useEffect(() => () => batcher.flush(), [batcher]);
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
    let lastHeard = Date.now();
    const onMessage = (e: MessageEvent<Event>) => {
      const event = e.data;
      lastHeard = Date.now();
      if (event.type === 'heartbeat') return;
      if ('requestId' in event) {
        const waiter = pending.current.get(event.requestId);
        pending.current.delete(event.requestId);
        if (waiter && event.type === 'requestFailed') waiter.reject(new Error(event.message));
        else waiter?.resolve(event);
      }
      if (event.type === 'labSaved') rememberOpenLab(event.id);
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
    // A worker that stopped (crashed, or was killed) posts nothing, not even its heartbeat: after SILENT_MS it is
    // reported like a crash, and Restart reopens the lab from its last save.
    const watchdog = window.setInterval(() => {
      if (Date.now() - lastHeard < SILENT_MS) return;
      window.clearInterval(watchdog);
      worker.terminate();
      const message = `The lab worker stopped responding (no message for ${SILENT_MS / 1000} s): it crashed or was stopped.`;
      rejectAll(message);
      dispatch({ type: 'workerCrashed', message });
    }, 1000);
    return () => {
      window.clearInterval(watchdog);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.terminate();
      workerRef.current = null;
      rejectAll('the lab worker was restarted');
    };
  }, [generation, rejectAll, dispatch]);

  const request = useCallback((command: RequestCommand): Promise<Event> => {
    const worker = workerRef.current;
    if (!worker) return Promise.reject(new Error('the lab worker is not running'));
    const requestId = `req-${SESSION}-${++nextId.current}`;
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
    [request, dispatch],
  );

  const startRun = useCallback((job: RunJob) => {
    const runId = `run-${SESSION}-${++nextId.current}`;
    dispatch({ type: 'runRequested', runId, job, at: performance.now() });
    workerRef.current?.postMessage({ type: 'startRun', runId, job } satisfies Command);
    return runId;
  }, [dispatch]);
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
      await request({ type: 'importCheckpoint', stage: 'sft', bytes, dataUrl: corpusUrl() });
    },
    [request],
  );

  const loadQuickDemo = useCallback(async () => {
    await request({ type: 'loadQuickDemo', ...quickDemoFiles() });
  }, [request]);

  const restartWorker = useCallback((choice?: BackendChoice) => {
    dispatch(choice ? { type: 'workerRestarting', choice } : { type: 'workerRestarting' });
    setGeneration((g) => g + 1);
  }, [dispatch]);

  const listLabs = useCallback(async () => {
    const event = await request({ type: 'listLabs' });
    return event.type === 'labList' ? event.labs : [];
  }, [request]);

  const openLab = useCallback(
    async (source: OpenSource) => {
      const event = await request({ type: 'openLab', source, dataUrl: corpusUrl() });
      if (event.type !== 'labOpened') throw new Error('unexpected answer from the worker');
      replayLab(event, dispatch);
      rememberOpenLab(event.info.id);
    },
    [request, dispatch],
  );

  const deleteLab = useCallback(
    async (id: string) => {
      await request({ type: 'deleteLab', id });
      if (openLabChoice() === id) forgetOpenLab();
    },
    [request],
  );

  const startFresh = useCallback(async () => {
    await request({ type: 'closeLab' });
    forgetOpenLab();
    dispatch({ type: 'labReset', id: null });
  }, [request, dispatch]);

  const exportLab = useCallback(async () => {
    const event = await request({ type: 'exportLab' });
    if (event.type !== 'labExported') throw new Error('unexpected answer from the worker');
    return { bytes: event.bytes, fileName: event.fileName };
  }, [request]);

  const continueRun = useCallback((runId: string) => {
    workerRef.current?.postMessage({ type: 'continueRun', runId } satisfies Command);
  }, []);

  // Choose the backend as soon as the (re)started worker says it is ready.
  const choice = state.choice;
  useEffect(() => {
    if (state.worker === 'ready' && state.backendStatus === 'idle') void selectBackend(choice);
  }, [state.worker, state.backendStatus, choice, selectBackend]);

  // Once a backend is ready in a (re)started worker: the lab of `#lab=<url>`, else the lab that was open (a reload,
  // a crash), unless the user started fresh. A lab that cannot be opened is a notice; the page starts empty.
  const restored = useRef(-1);
  useEffect(() => {
    if (state.backendStatus !== 'ready' || restored.current === generation) return;
    restored.current = generation;
    const fromUrl = labUrlOf(window.location.hash);
    const remembered = openLabChoice();
    // A page that starts empty gets the Quick demo ready while the visitor reads (quickDemo.ts, prepareQuickDemo).
    const startsEmpty = () => workerRef.current?.postMessage({ type: 'prepareQuickDemo', ...quickDemoFiles() } satisfies Command);
    if (!fromUrl && remembered === 'none') return startsEmpty();
    const source: OpenSource = fromUrl ? { kind: 'url', url: fromUrl } : { kind: 'saved', id: remembered };
    openLab(source)
      .then(() => {
        // Opened and saved: a reload now continues the saved copy instead of opening the file again over it.
        if (fromUrl) window.history.replaceState(null, '', window.location.href.replace(/([#&])lab=[^&]*&?/, '$1').replace(/[#&]$/, ''));
      })
      .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!fromUrl && /no saved lab/.test(message)) return startsEmpty();
      dispatch({ type: 'notice', message: `${fromUrl ? `Could not open the lab at ${fromUrl}` : 'Could not restore the last lab'}: ${message}` });
    });
  }, [state.backendStatus, generation, openLab, dispatch]);

  // A lost WebGPU device takes the lab's tensors with it: once another backend is ready, the lab reopens from its
  // last save there.
  const lost = useRef(false);
  useEffect(() => {
    if (state.deviceLost) lost.current = true;
  }, [state.deviceLost]);
  useEffect(() => {
    if (state.backendStatus !== 'ready' || !lost.current) return;
    lost.current = false;
    const remembered = openLabChoice();
    if (remembered === 'none') return;
    openLab({ kind: 'saved', id: remembered }).catch((error: unknown) => {
      dispatch({ type: 'notice', message: `Could not reopen the lab after the device was lost: ${error instanceof Error ? error.message : String(error)}` });
    });
  }, [state.backendStatus, openLab, dispatch]);

  return { state, selectBackend, runBackendCheck, startRun, stopRun, pauseRun, cancelRun, exportSftCheckpoint, importSftCheckpoint, loadQuickDemo, restartWorker, request, listLabs, openLab, deleteLab, startFresh, exportLab, continueRun };
}

/** `#lab=<url>` in the address: a lab file to open (relative to the page). */
function labUrlOf(hash: string): string | null {
  const value = new URLSearchParams(hash.replace(/^#/, '')).get('lab');
  return value ? new URL(value, document.baseURI).href : null;
}

/** A saved lab into the page: its runs replayed as the page first received them, then its resumable runs marked. */
function replayLab(event: EventOf<'labOpened'>, dispatch: (action: Action) => void): void {
  dispatch({ type: 'labReset', id: event.info.id, bytes: event.info.bytes });
  for (const run of event.runs) {
    if (run.job.kind !== 'load') dispatch({ type: 'runRequested', runId: run.runId, job: run.job, at: performance.now() });
    for (const e of run.events) dispatch({ type: 'event', event: e, at: performance.now() });
    // A report that was still being made when the lab was last saved (a reload in between) is not coming: the stage
    // shows what it has.
    const awaited = run.events.some((e) => e.type === 'runFinished' && e.result.kind === 'stage' && e.result.reportPending);
    if (awaited && !run.events.some((e) => e.type === 'runReport')) dispatch({ type: 'event', event: { type: 'runReport', runId: run.runId, values: {} }, at: performance.now() });
  }
  for (const r of event.resumable) dispatch({ type: 'runInterrupted', runId: r.runId, iteration: r.iteration });
  dispatch({ type: 'sftModelLoaded', summary: event.sft });
}
