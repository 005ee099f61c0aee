import { useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { PRESETS, setupProblems, type SettingGroup, type Settings } from '../../lab/config';
import { STAGES } from '../../lab/stages';
import { METHODS, methodOf, type MethodName } from '../../lab/train/methods';
import { RLHF_STAGES, type RlhfStage } from '../../worker/protocol';
import { chainAfterSft, runAllPlan } from '../runAllPlan';
import { chainOrder, type QueuedRun } from '../runQueue';
import { quickDemoOverrides } from '../../lab/quickDemoSettings';
import { isCompleteRlRun } from '../sampleEfficiency';
import { overridesOf, sftJobOf, type Setup } from '../setup';
import type { StageRun } from '../stageRuns';
import { chartSweepIds, DEFAULT_SWEEP_FRACTIONS, fractionsText, parseSweepFractions, sweepPlan, type SweepState } from '../sweepPlan';
import type { LabApi } from '../useLab';
import { useRunQueue } from '../useRunQueue';
import { QuickDemoCard, type QuickDemoStatus } from './QuickDemoCard';
import { RlResults, type RlRun } from './RlResults';
import { SettingsEditor } from './SettingsEditor';
import { SetupPickers } from './SetupPickers';
import { StageCard } from './StageCard';
import { SweepControl } from './SweepControl';
import { corpusUrl } from '../appFiles';
import { setupExpectedLine } from '../expectedTime';


/** "A and B", "A, B and C": the stages the Quick demo's card names. */
const LIST = new Intl.ListFormat('en-GB', { type: 'conjunction' });
const TITLES: Record<RlhfStage, string> = { preferences: 'Preferences', rm: 'Reward model', dpo: 'DPO', ppo: 'PPO (sparse reward)', rto: 'RTO (dense reward)' };
const STAGE_ID: Record<RlhfStage, (typeof STAGES)[number]['id']> = { preferences: 'preferences', rm: 'rm', dpo: 'dpo', ppo: 'ppo', rto: 'rto' };
/** What to look for while a stage runs: one sentence for the classroom. */
const LOOK_FOR: Record<RlhfStage, string> = {
  preferences: 'Pairs that tie (both responses score the same under VADER, often 0) are dropped; the tie rate says how many. The kept ones teach what "more positive" means.',
  rm: 'Held-out accuracy above 0.5 means the reward model ranks unseen pairs better than a coin. A held-out loss that climbs while the accuracy holds means it grows over-confident (it overfits the pairs): its ranking still works, and its scores are normalised before PPO uses them.',
  dpo: 'Its reward accuracy grows from 0.5 as its loss falls below ln 2. The DPO policy’s own gold reward and win rate are the dashed DPO lines on the PPO/RTO curves.',
  ppo: 'Gold reward should rise above SFT while KL stays small; the heatmap shows all of the RM score on the last token.',
  rto: 'Compare with PPO at the same episodes and at the same KL; the heatmap spreads reward over the tokens that earned it.',
};
const NEEDS: Record<RlhfStage, RlhfStage[]> = { preferences: [], rm: ['preferences'], dpo: ['preferences'], ppo: ['rm'], rto: ['rm', 'dpo'] };
/** Blues for PPO runs, oranges for RTO runs (colour-blind-safe pairs), in the order the runs were made; a fraction sweep's 4 RTO runs and 2 earlier ones get 6 different ones. */
const PALETTE = { ppo: ['#2166ac', '#67a9cf', '#053061', '#4393c3', '#92c5de', '#08519c'], rto: ['#b35806', '#e08214', '#7f3b08', '#fdb863', '#8c510a', '#dfc27d'] };
const SETTING_GROUPS: Record<RlhfStage, SettingGroup[]> = { preferences: ['prefs'], rm: ['rm'], dpo: ['dpo'], ppo: ['rl'], rto: ['rl'] };


/** Stages 2–6 in the page: each later stage with its progress, results, and for PPO/RTO the curves and heatmaps. */
export function RlhfPanel({
  lab,
  setup,
  onSetup,
  showPickers = true,
  quickDemoSlot,
}: {
  lab: LabApi;
  /** The page's shared setup (task, preset, changed settings, sweep list); every change goes to onSetup. */
  setup: Setup;
  onSetup: (next: Setup) => void;
  /** False with `hide=preset`: the link fixes task and preset. */
  showPickers?: boolean;
  /** Where the Quick demo card goes (the first screen); null while that element mounts; undefined: in this panel. */
  quickDemoSlot?: HTMLElement | null;
}) {
  const { state } = lab;
  const { preset, edited } = setup;
  const overrides = useMemo(() => overridesOf(setup), [setup]);
  const [sweepText, setSweepText] = useState(() => fractionsText(setup.sweep ?? DEFAULT_SWEEP_FRACTIONS));
  const sweepInput = useMemo(() => parseSweepFractions(sweepText), [sweepText]);
  const edit = (next: Partial<Settings>) => onSetup({ ...setup, edited: next });
  // The address carries a valid list that differs from the default.
  const editSweep = (text: string) => {
    setSweepText(text);
    const parsed = parseSweepFractions(text);
    if (!parsed.problems.length) onSetup({ ...setup, sweep: fractionsText(parsed.fractions) === fractionsText(DEFAULT_SWEEP_FRACTIONS) ? null : parsed.fractions });
  };
  // The stages run on the SFT model's task; before there is one, on the setup's.
  const task = state.sftModel?.task ?? setup.task;
  const runs = state.stages;
  const busy = state.sft?.status === 'running' || state.sft?.status === 'paused' || state.check?.status === 'running' || Object.values(runs).some((r) => r.status === 'running' || r.status === 'paused');
  const ready = state.backendStatus === 'ready' && state.sftModel !== null;
  const done = (s: RlhfStage) => runs[s]?.status === 'done';
  // The expected times (expectedTime.ts): the active backend, and the pairs once the preferences stage made them.
  const backend = state.backendStatus === 'ready' ? (state.selection?.info.backend ?? null) : null;
  const prefValues = runs.preferences?.status === 'done' ? runs.preferences.summary?.values : undefined;
  const pairs = prefValues?.pairs !== undefined && prefValues.heldOutPairs !== undefined ? { train: prefValues.pairs, heldOut: prefValues.heldOutPairs } : undefined;
  // A setting that breaks a cross-field rule (shown by the editor at its fields) keeps every stage from starting.
  const settingsOk = setupProblems(preset, overrides, task).length === 0;
  // The method card runs RTO unless another method of the table is picked; a method without the DPO reward needs no DPO model.
  const [method, setMethod] = useState<MethodName>('rto');
  const needs = (s: RlhfStage) => (s === 'rto' && !methodOf(method).needsDpo ? ['rm' as const] : NEEDS[s]);
  const inputsReady = (s: RlhfStage) => ready && settingsOk && needs(s).every(done);
  const canStart = (s: RlhfStage) => !busy && inputsReady(s);
  const start = (stage: RlhfStage, extra: Partial<Settings> = {}, picked: MethodName = method) =>
    lab.startRun({ kind: 'stage', stage, preset, overrides: { ...overrides, ...extra }, dataUrl: corpusUrl(), ...(stage === 'rto' ? { method: picked } : {}) });

  // "Run all", the Quick demo's chain and the fraction sweep: queues of the same stage runs the Start buttons post,
  // advanced whenever a slot is free (two stages at once where the worker can: DPO beside the reward model, RTO
  // beside PPO); a failed or stopped run empties the queue.
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [sweep, setSweep] = useState<SweepState | null>(null);
  const queue = useRunQueue({
    busy,
    runs,
    canStart: inputsReady,
    // A fraction sweep compares PPO with RTO itself, whichever method is picked.
    start: (run) => start(run.stage, run.overrides, run.sweepIndex !== undefined ? 'rto' : method),
    onStarted: (run, runId) => {
      if (run.sweepIndex !== undefined) setSweep((s) => (s && s.outcome === 'running' ? { ...s, runIds: [...s.runIds, runId] } : s));
    },
    onEnded: (outcome) => setSweep((s) => (s && s.outcome === 'running' ? { ...s, outcome: outcome === 'finished' && s.runIds.length === s.plan.length ? 'done' : 'stopped' } : s)),
  });
  // "Run all": without an SFT model it trains SFT on the setup first (the SFT panel's job), then queues every later
  // stage once SFT is done; queued before, the stages would find no model and the queue would be dropped.
  const allPlan = runAllPlan(state.sftModel !== null, done);
  const [chainSft, setChainSft] = useState<string | null>(null);
  const afterSft = chainAfterSft(chainSft, state.sft, state.sftModel);
  const chainQueued = useRef<string | null>(null);
  const { stagesAtOnce } = state;
  useEffect(() => {
    if (afterSft !== 'go' || busy || chainQueued.current === chainSft) return;
    chainQueued.current = chainSft;
    queue.enqueue(chainOrder(RLHF_STAGES, stagesAtOnce), stagesAtOnce);
  }, [afterSft, busy, chainSft, queue, stagesAtOnce]);
  const runAll = () => {
    if (allPlan.sft) setChainSft(lab.startRun(sftJobOf(setup, corpusUrl())));
    else queue.enqueue(chainOrder(allPlan.stages, state.stagesAtOnce), state.stagesAtOnce);
  };
  const plan = useMemo(() => sweepPlan(sweepInput.fractions), [sweepInput.fractions]);
  const runSweep = () => {
    if (sweepInput.problems.length) return;
    setSweep((s) => ({ plan, runIds: [], outcome: 'running', before: s ? chartSweepIds(s, finished) : null }));
    queue.enqueue(plan.map((step, i): QueuedRun => ({ stage: step.stage, overrides: { rlPromptFraction: step.fraction }, again: true, sweepIndex: i })));
  };
  // Stop ends any queue: a stopped RL run finishes "done" with what it learned, so the queue alone would go on.
  const stopQueue = () => {
    queue.clear();
    setChainSft(null);
    setSweep((s) => (s && s.outcome === 'running' ? { ...s, outcome: 'stopped' } : s));
  };
  const stopSweep = () => {
    stopQueue();
    const current = RLHF_STAGES.map((s) => runs[s]).find((r) => r && (r.status === 'running' || r.status === 'paused'));
    if (current) lab.stopRun(current.runId);
  };
  const [demoStarted, setDemoStarted] = useState(false);
  const quickDemo = async () => {
    setDemoStarted(true);
    setLoading(true);
    setLoadError(null);
    try {
      await lab.loadQuickDemo();
      // The stages run once the state shows the loaded model (the queue advances after the next render), with the
      // demo's own settings where the visitor set none (src/lab/quickDemoSettings.ts).
      const demo = quickDemoOverrides(overrides);
      queue.enqueue(chainOrder(RLHF_STAGES.filter((s) => s !== 'preferences'), state.stagesAtOnce).map((run) => ({ ...run, overrides: demo })), state.stagesAtOnce);
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoading(false);
    }
  };

  // Earlier runs first, then the current PPO and RTO runs; each method's runs take its palette in turn. What
  // RlResults draws is memoised on this, so it changes only with the RL runs: the page re-renders at every step of
  // every stage, and redrawing the RL charts at each was most of the page's work while a stage ran beside them
  // (docs/performance.md).
  const ppoRun = runs.ppo;
  const rtoRun = runs.rto;
  const rlRuns = useMemo(() => {
    const current = [ppoRun, rtoRun].filter((r): r is StageRun => r !== undefined);
    const all = [...state.rlArchive, ...current].filter((r): r is StageRun & { stage: 'ppo' | 'rto' } => r.stage === 'ppo' || r.stage === 'rto');
    const seen = { ppo: 0, rto: 0 };
    return all.map((run): RlRun => ({ stage: run.stage, run, color: PALETTE[run.stage][seen[run.stage]++ % PALETTE[run.stage].length] ?? '#6b7280' }));
  }, [ppoRun, rtoRun, state.rlArchive]);
  const rlLive = ppoRun?.status === 'running' || rtoRun?.status === 'running';
  const finished = (runId: string) => rlRuns.some(({ run }) => run.runId === runId && isCompleteRlRun(run));
  const sweepIds = chartSweepIds(sweep, finished);
  const sftGold = rlRuns.map((x) => x.run.summary?.values.sftGold).find((g) => g !== undefined);
  const dpoGold = runs.dpo?.summary?.values.gold;
  const dpoWinRate = runs.dpo?.summary?.values.winRate;
  const references = useMemo(() => ({ sft: sftGold, dpo: dpoGold, dpoWinRate }), [sftGold, dpoGold, dpoWinRate]);

  // The Quick demo's progress: the stage running now (or whose report is still being made: DPO's, beside RTO), or
  // done once RTO finished with nothing left to run or report.
  const runningStages = RLHF_STAGES.filter((s) => runs[s]?.status === 'running' || runs[s]?.status === 'paused' || runs[s]?.summary?.reportPending);
  const runningStage = runningStages.length ? LIST.format(runningStages.map((s) => (runs[s]?.status === 'done' ? `${TITLES[s]}'s report` : TITLES[s]))) : undefined;
  const demoEnded = RLHF_STAGES.find((s) => runs[s]?.status === 'failed' || runs[s]?.status === 'cancelled');
  const demoStatus: QuickDemoStatus = !demoStarted
    ? { kind: 'idle' }
    : loading || runningStage || (!done('rto') && !demoEnded)
      ? { kind: 'running', stage: loading ? 'loading the shipped models' : (runningStage ?? 'the next stage') }
      : done('rto')
        ? { kind: 'done' }
        : demoEnded
          ? { kind: 'stopped', stage: TITLES[demoEnded] }
          : { kind: 'idle' };
  const quickDemoCard = (
    <QuickDemoCard disabled={state.backendStatus !== 'ready' || busy} loading={loading} status={demoStatus} error={loadError} onStart={() => void quickDemo()} />
  );

  return (
    <section className="panel" aria-labelledby="rlhf-title">
      <h2 id="rlhf-title">Stages 2–6 · Preferences, reward model, DPO, then PPO against RTO</h2>
      <p className="hint">
        Each stage starts from the models above it. The SFT model is the reference π_ref throughout; PPO is rewarded by the reward model on the last
        token only, RTO also on every token by the DPO model.
      </p>
      <div className="row">
        <SetupPickers idPrefix="rlhf" setup={setup} onChange={onSetup} disabled={busy} show={showPickers} />
        <button type="button" data-testid="run-all" disabled={state.backendStatus !== 'ready' || busy || (!allPlan.sft && allPlan.stages.length === 0)} onClick={runAll}>
          {allPlan.label}
        </button>
      </div>
      {afterSft === 'wait' ? (
        <p className="hint" role="status" data-testid="chain-status">
          Whole chain: training SFT (Stage 1) on the {setup.task} task, {setup.preset} preset; preferences → reward model → DPO → PPO → RTO follow.
        </p>
      ) : !state.sftModel ? (
        <p className="hint">
          No SFT model yet. “Run the whole chain” trains one (Stage 1) with this task and preset, then every stage below; or train or load one above,
          or start the Quick demo at the top of the page.
        </p>
      ) : (
        state.sftModel.task !== setup.task && (
          <p className="hint" data-testid="task-mismatch">
            The SFT model was trained on the {state.sftModel.task} task, and the stages below use it. Train SFT again to switch to {setup.task}.
          </p>
        )
      )}
      {quickDemoSlot === undefined ? quickDemoCard : quickDemoSlot && createPortal(quickDemoCard, quickDemoSlot)}
      <p className="hint">{PRESETS[preset].description}</p>
      <ol className="stage-cards">
        {RLHF_STAGES.map((stage) => (
          <StageCard
            key={stage}
            id={stage}
            title={stage === 'rto' ? 'RL method' : TITLES[stage]}
            picker={
              stage === 'rto' && (
                <select aria-label="Method" data-testid="method-picker" value={method} disabled={busy} onChange={(e) => setMethod(e.target.value as MethodName)}>
                  {METHODS.filter((m) => m.name !== 'ppo').map((m) => (
                    <option key={m.name} value={m.name} title={m.help}>
                      {m.label}
                    </option>
                  ))}
                </select>
              )
            }
            {...(stage === 'rto' && runs.rto ? { note: `last run: ${methodOf(runs.rto.method ?? 'rto').label}` } : {})}
            run={runs[stage]}
            pageBusy={busy}
            canStart={canStart(stage)}
            onStart={() => start(stage)}
            onContinue={() => {
              const run = runs[stage];
              if (run) lab.continueRun(run.runId);
            }}
            onStop={() => {
              stopQueue();
              const run = runs[stage];
              if (run) lab.stopRun(run.runId);
            }}
            onPause={(paused) => {
              const run = runs[stage];
              if (run) lab.pauseRun(run.runId, paused);
            }}
            guidance={stage === 'rto' && method !== 'rto' ? `${methodOf(method).help} (${methodOf(method).paper.title}, arXiv ${methodOf(method).paper.arxiv}.) ${LOOK_FOR.rto}` : `${STAGES.find((s) => s.id === STAGE_ID[stage])?.summary ?? ''} ${LOOK_FOR[stage]}`}
            settings={<SettingsEditor groups={SETTING_GROUPS[stage]} preset={preset} task={task} overrides={edited} onChange={edit} disabled={busy} />}
            expected={setupExpectedLine(stage, preset, overrides, backend, { task, ...(stage === 'rto' ? { method } : {}), ...(pairs ? { pairs } : {}), reportBeside: stagesAtOnce > 1 })}
          />
        ))}
      </ol>
      <SweepControl
        text={sweepText}
        onText={editSweep}
        problems={sweepInput.problems}
        plan={plan}
        sweep={sweep && (sweep.outcome === 'running' || rlRuns.some(({ run }) => sweep.runIds.includes(run.runId))) ? sweep : null}
        canRun={canStart('ppo') && canStart('rto')}
        secondsPerRun={runs.ppo && isCompleteRlRun(runs.ppo) ? (runs.ppo.summary?.seconds ?? null) : null}
        onRun={runSweep}
        onStop={stopSweep}
      />
      {rlRuns.length > 0 && (
        <RlResults runs={rlRuns} live={rlLive} task={task} references={references} sweepIds={sweepIds} preset={preset} overrides={overrides} hasTrueReward={state.sftModel?.task === 'oracle'} />
      )}
    </section>
  );
}
