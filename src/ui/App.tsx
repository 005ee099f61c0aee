import { useCallback, useMemo, useState } from 'react';
import { parseBackendChoice, type BackendChoice } from '../worker/backendChoice';
import { BackendBadge } from './components/BackendBadge';
import { BackendPanel } from './components/BackendPanel';
import { HiddenPartsNote } from './components/HiddenPartsNote';
import { Pipeline } from './components/Pipeline';
import { RlhfPanel } from './components/RlhfPanel';
import { RolloutViewer } from './components/RolloutViewer';
import { SavedLabsPanel } from './components/SavedLabsPanel';
import { ScaleUpPanel } from './components/ScaleUpPanel';
import { ScoreTextPanel } from './components/ScoreTextPanel';
import { SftPanel } from './components/SftPanel';
import { TheoryPanel } from './components/TheoryPanel';
import { WorkerMessages } from './components/WorkerMessages';
import { parseHashConfig } from './urlConfig';
import { useLab } from './useLab';
import { useSetup } from './useSetup';

export function App() {
  const initial = useMemo(() => parseBackendChoice(window.location.search), []);
  const config = useMemo(() => parseHashConfig(window.location.hash), []);
  const lab = useLab(initial.choice, [...(initial.warning ? [initial.warning] : []), ...config.problems.map((p) => `Address: ${p}`)]);
  const { state } = lab;

  // A chosen backend goes into the address, so the link reproduces the setup.
  const choose = useCallback(
    (choice: BackendChoice) => {
      const url = new URL(window.location.href);
      if (choice === 'auto') url.searchParams.delete('backend');
      else url.searchParams.set('backend', choice);
      window.history.replaceState(null, '', url);
      void lab.selectBackend(choice);
    },
    [lab],
  );

  // One setup (task, preset, changed settings, sweep) for both panels, from the hash and written back on every change.
  const { setup, change: changeSetup } = useSetup(config, state.sftModel);
  const showPickers = !config.hide.has('preset');
  // The backend detail folds out under the header badge: closed at first, open when the backend failed to start
  // (its message and the picker are in the panel), then as the user last left it.
  const [backendChosenOpen, setBackendOpen] = useState<boolean | null>(null);
  const backendOpen = backendChosenOpen ?? state.backendError !== null;
  const showBackend = !config.hide.has('backend');
  // The Quick demo card's place on the first screen (RlhfPanel, which runs the stages, renders into it).
  const [quickDemoSlot, setQuickDemoSlot] = useState<HTMLElement | null>(null);
  const showRlhf = !config.hide.has('rlhf');

  return (
    <>
      <header className="top">
        <div>
          <h1>RTO Lab</h1>
          <p className="tagline">Reinforced Token Optimization, trained in your browser</p>
        </div>
        <BackendBadge state={state} panel={showBackend ? { id: 'backend-panel', open: backendOpen, onToggle: () => setBackendOpen(!backendOpen) } : undefined} />
      </header>
      <main>
        <HiddenPartsNote hidden={config.hide} />
        {showBackend && (
          <div id="backend-panel" hidden={!backendOpen}>
            <BackendPanel lab={lab} onChoose={choose} />
          </div>
        )}
        {!config.hide.has('intro') && (
          <section className="panel intro">
            <p>
              RLHF usually scores a whole response with one number at its end. The RTO paper (Zhong, Shan et al., “DPO
              Meets PPO: Reinforced Token Optimization for RLHF”, arXiv 2404.18922) shows that a DPO-trained model already
              knows which <em>tokens</em> earned the reward: β·log(π_dpo/π_ref) for each token. This lab trains small
              language models right here — fine-tuning, preference data, a reward model, DPO, then PPO with the usual
              end-of-response reward next to RTO with dense per-token rewards — and lets you watch, token by token, where
              the reward comes from and which method learns faster. Everything runs on this computer.
            </p>
          </section>
        )}
        {state.worker === 'crashed' && (
          <section className="panel error" role="alert" data-testid="worker-crashed">
            <p>The lab worker stopped: {state.workerError}</p>
            <p>A restarted worker reopens the lab from its last save; an interrupted RL run can then be continued (Continue on its card).</p>
            <button type="button" data-testid="restart-worker" onClick={() => lab.restartWorker()}>
              Restart the worker
            </button>{' '}
            <button type="button" data-testid="restart-worker-cpu" onClick={() => lab.restartWorker('cpu')}>
              Restart on the CPU backend
            </button>
          </section>
        )}
        {state.deviceLost && (
          <p className="panel error" role="alert" data-testid="device-lost">
            {state.deviceLost} The lab reopens from its last save on the backend you choose.
          </p>
        )}
        {state.notices.map((n) => (
          <p key={n} className="panel notice" role="status" data-testid="notice">
            {n}
          </p>
        ))}
        {showRlhf && (
          <section className="panel start" aria-labelledby="start-title">
            <h2 id="start-title">Start here</h2>
            <div ref={setQuickDemoSlot} />
          </section>
        )}
        {!config.hide.has('labs') && <SavedLabsPanel lab={lab} />}
        {!config.hide.has('pipeline') && <Pipeline state={state} />}
        {!config.hide.has('sft') && <SftPanel lab={lab} setup={setup} onSetup={changeSetup} showPickers={showPickers} />}
        {showRlhf && <RlhfPanel lab={lab} setup={setup} onSetup={changeSetup} showPickers={showPickers} quickDemoSlot={quickDemoSlot} />}
        {!config.hide.has('score') && <ScoreTextPanel lab={lab} />}
        {!config.hide.has('scale') && <ScaleUpPanel setup={setup} />}
        {!config.hide.has('rollouts') && <RolloutViewer />}
        {!config.hide.has('theory') && <TheoryPanel />}
        {!config.hide.has('messages') && <WorkerMessages logs={state.logs} />}
      </main>
    </>
  );
}
