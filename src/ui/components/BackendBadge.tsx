import type { LabState } from '../labState';

/** The badge and, unless the link hides the backend panel, the button that folds that panel out under the header. */
export function BackendBadge({ state, panel }: { state: LabState; panel?: { id: string; open: boolean; onToggle: () => void } }) {
  return (
    <div className="badge-group">
      <BadgeStatus state={state} />
      {panel && (
        <button type="button" className="badge-toggle" data-testid="backend-toggle" aria-expanded={panel.open} aria-controls={panel.id} onClick={panel.onToggle}>
          {panel.open ? 'Hide backend details' : 'Backend details'} <span aria-hidden="true">{panel.open ? '▴' : '▾'}</span>
        </button>
      )}
    </div>
  );
}

/** The header's summary of where the maths runs: backend, adapter, and whether it is a real GPU. */
function BadgeStatus({ state }: { state: LabState }) {
  const { selection, backendStatus } = state;
  if (backendStatus === 'selecting' || (backendStatus === 'idle' && state.worker !== 'crashed')) {
    const what = state.choice === 'auto' ? 'measuring backends…' : `starting ${state.choice}…`;
    return (
      <div className="badge badge-pending" data-testid="backend-badge" data-status="selecting" role="status">
        {what}
      </div>
    );
  }
  if (!selection || backendStatus === 'failed') {
    return (
      <div className="badge badge-error" data-testid="backend-badge" data-status="failed" role="status">
        no backend
      </div>
    );
  }
  const { info } = selection;
  const adapter = info.adapter;
  const detail = adapter
    ? `${adapter.vendor} · ${adapter.architecture}${adapter.isFallbackAdapter ? ' (software)' : ''}`
    : info.wasm
      ? `${info.wasm.simd ? 'SIMD' : 'no SIMD'} · threads ${info.wasm.threads ? 'on' : 'off'}`
      : info.backend === 'cpu'
        ? 'plain JavaScript'
        : 'GPU via WebGL';
  const measured = selection.probe?.entries.find((e) => e.backend === info.backend)?.stepMs ?? null;
  return (
    <div
      className={`badge ${adapter?.isFallbackAdapter ? 'badge-warn' : 'badge-ok'}`}
      data-testid="backend-badge"
      data-status="ready"
      data-backend={info.backend}
      data-adapter-architecture={adapter?.architecture ?? ''}
      role="status"
      title={selection.reason}
    >
      <strong>{info.backend}</strong>
      <span className="badge-detail">{detail}</span>
      {measured !== null && <span className="badge-detail">· {measured < 10 ? measured.toFixed(1) : Math.round(measured)} ms/probe step</span>}
      {selection.choice === 'auto' && <span className="badge-auto">auto</span>}
    </div>
  );
}
