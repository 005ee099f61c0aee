import { useEffect, useState } from 'react';
import { BACKEND_CHOICES, type BackendChoice } from '../../worker/backendChoice';
import type { LabApi } from '../useLab';
import { CheckResults } from './CheckResults';
import { ProbeTable } from './ProbeTable';

const CHOICE_LABELS: Record<BackendChoice, string> = {
  auto: 'auto (fastest measured)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly (SIMD)',
  cpu: 'plain JavaScript (cpu)',
};

/** Where the maths runs: choose a backend, see why auto chose one, and check it against cpu. */
export function BackendPanel({ lab, onChoose }: { lab: LabApi; onChoose: (choice: BackendChoice) => void }) {
  const { state } = lab;
  const { selection } = state;
  const busy = state.backendStatus === 'selecting' || state.check?.status === 'running';
  const memory = useLiveTensors(lab);
  return (
    <section className="panel" aria-labelledby="backend-title">
      <h2 id="backend-title">Backend</h2>
      <div className="row">
        <label htmlFor="backend-select">Run the maths on</label>
        <select
          id="backend-select"
          data-testid="backend-select"
          value={state.choice}
          disabled={busy || state.worker !== 'ready'}
          onChange={(e) => onChoose(e.target.value as BackendChoice)}
        >
          {BACKEND_CHOICES.map((c) => (
            <option key={c} value={c}>
              {CHOICE_LABELS[c]}
            </option>
          ))}
        </select>
        {state.choice === 'auto' && (
          <button type="button" disabled={busy || state.worker !== 'ready'} onClick={() => void lab.selectBackend('auto', { reprobe: true })}>
            Measure again
          </button>
        )}
      </div>
      {state.backendError && (
        <p className="error" role="alert" data-testid="backend-error">
          Could not start {state.choice}: {state.backendError}. Choose another backend above.
        </p>
      )}
      {selection && state.backendStatus === 'ready' && (
        <>
          <p data-testid="backend-reason">
            Using <strong>{selection.info.backend}</strong> — {selection.reason}
            {selection.info.wasm && ` WebAssembly threads are off on purpose: ${selection.info.wasm.threadsWhy}.`}
          </p>
          {selection.info.adapter?.isFallbackAdapter && (
            <p className="notice" data-testid="software-adapter-warning">
              This WebGPU adapter is a software rasteriser ({selection.info.adapter.architecture}), not a GPU: results are
              correct but training is slow. Choose auto to use the fastest backend on this computer.
            </p>
          )}
          {selection.probe && <ProbeTable probe={selection.probe} chosen={selection.info.backend} fromCache={selection.probeFromCache} />}
          <div className="row">
            <button type="button" data-testid="run-check" disabled={busy} onClick={lab.runBackendCheck}>
              Check {selection.info.backend} against cpu
            </button>
            {state.check?.status === 'running' && (
              <button type="button" onClick={lab.cancelRun}>
                Stop
              </button>
            )}
            <span className="hint">Runs every op of the model and its gradient on both backends and compares the numbers.</span>
          </div>
        </>
      )}
      {state.check && <CheckResults check={state.check} />}
      {memory !== null && (
        <p className="hint" data-testid="live-tensors" data-count={memory}>
          Tensors alive in the worker: {memory} (stays flat from run to run when nothing leaks).
        </p>
      )}
    </section>
  );
}

/** tf.memory().numTensors in the worker, read after the backend changes and after each check finishes. */
function useLiveTensors(lab: LabApi): number | null {
  const [count, setCount] = useState<number | null>(null);
  const { request, state } = lab;
  const checkStatus = state.check?.status;
  const backendStatus = state.backendStatus;
  useEffect(() => {
    if (backendStatus !== 'ready' || checkStatus === 'running') return;
    let live = true;
    request({ type: 'getMemory' })
      .then((event) => {
        if (live && event.type === 'memory') setCount(event.numTensors);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [request, backendStatus, checkStatus, state.check?.runId]);
  return count;
}
