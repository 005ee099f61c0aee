import type { LogLine } from '../labState';

/** Warnings and errors printed inside the worker (tfjs reports backend trouble this way). */
export function WorkerMessages({ logs }: { logs: LogLine[] }) {
  if (logs.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="worker-log-title">
      <details>
        <summary id="worker-log-title">Messages from the worker ({logs.length})</summary>
        <ul className="log" data-testid="worker-log">
          {logs.map((l, i) => (
            <li key={i} className={l.level}>
              {l.level}: {l.message}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
