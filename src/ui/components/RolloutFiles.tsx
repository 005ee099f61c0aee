/** What each opened rollout-log file holds: records, fields, the views it supports and lacks, tokens aligned, bad lines. */
import { ROLLOUT_VIEWS, viewNeedsText, type RolloutRunView } from '../../lab/rollouts';
import { sizeText } from '../rolloutViewData';

export function RolloutFiles({ view, padToken }: { view: RolloutRunView; padToken: string }) {
  return (
    <ul className="rollout-files" data-testid="rollout-file-list">
      {view.files.map((f, i) => {
        const s = f.summary;
        const supported = ROLLOUT_VIEWS.filter((v) => s.views.includes(v.id));
        const missing = ROLLOUT_VIEWS.filter((v) => !s.views.includes(v.id));
        return (
          <li key={i} data-testid="rollout-file">
            <strong>{f.name}</strong> <span className="hint">({sizeText(f.bytes)})</span>: {s.records.toLocaleString('en')} records from {s.lines.toLocaleString('en')} lines
            {s.blankLines ? `, ${s.blankLines} blank` : ''}
            {', '}
            <span data-testid="bad-line-count">{s.badLineCount} bad</span>.{f.stopped && <span className="error"> Read in part: {f.stopped}.</span>}
            <div className="hint">Fields: {s.fields.length ? s.fields.map((k) => `${k} (${s.fieldCounts[k]})`).join(', ') : 'none'}.</div>
            {s.unknownKeys.length > 0 && <div className="hint">Other keys, not read: {s.unknownKeys.join(', ')}.</div>}
            <div data-testid="file-views">Views: {supported.length ? supported.map((v) => v.label).join('; ') : 'none'}.</div>
            {missing.length > 0 && (
              <details>
                <summary className="hint">Views this file does not support ({missing.length})</summary>
                <ul className="hint">
                  {missing.map((v) => (
                    <li key={v.id}>
                      {v.label}: needs {viewNeedsText(v)}
                    </li>
                  ))}
                </ul>
              </details>
            )}
            {s.fieldCounts.response_tokens !== undefined && (
            <div className="hint" data-testid="file-tokens">
              {s.alignedRecords} records had arrays one shorter than response_tokens: {s.droppedTokens} tokens dropped to align them.{' '}
              {padToken ? `${s.strippedPadTokens} trailing pad tokens “${padToken}” stripped.` : 'No pad token given: nothing stripped.'}
            </div>
            )}
            {s.badLineCount > 0 && (
              <details open>
                <summary>
                  {s.badLineCount} bad {s.badLineCount === 1 ? 'line' : 'lines'}, not used
                  {s.badLineCount > s.badLines.length ? ` (the first ${s.badLines.length} listed)` : ''}
                </summary>
                <ul data-testid="bad-lines">
                  {s.badLines.map((b) => (
                    <li key={b.line} data-line={b.line}>
                      line {b.line}: {b.reason}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
