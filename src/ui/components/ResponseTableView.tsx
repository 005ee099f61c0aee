/**
 * The response table itself, for the lab's RL runs (ResponseTable.tsx) and for an opened rollout log
 * (RolloutResponses.tsx): rows sortable by every column and filtered by words, the signs of reward hacking flagged
 * per row (responseTable.ts has the rules), and a last column beside each response (SFT's, or the reference
 * model's) drawn by the caller.
 */
import { useId, useState, type ReactNode } from 'react';
import { filterRows, nextOrder, sortRows, type ResponseColumn, type SortOrder, type TableRow } from '../responseTable';

export interface TableColumn {
  key: ResponseColumn;
  label: string;
  title: string;
  /** Decimals of a number column. */
  digits?: number;
}

export interface BesideColumn {
  label: string;
  title: string;
  testId: string;
  /** The cell's content; null draws a dash (the row has nothing beside it). */
  render: (row: TableRow) => ReactNode | null;
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const TEXT_COLUMNS: ReadonlySet<ResponseColumn> = new Set(['prompt', 'response']);

function Flags({ row }: { row: TableRow }) {
  const flags = [row.flags.atCap && 'at the length cap', row.flags.repeated && 'repeated word', row.flags.shared && 'shared response'].filter((f): f is string => Boolean(f));
  return flags.length ? (
    <span className="response-flags" data-testid="response-flags">
      {flags.map((f) => (
        <span key={f} className="response-flag">
          {f}
        </span>
      ))}
    </span>
  ) : null;
}

export function ResponseTableView({
  rows,
  columns,
  beside,
  caption,
  controls,
  testId = 'response-table',
}: {
  rows: readonly TableRow[];
  columns: readonly TableColumn[];
  beside: BesideColumn | null;
  caption: string;
  /** Controls before the filter (a run picker). */
  controls?: ReactNode;
  testId?: string;
}) {
  const id = useId();
  const [order, setOrder] = useState<SortOrder | null>(null);
  const [query, setQuery] = useState('');
  const shown = sortRows(filterRows(rows, query), order);
  return (
    <>
      <div className="row">
        {controls}
        <label htmlFor={`${id}-filter`}>Filter by words</label>
        <input id={`${id}-filter`} type="search" data-testid="response-filter" value={query} placeholder="e.g. great" onChange={(e) => setQuery(e.target.value)} />
        <span className="hint" aria-live="polite">
          {shown.length} of {rows.length} shown
        </span>
      </div>
      <div className="response-table-scroll">
        <table data-testid={testId} className="response-table">
          <caption className="hint">{caption} Press a column header to sort by it.</caption>
          <thead>
            <tr>
              {columns.map((c) => {
                const sort = order?.column === c.key ? order.direction : 'none';
                return (
                  <th key={c.key} scope="col" aria-sort={sort} title={c.title}>
                    <button type="button" className="sort-button" data-testid={`sort-${c.key}`} onClick={() => setOrder(nextOrder(order, c.key))}>
                      {c.label}
                      <span aria-hidden="true">{sort === 'ascending' ? ' ▲' : sort === 'descending' ? ' ▼' : ''}</span>
                    </button>
                  </th>
                );
              })}
              {beside && (
                <th scope="col" title={beside.title}>
                  {beside.label}
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.index} data-testid="response-row" className={r.flags.atCap || r.flags.repeated || r.flags.shared ? 'flagged' : undefined}>
                {columns.map((c) =>
                  TEXT_COLUMNS.has(c.key) ? (
                    <td key={c.key} data-col={c.key}>
                      {c.key === 'prompt' ? r.prompt : <>{r.text || <em>(empty)</em>} <Flags row={r} /></>}
                    </td>
                  ) : (
                    <td key={c.key} data-col={c.key} className="num">
                      {fmt(r[c.key as Exclude<ResponseColumn, 'prompt' | 'response'>], c.digits)}
                    </td>
                  ),
                )}
                {beside && <td data-col="beside" data-testid={beside.testId}>{beside.render(r) ?? <span className="hint">—</span>}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="hint">No response or prompt contains all of “{query}”.</p>}
    </>
  );
}
