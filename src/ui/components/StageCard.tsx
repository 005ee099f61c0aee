import type { ReactNode } from 'react';
import type { StageRun } from '../stageRuns';
import { StageLossChart } from './StageLossChart';

/** Readable names for the worker's summary values (the keys stay machine-friendly in the protocol). */
const LABELS: Record<string, string> = {
  heldOutPairs: 'held-out pairs',
  tieRate: 'tie rate',
  agreement: 'judge agrees with gold',
  heldOutAccuracy: 'held-out accuracy',
  trainAccuracy: 'train accuracy',
  scoreMean: 'score μ',
  scoreStd: 'score σ',
  heldOutMargin: 'held-out margin',
  sftGold: 'SFT gold',
  winRate: 'win rate vs SFT',
  kl: 'KL',
  length: 'length (tokens)',
  sftLength: 'SFT length',
};

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Number.isFinite(x) ? x.toFixed(3) : '—');

/** One later stage: title, Start/Stop, progress with steps done of total and an ETA, guidance, the loss curve (RM, DPO), settings, summary. */
export function StageCard(props: {
  id: string;
  title: string;
  run: StageRun | undefined;
  canStart: boolean;
  onStart: () => void;
  onStop: () => void;
  onPause: (paused: boolean) => void;
  /** Beside the title: the method picker of the RL method card, and a note (which method its last run trained). */
  picker?: ReactNode;
  note?: string;
  /** An interrupted RL run (a restored lab) goes on from its last save. */
  onContinue?: () => void;
  guidance: string;
  settings: ReactNode;
  /** Before Start: the expected time on the active backend (expectedTime.ts), or why there is none. */
  expected?: string;
  /** Whether any run of the page goes on (this card's or another's): a loss chart off screen is not drawn meanwhile. */
  pageBusy?: boolean;
}) {
  const { run } = props;
  const eta = run?.etaSeconds ?? null;
  // A stage done without steps (pairs loaded by the Quick demo) shows a full bar, not an empty one, and no time of its own.
  const loaded = run?.status === 'done' && run.total === 0;
  const progress = loaded ? 1 : run && run.total > 0 ? Math.min(1, run.done / run.total) : 0;
  // Said while it runs (runStarted) and once it is done (its summary, kept in the lab's journal).
  const beside = Boolean(run?.beside || run?.summary?.beside);
  const where = beside ? ' · in a second worker' : '';
  const status = !run ? null : run.status === 'paused' ? `paused at ${run.done}/${run.total || '?'}${where}` : run.status === 'running' ? `${run.label} · ${run.done}/${run.total || '?'}${eta === null ? '' : ` · about ${Math.ceil(eta)} s left`}${where}` : run.status === 'done' ? 'done' : run.status === 'interrupted' ? `interrupted: ${run.label} of ${run.total || '?'}; Continue goes on from there` : `${run.status}${run.error ? `: ${run.error}` : ''}`;
  return (
    <li className="stage-card" data-testid={`stage-${props.id}`} data-status={run?.status ?? 'not-run'} data-beside={beside ? 'yes' : undefined} data-report={run?.summary?.reportPending ? 'pending' : undefined}>
      <div className="row">
        <strong>{props.title}</strong>
        {props.picker}
        {props.note && <span className="hint" data-testid={`note-${props.id}`}>{props.note}</span>}
        {run?.status === 'running' || run?.status === 'paused' ? (
          <>
            <button type="button" data-testid={`pause-${props.id}`} onClick={() => props.onPause(run.status === 'running')}>
              {run.status === 'running' ? 'Pause' : 'Resume'}
            </button>
            <button type="button" onClick={props.onStop}>
              Stop
            </button>
          </>
        ) : (
          <>
            {run?.status === 'interrupted' && props.onContinue && (
              <button type="button" data-testid={`continue-${props.id}`} disabled={!props.canStart} onClick={props.onContinue}>
                Continue
              </button>
            )}
            <button type="button" data-testid={`start-${props.id}`} disabled={!props.canStart} onClick={props.onStart}>
              {run ? 'Run again' : 'Start'}
            </button>
          </>
        )}
        {run && <progress max={1} value={progress} aria-label={`${props.title} progress`} />}
        {status && <span role="status">{status}</span>}
      </div>
      {props.expected && run?.status !== 'running' && run?.status !== 'paused' && (
        <p className="hint" data-testid={`expected-${props.id}`}>
          Expected time: {props.expected}
        </p>
      )}
      <p className="hint">{props.guidance}</p>
      {run && (run.stage === 'rm' || run.stage === 'dpo') && <StageLossChart stage={run.stage} points={run.points} live={run.status === 'running' || Boolean(props.pageBusy)} />}
      <details className="stage-settings">
        <summary>Settings</summary>
        {props.settings}
      </details>
      {run?.summary && (
        <p data-testid={`summary-${props.id}`}>
          {Object.entries(run.summary.values)
            .map(([k, v]) => `${LABELS[k] ?? k} ${fmt(v)}`)
            .join(' · ')}{' '}
          · {loaded ? 'shipped with the lab' : `${run.summary.seconds.toFixed(1)} s${beside ? ' in a second worker' : ''}`}
          {run.summary.reportPending && ' · its train accuracy and its policy’s evaluation are on their way from the second worker'}
        </p>
      )}
    </li>
  );
}
