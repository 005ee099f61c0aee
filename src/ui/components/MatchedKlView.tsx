/**
 * The matched-KL table under the reward–KL frontier: for each KL budget (rows) and each visible run (columns), the
 * best gold the run reached at an evaluation within the budget, ± its standard error, with that evaluation's length,
 * KL and iteration; then a sentence per budget saying which run is ahead there. The reading is src/ui/matchedKl.ts
 * (the CLI's experiment report uses the same rule).
 */
import { useMemo } from 'react';
import { formatGold, formatKl, matchedKlTable, type MatchedKlPoint, type MatchedKlRunInput } from '../matchedKl';

type Run = MatchedKlRunInput & { color?: string };

function Cell({ point, leads }: { point: MatchedKlPoint | null; leads: boolean }) {
  if (!point) return <td data-gold="">none within it</td>;
  const gold = formatGold(point);
  return (
    <td data-gold={point.gold} data-length={point.length} className={leads ? 'matched-kl-lead' : undefined}>
      {leads ? <strong>{gold}</strong> : gold}
      <span className="matched-kl-detail">
        {' '}
        · {Number.isFinite(point.length) ? `${point.length.toFixed(1)} tokens` : 'length —'}
        <span className="matched-kl-where">
          {' '}
          (KL {formatKl(point.kl)}, iteration {Number.isFinite(point.iteration) ? point.iteration : '?'})
        </span>
      </span>
    </td>
  );
}

export function MatchedKlView({ runs }: { runs: readonly Run[] }) {
  const table = useMemo(() => matchedKlTable(runs), [runs]);
  const shown = runs.filter((r) => r.visible !== false);
  if (shown.length === 0) return null;
  return (
    <section className="matched-kl-view rl-chart-wide" data-testid="matched-kl-view" aria-labelledby="matched-kl-title">
      <h4 id="matched-kl-title" className="rl-chart-title">
        Matched KL
      </h4>
      <p className="rl-chart-note matched-kl-note">
        Each run read at the best gold it reached at an evaluation whose KL to SFT is within the budget (± 1 standard error over the held-out
        prompts), so a run that drifted further is not flattered; the CLI’s experiment report uses the same rule. Length sits beside gold: a gain
        that is only length is reward hacking. Budgets: steps of the ladder …, 0.1, 0.2, 0.5, 1, 2, 4, 8, … between the smallest and the largest KL the evaluations reached, and that largest KL.
      </p>
      {table.rows.length === 0 ? (
        <p className="hint" data-testid="matched-kl-empty">
          No evaluation has moved away from SFT yet (every KL is 0): the table fills in after the first evaluation of a trained policy.
        </p>
      ) : (
        <>
          <table className="matched-kl-table">
            <caption>Best gold ± SE within each KL budget, with the mean response length (tokens) at that evaluation</caption>
            <thead>
              <tr>
                <th scope="col">KL budget</th>
                {shown.map((run) => (
                  <th scope="col" key={run.label}>
                    {run.color && <span className="rl-charts-swatch" style={{ background: run.color }} aria-hidden="true" />} {run.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={row.budget} data-testid="matched-kl-row" data-budget={row.budget}>
                  <th scope="row">KL ≤ {row.budget}</th>
                  {row.cells.map((cell, i) => (
                    <Cell key={table.runs[i]} point={cell} leads={row.clear && row.leader === i} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <ul className="matched-kl-sentences">
            {table.rows.map((row) => (
              <li key={row.budget} data-testid="matched-kl-sentence" data-budget={row.budget}>
                {row.sentence}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
