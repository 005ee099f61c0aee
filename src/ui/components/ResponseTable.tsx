/**
 * The response table of the RL runs: the latest evaluation's responses to the first held-out prompts, each beside
 * the SFT model's response to the same prompt, sortable by every column and filtered by words, with the signs of
 * reward hacking flagged per row and counted in one line (responseTable.ts has the rules).
 */
import { memo, useId, useState } from 'react';
import { countsLine, hackingCounts, tableRows, type TableRow } from '../responseTable';
import type { StageRun } from '../stageRuns';
import { ResponseTableView, type BesideColumn, type TableColumn } from './ResponseTableView';

const COLUMNS: TableColumn[] = [
  { key: 'prompt', label: 'Prompt', title: 'The held-out prompt' },
  { key: 'response', label: 'Response', title: "The policy's response (sampled at temperature 1 with the evaluation's seed)" },
  { key: 'gold', label: 'Gold', title: "The task's gold reward of the response" },
  { key: 'score', label: 'RM score', title: "The reward model's normalised score, clamp((r − μ)/σ, ±10)", digits: 2 },
  { key: 'kl', label: 'KL to SFT', title: 'Σ over the response of log π − log π_SFT', digits: 2 },
  { key: 'length', label: 'Length', title: 'Tokens, <eos> included', digits: 0 },
];

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

const SFT_COLUMN: BesideColumn = {
  label: 'SFT response',
  title: "The SFT model's response to the same prompt, with the same sampling seed",
  testId: 'sft-response',
  render: (r: TableRow) =>
    r.sft ? (
      <>
        {r.sft.text || <em>(empty)</em>}{' '}
        <span className="hint">
          (gold {fmt(r.sft.gold)}, {r.sft.length} tokens)
        </span>
      </>
    ) : null,
};

export const ResponseTable = memo(function ResponseTable({ runs }: { runs: { label: string; run: StageRun }[] }) {
  const id = useId();
  const withTable = runs.filter(({ run }) => (run.responses ?? null) !== null && (run.responses?.rows.length ?? 0) > 0);
  const [chosen, setChosen] = useState<string | null>(null);
  // The chosen run, or the latest one with a table.
  const current = withTable.find((r) => r.label === chosen) ?? withTable[withTable.length - 1];
  const snapshot = current?.run.responses ?? null;
  const cap = current?.run.points.find((p) => p.values['eval/length_cap'] !== undefined)?.values['eval/length_cap'] ?? Number.NaN;
  if (!current || !snapshot) return null;
  const all = tableRows(snapshot.rows, snapshot.sft, cap);
  const counts = hackingCounts(all);

  return (
    <section className="response-table-area" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Responses at the latest evaluation, beside SFT</h3>
      <p className="hint" data-testid="hacking-counts" role="status">
        {current.label}: {countsLine(counts, cap, snapshot.step)}
      </p>
      <ResponseTableView
        rows={all}
        columns={COLUMNS}
        beside={SFT_COLUMN}
        caption={`${current.label}, iteration ${snapshot.step}: the first ${all.length} held-out prompts.`}
        controls={
          withTable.length > 1 && (
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
          )
        }
      />
    </section>
  );
});
