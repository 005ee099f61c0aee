/**
 * The page's side of the rollout-log worker (worker/rollouts.worker.ts): started on the first open, one read at a
 * time, its progress and its result as React state. A read cancelled keeps what it read; a worker that crashes is
 * reported and replaced on the next open.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RolloutRunView } from '../lab/rollouts';
import type { RolloutCommand, RolloutEvent } from '../worker/rolloutProtocol';

export interface RolloutProgress {
  bytesRead: number;
  totalBytes: number;
  records: number;
  name: string;
  file: number;
  files: number;
}

export type RolloutLogsState =
  | { status: 'idle' }
  | { status: 'reading'; requestId: string; progress: RolloutProgress; cancelling: boolean }
  | { status: 'done'; view: RolloutRunView; cancelled: boolean; seconds: number }
  | { status: 'failed'; message: string };

let nextId = 0;

export function useRolloutLogs() {
  const [state, setState] = useState<RolloutLogsState>({ status: 'idle' });
  const worker = useRef<Worker | null>(null);
  const current = useRef<string | null>(null);

  useEffect(() => () => worker.current?.terminate(), []);

  const start = useCallback((): Worker => {
    if (worker.current) return worker.current;
    const w = new Worker(new URL('../worker/rollouts.worker.ts', import.meta.url), { type: 'module', name: 'rto-lab-rollouts' });
    w.onmessage = (e: MessageEvent<RolloutEvent>) => {
      const ev = e.data;
      if (ev.requestId !== current.current) return;
      if (ev.type === 'progress') {
        setState((s) => (s.status === 'reading' ? { ...s, progress: { bytesRead: ev.bytesRead, totalBytes: ev.totalBytes, records: ev.records, name: ev.name, file: ev.file, files: ev.files } } : s));
      } else if (ev.type === 'done') {
        current.current = null;
        setState({ status: 'done', view: ev.view, cancelled: ev.cancelled, seconds: ev.seconds });
      } else {
        current.current = null;
        setState({ status: 'failed', message: ev.message });
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      w.terminate();
      worker.current = null;
      current.current = null;
      setState({ status: 'failed', message: `the reader stopped: ${e.message || 'the worker crashed'}. Open the files again to retry.` });
    };
    worker.current = w;
    return w;
  }, []);

  const open = useCallback(
    (files: File[], padToken: string) => {
      if (files.length === 0) return;
      const requestId = `r${++nextId}`;
      current.current = requestId;
      const totalBytes = files.reduce((n, f) => n + f.size, 0);
      setState({ status: 'reading', requestId, cancelling: false, progress: { bytesRead: 0, totalBytes, records: 0, name: files[0]!.name, file: 0, files: files.length } });
      const pad = padToken.trim();
      const command: RolloutCommand = { type: 'open', requestId, files, ...(pad ? { padToken: pad } : {}) };
      start().postMessage(command);
    },
    [start],
  );

  const cancel = useCallback(() => {
    const id = current.current;
    if (!id || !worker.current) return;
    worker.current.postMessage({ type: 'cancel', requestId: id } satisfies RolloutCommand);
    setState((s) => (s.status === 'reading' ? { ...s, cancelling: true } : s));
  }, []);

  const close = useCallback(() => {
    if (current.current && worker.current) worker.current.postMessage({ type: 'cancel', requestId: current.current } satisfies RolloutCommand);
    current.current = null;
    setState({ status: 'idle' });
  }, []);

  return { state, open, cancel, close };
}
