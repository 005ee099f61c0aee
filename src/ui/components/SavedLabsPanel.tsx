import { useCallback, useEffect, useRef, useState } from 'react';
import type { SavedLabInfo } from '../../lab/lab/lab';
import { downloadFile } from '../appFiles';
import { useFileDrop } from '../useFileDrop';
import type { LabApi } from '../useLab';

/** The prepared lab the app ships (made by `npm run lab -- prepare-lab`). */
const PREPARED_LAB_PATH = 'labs/sentiment-small.rtolab';

const mib = (bytes: number) => (bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * Saved labs: the lab autosaves in this browser; Download lab writes it as one file, Open lab (button or a file
 * dropped on the panel) reads one; the list opens or deletes a saved lab, and Start fresh leaves the page empty.
 * Imported text is shown as text only (React escapes it).
 */
export function SavedLabsPanel({ lab }: { lab: LabApi }) {
  const { state } = lab;
  const [labs, setLabs] = useState<SavedLabInfo[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const ready = state.backendStatus === 'ready';
  const busy = state.sft?.status === 'running' || Object.values(state.stages).some((r) => r.status === 'running' || r.status === 'paused');

  // On the stable listLabs, not on `lab` (a new object at every render): keyed on lab, the effect below asked the
  // worker for the list at every render, one IndexedDB read per training step's event (348 in the Quick demo's RM).
  const { listLabs } = lab;
  const refresh = useCallback(() => {
    listLabs().then(setLabs, (error: unknown) => setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) }));
  }, [listLabs]);
  const savedId = state.lab?.id;
  const savedBytes = state.lab?.savedBytes;
  useEffect(() => {
    if (ready) refresh();
  }, [ready, refresh, savedId, savedBytes]);

  const act = async (what: () => Promise<void>, ok: string) => {
    setMessage(null);
    try {
      await what();
      setMessage({ kind: 'ok', text: ok });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
    refresh();
  };
  const openFile = (file: File) =>
    act(async () => {
      await lab.openLab({ kind: 'file', bytes: await file.arrayBuffer(), name: file.name });
    }, `Opened ${file.name}.`);
  const download = () =>
    act(async () => {
      const { bytes, fileName } = await lab.exportLab();
      downloadFile(fileName, bytes, 'application/octet-stream');
    }, 'Downloaded the lab.');
  const { dragging, dropProps } = useFileDrop((files) => void openFile(files[0]!), ready && !busy);

  const save = state.lab;
  return (
    <section
      className={`panel saved-labs${dragging ? ' dragging' : ''}`}
      aria-labelledby="saved-labs-title"
      data-testid="saved-labs"
      {...dropProps}
    >
      <h2 id="saved-labs-title">Saved labs</h2>
      <p className="hint">
        The lab saves itself in this browser after every stage and every few RL iterations, so a reload or a crash loses nothing. Download it as one file to
        present it elsewhere or send it; open one here, or drop it on this panel.
      </p>
      <div className="row">
        <button type="button" data-testid="download-lab" disabled={!save || busy} onClick={() => void download()}>
          Download lab
        </button>
        <button type="button" disabled={!ready || busy} onClick={() => fileInput.current?.click()}>
          Open lab…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".rtolab,application/octet-stream"
          data-testid="open-lab"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void openFile(file);
          }}
        />
        <button
          type="button"
          data-testid="open-prepared-lab"
          disabled={!ready || busy}
          title="A lab of the small preset made on the command line (npm run lab -- prepare-lab): SFT, pairs, reward model, DPO, and a PPO and an RTO run, with their curves and heatmaps"
          onClick={() => void act(() => lab.openLab({ kind: 'url', url: new URL(PREPARED_LAB_PATH, document.baseURI).href }), 'Opened the prepared lab (sentiment, small preset).')}
        >
          Open the prepared lab (small)
        </button>
        <button type="button" data-testid="start-fresh" disabled={busy || (!save && !state.sftModel)} onClick={() => void act(lab.startFresh, 'Started fresh: the saved labs are still below.')}>
          Start fresh
        </button>
        <span role="status" data-testid="save-status">
          {save?.saveError ? save.saveError : save?.savedBytes ? `Saved · ${mib(save.savedBytes)}${save.saveMs === null ? '' : ` · ${Math.round(save.saveMs)} ms`}` : save ? 'Not saved yet' : 'No lab open'}
        </span>
      </div>
      {message && (
        <p className={message.kind === 'error' ? 'error' : 'hint'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="saved-labs-message">
          {message.text}
        </p>
      )}
      {labs && labs.length > 0 && (
        <table className="saved-labs-table" data-testid="saved-labs-list">
          <thead>
            <tr>
              <th scope="col">Saved</th>
              <th scope="col">Task</th>
              <th scope="col">Preset</th>
              <th scope="col">Stages</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {labs.map((l) => (
              <tr key={l.id} data-testid="saved-lab" aria-current={l.id === save?.id ? 'true' : undefined}>
                <td>{when(l.savedAt)}</td>
                <td>{l.task}</td>
                <td>{l.preset}</td>
                <td>
                  {l.stages.join(' → ') || '—'}
                  {l.unfinished > 0 ? ` (${l.unfinished} to continue)` : ''}
                </td>
                <td>{mib(l.bytes)}</td>
                <td>
                  <button type="button" disabled={!ready || busy || l.id === save?.id} onClick={() => void act(() => lab.openLab({ kind: 'saved', id: l.id }), 'Opened the saved lab.')}>
                    Open
                  </button>
                  <button type="button" disabled={busy || l.id === save?.id} onClick={() => void act(() => lab.deleteLab(l.id), 'Deleted the saved lab.')}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
