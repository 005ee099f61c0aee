/**
 * "Real runs' rollout logs": open the per-token JSONL logs of an OpenRLHF/verl run (RL Logging Board's convention)
 * or a lab run's download, with the file picker or by dropping them on the panel (several files of one run merge by
 * step). A second worker streams them with a progress bar and Cancel; then each file says what it holds and which
 * views it supports, with its bad lines by number, and the views follow (RolloutViews.tsx).
 */
import { memo, useId, useState } from 'react';
import { sizeText } from '../rolloutViewData';
import { useFileDrop } from '../useFileDrop';
import { useRolloutLogs } from '../useRolloutLogs';
import { RolloutFiles } from './RolloutFiles';
import { RolloutViews } from './RolloutViews';

export const RolloutViewer = memo(function RolloutViewer() {
  const id = useId();
  const logs = useRolloutLogs();
  const { state } = logs;
  const [pad, setPad] = useState('');
  const reading = state.status === 'reading';
  const { dragging, dropProps } = useFileDrop((files) => logs.open(files, pad), !reading);

  return (
    <section
      className={`panel rollout-viewer${dragging ? ' dragging' : ''}`}
      aria-labelledby={`${id}-title`}
      data-testid="rollout-viewer"
      {...dropProps}
    >
      <h2 id={`${id}-title`}>Real runs&apos; rollout logs</h2>
      <p className="hint">
        Open the per-token rollout logs of a run (RL Logging Board&apos;s JSONL, as OpenRLHF, verl or the RTO code write them with the lab&apos;s
        python/rl_logging_board_writer.py), or a lab run&apos;s Download rollouts: pick or drop one file or several of one run; they merge by step. The
        files are read here, in a worker, and never leave this computer.
      </p>
      <div className="row">
        <label htmlFor={`${id}-files`}>Rollout logs</label>
        <input
          id={`${id}-files`}
          type="file"
          multiple
          accept=".jsonl,.json,.txt,.ndjson,application/x-ndjson,application/json,text/plain"
          data-testid="rollout-files"
          disabled={reading}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            logs.open(files, pad);
          }}
        />
        <label htmlFor={`${id}-pad`}>Pad token to strip</label>
        <input
          id={`${id}-pad`}
          type="text"
          size={14}
          value={pad}
          placeholder="e.g. <|endoftext|>"
          data-testid="rollout-pad"
          disabled={reading}
          title="Trailing copies of this token are stripped from response_tokens (with their values) and from the texts; empty: nothing is stripped"
          onChange={(e) => setPad(e.target.value)}
        />
        {state.status === 'done' && (
          <button type="button" onClick={logs.close}>
            Close the log
          </button>
        )}
      </div>
      {state.status === 'reading' && (
        <div className="row" role="status" data-testid="rollout-reading">
          <progress max={Math.max(1, state.progress.totalBytes)} value={state.progress.bytesRead} data-testid="rollout-progress" aria-label="Reading the rollout logs" />
          <span className="hint">
            {sizeText(state.progress.bytesRead)} of {sizeText(state.progress.totalBytes)}, {state.progress.records.toLocaleString('en')} records · file {state.progress.file + 1} of{' '}
            {state.progress.files}: {state.progress.name}
          </span>
          <button type="button" data-testid="rollout-cancel" disabled={state.cancelling} onClick={logs.cancel}>
            {state.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      )}
      {state.status === 'failed' && (
        <p className="error" role="alert" data-testid="rollout-error">
          The logs could not be read: {state.message}
        </p>
      )}
      {state.status === 'done' && (
        <>
          <p className="hint" role="status" data-testid="rollout-summary">
            {state.cancelled ? 'Cancelled: showing what was read, ' : 'Read '}
            {state.view.records.toLocaleString('en')} records from {state.view.files.length} {state.view.files.length === 1 ? 'file' : 'files'} (
            {sizeText(state.view.files.reduce((n, f) => n + f.bytes, 0))}) in {state.seconds.toFixed(1)} s.
          </p>
          <RolloutFiles view={state.view} padToken={pad.trim()} />
          <RolloutViews view={state.view} />
        </>
      )}
    </section>
  );
});
