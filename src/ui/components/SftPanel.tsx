import { useRef, useState } from 'react';
import { PRESETS, setupProblems, validateSettings } from '../../lab/config';
import { overridesOf, sftJobOf, sftStepsOf, withSftSteps, type Setup } from '../setup';
import { SettingsEditor } from './SettingsEditor';
import type { LabApi } from '../useLab';
import { LossChart } from './LossChart';
import { SetupPickers } from './SetupPickers';
import { corpusUrl, downloadFile } from '../appFiles';
import { setupExpectedLine } from '../expectedTime';

const stepsProblems = (text: string) => (text.trim() === '' ? ['SFT steps (sftSteps) must be a number'] : validateSettings({ sftSteps: Number(text) }));

/** Stage 1 in the page: train the SFT model on the shared setup's task, watch its loss and samples, save or load it. */
export function SftPanel({ lab, setup, onSetup, showPickers = true }: { lab: LabApi; setup: Setup; onSetup: (next: Setup) => void; showPickers?: boolean }) {
  const { state } = lab;
  const [fileError, setFileError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const run = state.sft;
  const running = run?.status === 'running' || run?.status === 'paused';
  // The Steps box shows the setup's steps; text that is not a valid count stays in the box (flagged) until the setup's steps change.
  const steps = sftStepsOf(setup);
  const [draft, setDraft] = useState<{ text: string; steps: number } | null>(null);
  const stepsText = draft && draft.steps === steps ? draft.text : String(steps);
  const problems = stepsProblems(stepsText);
  // A cross-field rule broken in the settings (heads must divide the width…) is shown at its fields; SFT waits for it.
  const settingsBroken = setupProblems(setup.preset, overridesOf(setup), setup.task).length > 0;
  const ready = state.backendStatus === 'ready' && state.check?.status !== 'running';
  // The samples are of the run shown: the setup's task while it runs (the pickers are locked), then its model's.
  const task = running ? setup.task : (state.sftModel?.task ?? setup.task);

  const editSteps = (text: string) => {
    if (stepsProblems(text).length) return setDraft({ text, steps });
    setDraft({ text, steps: Number(text) });
    onSetup(withSftSteps(setup, Number(text)));
  };
  const start = () => lab.startRun(sftJobOf(setup, corpusUrl()));
  const save = async () => {
    setFileError(null);
    try {
      const { bytes, fileName } = await lab.exportSftCheckpoint();
      downloadFile(fileName, bytes, 'application/octet-stream');
    } catch (error) {
      setFileError(error instanceof Error ? error.message : String(error));
    }
  };
  const load = async (file: File | undefined) => {
    if (!file) return;
    setFileError(null);
    try {
      await lab.importSftCheckpoint(await file.arrayBuffer());
    } catch (error) {
      setFileError(error instanceof Error ? error.message : String(error));
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  const latest = run?.points.at(-1);
  const progress = run && run.total > 0 ? Math.min(1, run.done / run.total) : 0;
  return (
    <section className="panel" aria-labelledby="sft-title">
      <h2 id="sft-title">Stage 1 · Supervised fine-tuning</h2>
      <p className="hint">
        {setup.task === 'oracle'
          ? 'A tiny GPT learns to continue 4-token prompts with 9 tokens from a broad "base" distribution; later stages pull it towards a hidden teacher whose log-probabilities are the true token rewards.'
          : 'A tiny GPT learns to continue the first words of Brown-corpus sentences.'}{' '}
        The loss counts only the response tokens. Held-out loss must fall well below the unigram baseline (a model that ignores context).
      </p>
      <div className="row">
        <SetupPickers idPrefix="sft" setup={setup} onChange={onSetup} disabled={running} show={showPickers} />
        <label htmlFor="sft-steps">Steps</label>
        <input id="sft-steps" data-testid="sft-steps" inputMode="numeric" size={6} value={stepsText} disabled={running} onChange={(e) => editSteps(e.target.value)} aria-invalid={problems.length > 0} />
        {running ? (
          <>
            <button type="button" data-testid="sft-pause" onClick={() => run && lab.pauseRun(run.runId, run.status === 'running')}>
              {run?.status === 'paused' ? 'Resume' : 'Pause'}
            </button>
            <button type="button" onClick={() => run && lab.stopRun(run.runId)}>
              Stop
            </button>
          </>
        ) : (
          <button type="button" data-testid="sft-start" disabled={!ready || problems.length > 0 || settingsBroken} onClick={start}>
            Train SFT
          </button>
        )}
        <button type="button" data-testid="sft-save" disabled={running || !state.sftModel} onClick={() => void save()}>
          Save checkpoint
        </button>
        <button type="button" disabled={running || !ready} onClick={() => fileInput.current?.click()}>
          Load checkpoint
        </button>
        <input ref={fileInput} data-testid="sft-load" type="file" accept=".ckpt" hidden onChange={(e) => void load(e.target.files?.[0])} />
      </div>
      <p className="hint">{PRESETS[setup.preset].description}</p>
      {!running && (
        <p className="hint" data-testid="expected-sft">
          Expected time: {setupExpectedLine('sft', setup.preset, overridesOf(setup), state.backendStatus === 'ready' ? (state.selection?.info.backend ?? null) : null, { task: setup.task })}
        </p>
      )}
      <details className="stage-settings">
        <summary>Model and SFT settings</summary>
        <SettingsEditor groups={['run', 'model', 'sft']} preset={setup.preset} task={setup.task} overrides={setup.edited} onChange={(edited) => onSetup({ ...setup, edited })} disabled={running} />
      </details>
      {problems.length > 0 && <p className="error" role="alert">{problems.join('; ')}</p>}
      {fileError && (
        <p className="error" role="alert" data-testid="sft-file-error">
          {fileError}
        </p>
      )}
      {run && (
        <div data-testid="sft-run" data-status={run.status}>
          <progress max={1} value={progress} aria-label="SFT progress" />{' '}
          <span>
            {run.status === 'running' ? run.label : run.status === 'paused' ? `paused at ${run.label}` : run.status === 'failed' ? `failed: ${run.error}` : 'done'}
            {latest && ` · loss ${latest.loss.toFixed(3)}`}
          </span>
          <LossChart points={run.points} unigram={run.unigramLoss} />
          {run.samples && (
            <div className="samples" data-testid="sft-samples">
              <p className="hint">
                Samples at step {run.samples.step} (temperature 0.8), with their gold reward ({task === 'oracle' ? 'Σ log π* of the hidden teacher' : 'VADER compound, −1…1'}):
              </p>
              <ul>
                {run.samples.samples.map((s, i) => (
                  <li key={i}>
                    <span className="prompt">{s.prompt}</span> ▸ {s.response} <span className="gold">{s.gold.toFixed(2)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
      {state.sftModel && (
        <p data-testid="sft-summary" data-heldout-loss={state.sftModel.heldOutLoss} data-steps={state.sftModel.steps}>
          SFT model ready ({state.sftModel.parameters.toLocaleString()} parameters, {state.sftModel.steps} steps
          {state.sftModel.stopped ? ', stopped early' : ''}): held-out loss {state.sftModel.heldOutLoss.toFixed(3)} (perplexity{' '}
          {state.sftModel.heldOutPerplexity.toFixed(1)}) against the unigram baseline {state.sftModel.unigramLoss.toFixed(3)}.
        </p>
      )}
    </section>
  );
}
