import type { ProbeRecord } from '../../worker/backendChoice';

const ms = (v: number | null) => (v === null ? '—' : v < 10 ? v.toFixed(1) : Math.round(v).toString());

/** Auto mode's measurements: one row per backend, the chosen one marked. */
export function ProbeTable({ probe, chosen, fromCache }: { probe: ProbeRecord; chosen: string; fromCache: boolean }) {
  return (
    <div className="probe">
      <table data-testid="probe-table">
        <caption>
          Probe: three matmuls and one gradient step of a small two-layer network
          {fromCache ? ` (cached from ${new Date(probe.measuredAt).toLocaleString()})` : ' (measured just now)'}
        </caption>
        <thead>
          <tr>
            <th scope="col">backend</th>
            <th scope="col">warm-up (ms)</th>
            <th scope="col">per step (ms)</th>
            <th scope="col">note</th>
          </tr>
        </thead>
        <tbody>
          {probe.entries.map((e) => (
            <tr key={e.backend} data-backend={e.backend} data-step-ms={e.stepMs ?? ''} className={e.backend === chosen ? 'chosen' : ''}>
              <th scope="row">{e.backend}{e.backend === chosen ? ' ✓' : ''}</th>
              <td>{e.ok ? ms(e.warmupMs) : '—'}</td>
              <td>{e.ok ? ms(e.stepMs) : '—'}</td>
              <td>
                {!e.ok ? `unavailable: ${e.error ?? 'unknown'}` : e.software ? 'software adapter (no GPU)' : e.overBudget ? (e.stepMs === null ? 'warm-up used the probe time' : 'stopped early: clearly slower') : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
