/**
 * The response table of the RL runs: the latest evaluation's responses to the first held-out prompts, each beside
 * the SFT model's response to the same prompt, sortable by every column and filtered by words, with the signs of
 * reward hacking flagged per row and counted in one line (responseTable.ts has the rules).
 */
import { useId, useState } from 'react';
import { countsLine, filterRows, hackingCounts, nextOrder, sortRows, tableRows, type ResponseColumn, type SortOrder, type TableRow } from '../responseTable';
import type { StageRun } from '../stageRuns';

const COLUMNS: { key: ResponseColumn; label: string; title: string }[] = [
  { key: 'prompt', label: 'Prompt', title: 'The held-out prompt' },
  { key: 'response', label: 'Response', title: "The policy's response (sampled at temperature 1 with the evaluation's seed)" },
  { key: 'gold', label: 'Gold', title: "The task's gold reward of the response" },
  { key: 'score', label: 'RM score', title: "The reward model's normalised score, clamp((r − μ)/σ, ±10)" },
  { key: 'kl', label: 'KL to SFT', title: 'Σ over the response of log π − log π_SFT' },
  { key: 'length', label: 'Length', title: 'Tokens, <eos> included' },
];

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

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

export function ResponseTable({ runs }: { runs: { label: string; run: StageRun }[] }) {
  const id = useId();
  const withTable = runs.filter(({ run }) => (run.responses ?? null) !== null && (run.responses?.rows.length ?? 0) > 0);
  const [chosen, setChosen] = useState<string | null>(null);
  const [order, setOrder] = useState<SortOrder | null>(null);
  const [query, setQuery] = useState('');
  // The chosen run, or the latest one with a table.
  const current = withTable.find((r) => r.label === chosen) ?? withTable[withTable.length - 1];
  const snapshot = current?.run.responses ?? null;
  const cap = current?.run.points.find((p) => p.values['eval/length_cap'] !== undefined)?.values['eval/length_cap'] ?? Number.NaN;
  if (!current || !snapshot) return null;
  const all = tableRows(snapshot.rows, snapshot.sft, cap);
  const shown = sortRows(filterRows(all, query), order);
  const counts = hackingCounts(all);

  return (
    <section className="response-table-area" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Responses at the latest evaluation, beside SFT</h3>
      <p className="hint" data-testid="hacking-counts" role="status">
        {current.label}: {countsLine(counts, cap, snapshot.step)}
      </p>
      <div className="row">
        {withTable.length > 1 && (
          <>
            <label htmlFor={`${id}-run`}>Run</label>
            <select id={`${id}-run`} value={current.label} onChange={(e) => setChosen(e.target.value)}>
              {withTable.map((r) => (
                <option key={r.label} value={r.label}>
                  {r.label}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor={`${id}-filter`}>Filter by words</label>
        <input id={`${id}-filter`} type="search" data-testid="response-filter" value={query} placeholder="e.g. great" onChange={(e) => setQuery(e.target.value)} />
        <span className="hint" aria-live="polite">
          {shown.length} of {all.length} prompts shown
        </span>
      </div>
      <div className="response-table-scroll">
        <table data-testid="response-table" className="response-table">
          <caption className="hint">
            {current.label}, iteration {snapshot.step}: the first {all.length} held-out prompts. Press a column header to sort by it.
          </caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => {
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
              <th scope="col" title="The SFT model's response to the same prompt, with the same sampling seed">
                SFT response
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.index} data-testid="response-row" className={r.flags.atCap || r.flags.repeated || r.flags.shared ? 'flagged' : undefined}>
                <td data-col="prompt">{r.prompt}</td>
                <td data-col="response">
                  {r.text || <em>(empty)</em>} <Flags row={r} />
                </td>
                <td data-col="gold" className="num">
                  {fmt(r.gold)}
                </td>
                <td data-col="score" className="num">
                  {fmt(r.score, 2)}
                </td>
                <td data-col="kl" className="num">
                  {fmt(r.kl, 2)}
                </td>
                <td data-col="length" className="num">
                  {fmt(r.length, 0)}
                </td>
                <td data-col="sft" data-testid="sft-response">
                  {r.sft ? (
                    <>
                      {r.sft.text || <em>(empty)</em>}{' '}
                      <span className="hint">
                        (gold {fmt(r.sft.gold)}, {r.sft.length} tokens)
                      </span>
                    </>
                  ) : (
                    <span className="hint">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="hint">No response or prompt contains all of “{query}”.</p>}
    </section>
  );
}
