import { memo, useMemo, useState } from 'react';
import { resolveSettings } from '../../lab/config';
import { EXPORT_METHODS, openrlhfLaunch, TASK_SHAPES, type ExportMethod } from '../../lab/export/openrlhf';
import { overridesOf, type Setup } from '../setup';

/**
 * "Run this at scale": the page's current setup as the official RTO code's launch (an OpenRLHF 0.4.4 fork:
 * `deepspeed --module openrlhf.cli.train_ppo …`), every lab setting at its flag, placeholders for the model and data
 * paths, and what has no counterpart either way. The same as `npm run lab -- export-openrlhf` (src/lab/export/openrlhf.ts).
 */
export const ScaleUpPanel = memo(function ScaleUpPanel({ setup }: { setup: Setup }) {
  const [method, setMethod] = useState<ExportMethod>('rto');
  const launch = useMemo(() => {
    try {
      return openrlhfLaunch(resolveSettings(setup.preset, overridesOf(setup), setup.task), method, TASK_SHAPES[setup.task]);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }, [setup, method]);
  const [copied, setCopied] = useState(false);
  return (
    <section className="panel" aria-labelledby="scale-title" data-testid="scale-up">
      <h2 id="scale-title">Run this at scale</h2>
      <p className="hint">
        The setup above as the launch of the official RTO code (zkshan2002/RTO, a fork of OpenRLHF 0.4.4), for real models on GPUs: each lab setting at
        its flag, with placeholders for your model and data paths. The same command is printed by <code>npm run lab -- export-openrlhf</code>.
      </p>
      <div className="row">
        <label htmlFor="scale-method">Method</label>
        <select id="scale-method" value={method} onChange={(e) => setMethod(e.target.value as ExportMethod)}>
          {EXPORT_METHODS.map((m) => (
            <option key={m} value={m}>
              {m.toUpperCase()}
            </option>
          ))}
        </select>
        {typeof launch !== 'string' && (
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(launch.command).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy the command'}
          </button>
        )}
      </div>
      {typeof launch === 'string' ? (
        <p className="error" role="alert">
          {launch}
        </p>
      ) : (
        <>
          <pre className="launch-command" data-testid="launch-command" tabIndex={0}>
            {launch.command}
          </pre>
          <details>
            <summary>What has no counterpart ({launch.unmapped.length})</summary>
            <table className="unmapped-table">
              <thead>
                <tr>
                  <th scope="col">Only in</th>
                  <th scope="col">What</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {launch.unmapped.map((u) => (
                  <tr key={`${u.side}:${u.what}`}>
                    <td>{u.side === 'lab' ? 'the lab' : 'the engine'}</td>
                    <td>{u.what}</td>
                    <td>{u.why}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
});
