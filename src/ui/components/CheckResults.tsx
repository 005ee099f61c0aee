import type { CheckRun } from '../labState';

/** Agreement of the active backend with cpu, op by op; 1e-4 is the lab's tolerance for GPU backends. */
export const CHECK_TOLERANCE = 1e-4;

const sci = (v: number) => (v === 0 ? '0' : Number.isFinite(v) ? v.toExponential(1) : '∞');

export function CheckResults({ check }: { check: CheckRun }) {
  if (check.status === 'running') {
    return (
      <p role="status" data-testid="check-progress">
        Checking… {check.total > 0 ? `${check.done}/${check.total}: ${check.label}` : ''}
      </p>
    );
  }
  if (check.status === 'failed')
    return (
      <p className="error" role="alert" data-testid="check-failed">
        The check failed: {check.error}
      </p>
    );
  if (check.status === 'cancelled' || !check.result) return <p>The check was cancelled.</p>;
  const { result } = check;
  const pass = result.maxAbsDiff <= CHECK_TOLERANCE;
  return (
    <div data-testid="check-result" data-backend={result.backend} data-max-abs-diff={result.maxAbsDiff} data-pass={pass}>
      <p className={pass ? 'ok' : 'error'}>
        {pass ? '✓' : '✗'} {result.backend} agrees with cpu to {sci(result.maxAbsDiff)} (tolerance {sci(CHECK_TOLERANCE)}), in{' '}
        {(result.elapsedMs / 1000).toFixed(1)} s.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">op</th>
            <th scope="col">max |Δ| value*</th>
            <th scope="col">max |Δ| gradient</th>
          </tr>
        </thead>
        <tbody>
          {result.comparisons.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{sci(c.maxAbsDiffOutput)}</td>
              <td>{sci(c.maxAbsDiffGrad)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">* the worst |difference|, divided by the largest |value| where that exceeds 1 (relative for big numbers).</p>
    </div>
  );
}
