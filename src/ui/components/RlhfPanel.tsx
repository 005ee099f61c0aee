import { useEffect, useMemo, useRef, useState } from 'react';
import { keepValidSettings, PRESETS, PRESET_NAMES, resolveSettings, type PresetName, type SettingGroup, type Settings } from '../../lab/config';
import { STAGES } from '../../lab/stages';
import { RLHF_STAGES, type RlhfStage } from '../../worker/protocol';
import { metricsCsv, metricsJson } from '../metricsExport';
import { runLabels } from '../runLabels';
import type { StageRun } from '../stageRuns';
import type { LabApi } from '../useLab';
import { RlCharts } from './RlCharts';
import { SampleEfficiencyChart, type EfficiencyPoint } from './SampleEfficiencyChart';
import { SettingsEditor } from './SettingsEditor';
import { StageCard } from './StageCard';
import { TokenHeatmap } from './TokenHeatmap';
import { corpusUrl, downloadFile } from '../appFiles';


const TITLES: Record<RlhfStage, string> = { preferences: 'Preferences', rm: 'Reward model', dpo: 'DPO', ppo: 'PPO (sparse reward)', rto: 'RTO (dense reward)' };
const STAGE_ID: Record<RlhfStage, (typeof STAGES)[number]['id']> = { preferences: 'preferences', rm: 'rm', dpo: 'dpo', ppo: 'ppo', rto: 'rto' };
/** What to look for while a stage runs: one sentence for the classroom. */
const LOOK_FOR: Record<RlhfStage, string> = {
  preferences: 'Most pairs tie (both responses score 0 under VADER) and are dropped; the kept ones teach what "more positive" means.',
  rm: 'Held-out accuracy above 0.5 means the reward model ranks unseen pairs better than a coin.',
  dpo: 'Its reward accuracy grows from 0.5; β·log(π_dpo/π_ref) on each token is the dense reward RTO will use.',
  ppo: 'Gold reward should rise above SFT while KL stays small; the heatmap shows all of the RM score on the last token.',
  rto: 'Compare with PPO at the same episodes and at the same KL; the heatmap spreads reward over the tokens that earned it.',
};
const NEEDS: Record<RlhfStage, RlhfStage[]> = { preferences: [], rm: ['preferences'], dpo: ['preferences'], ppo: ['rm'], rto: ['rm', 'dpo'] };
/** Blues for PPO runs, oranges for RTO runs (colour-blind-safe pairs), in the order the runs were made. */
const PALETTE = { ppo: ['#2166ac', '#67a9cf', '#053061', '#4393c3'], rto: ['#b35806', '#e08214', '#7f3b08', '#fdb863'] };
const SETTING_GROUPS: Record<RlhfStage, SettingGroup[]> = { preferences: ['prefs'], rm: ['rm'], dpo: ['dpo'], ppo: ['rl'], rto: ['rl'] };


/** Stages 2–6 in the page: each later stage with its progress, results, and for PPO/RTO the curves and heatmaps. */
export function RlhfPanel({
  lab,
  preset: initialPreset,
  overrides: initialOverrides,
  showPreset = true,
  onConfigChange,
}: {
  lab: LabApi;
  preset: PresetName;
  overrides: Partial<Settings>;
  showPreset?: boolean;
  /** Called with the preset and every changed setting, so the address can carry them. */
  onConfigChange?: (preset: PresetName, overrides: Partial<Settings>) => void;
}) {
  const { state } = lab;
  const [preset, setPresetState] = useState<PresetName>(initialPreset);
  const [edited, setEdited] = useState<Partial<Settings>>(initialOverrides);
  const overrides = useMemo(() => keepValidSettings(edited), [edited]);
  const setPreset = (p: PresetName) => {
    setPresetState(p);
    onConfigChange?.(p, overrides);
  };
  const edit = (next: Partial<Settings>) => {
    setEdited(next);
    onConfigChange?.(preset, keepValidSettings(next));
  };
  const runs = state.stages;
  const busy = state.sft?.status === 'running' || state.sft?.status === 'paused' || state.check?.status === 'running' || Object.values(runs).some((r) => r.status === 'running' || r.status === 'paused');
  const ready = state.backendStatus === 'ready' && state.sftModel !== null;
  const done = (s: RlhfStage) => runs[s]?.status === 'done';
  const canStart = (s: RlhfStage) => ready && !busy && NEEDS[s].every(done);
  const start = (stage: RlhfStage) => lab.startRun({ kind: 'stage', stage, preset, overrides, dataUrl: corpusUrl() });

  // "Run all": a queue of stages, advanced whenever nothing runs; a failed or stopped stage empties it.
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const queue = useRef<RlhfStage[]>([]);
  const awaiting = useRef<RlhfStage | null>(null);
  const advance = () => {
    if (busy) return;
    const last = awaiting.current;
    awaiting.current = null;
    if (last && runs[last]?.status !== 'done') queue.current = [];
    for (let next = queue.current.shift(); next; next = queue.current.shift()) {
      if (done(next)) continue;
      if (!canStart(next)) break;
      awaiting.current = next;
      start(next);
      return;
    }
    queue.current = [];
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(advance, [busy, runs, loading]);
  const runAll = () => {
    queue.current = RLHF_STAGES.filter((s) => !done(s));
    advance();
  };
  const quickDemo = async () => {
    setLoading(true);
    setLoadError(null);
    try {
      await lab.loadQuickDemo();
      // The stages run once the state shows the loaded model (the effect above advances the queue).
      queue.current = RLHF_STAGES.filter((s) => s !== 'preferences');
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoading(false);
    }
  };

  // Earlier runs first, then the current PPO and RTO runs; each method's runs take its palette in turn.
  const rlRuns = useMemo(() => {
    const current = (['ppo', 'rto'] as const).map((s) => runs[s]).filter((r): r is StageRun => r !== undefined);
    const all = [...state.rlArchive, ...current].filter((r): r is StageRun & { stage: 'ppo' | 'rto' } => r.stage === 'ppo' || r.stage === 'rto');
    const seen = { ppo: 0, rto: 0 };
    return all.map((run) => ({ stage: run.stage, run, color: PALETTE[run.stage][seen[run.stage]++ % PALETTE[run.stage].length] ?? '#6b7280' }));
  }, [runs, state.rlArchive]);
  const labels = runLabels(rlRuns.map(({ stage, run }) => ({ stage, preset: run.preset, overrides: run.overrides })));
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const toggle = (stage: string) => setHidden((h) => (h.has(stage) ? new Set([...h].filter((x) => x !== stage)) : new Set([...h, stage])));
  const exportRuns = rlRuns.map(({ run }, i) => ({ label: labels[i] ?? run.stage, points: run.points }));
  // The heatmap shows the visible runs; a method with one visible run is named by the method alone.
  const visibleRuns = rlRuns.map((r, i) => ({ ...r, label: labels[i] ?? r.stage })).filter((r) => !hidden.has(r.label));
  const heatmapRuns = visibleRuns.map(({ stage, run, color, label }) => ({
    label: visibleRuns.filter((v) => v.stage === stage).length === 1 ? stage.toUpperCase() : label,
    color,
    snapshots: run.tokens,
  }));
  const efficiency: EfficiencyPoint[] = rlRuns
    .filter(({ run }) => run.status === 'done' && run.summary)
    .map(({ stage, run }) => ({ method: stage === 'ppo' ? 'PPO' : 'RTO', fraction: resolveSettings(run.preset, run.overrides).rlPromptFraction, winRate: run.summary?.values.winRate ?? NaN }));
  const sftGold = rlRuns.map((x) => x.run.summary?.values.sftGold).find((g) => g !== undefined);

  return (
    <section className="panel" aria-labelledby="rlhf-title">
      <h2 id="rlhf-title">Stages 2–6 · Preferences, reward model, DPO, then PPO against RTO</h2>
      <p className="hint">
        Each stage starts from the models above it. The SFT model is the reference π_ref throughout; PPO is rewarded by the reward model on the last
        token only, RTO also on every token by the DPO model.
      </p>
      <div className="row">
        {showPreset && (
          <>
            <label htmlFor="rlhf-preset">Preset</label>
            <select id="rlhf-preset" value={preset} disabled={busy} onChange={(e) => setPreset(e.target.value as PresetName)}>
              {PRESET_NAMES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </>
        )}
        <button type="button" data-testid="run-all" disabled={!ready || busy} onClick={runAll}>
          Run all remaining stages
        </button>
        <button type="button" data-testid="quick-demo" disabled={state.backendStatus !== 'ready' || busy || loading} onClick={() => void quickDemo()}>
          {loading ? 'Loading…' : 'Quick demo'}
        </button>
        {!state.sftModel && <span className="hint">Train or load an SFT model first (Stage 1), or start the Quick demo.</span>}
      </div>
      <p className="hint">
        Quick demo: loads the SFT model and preference pairs that ship with the lab (made by <code>npm run lab -- quick-assets</code>: sentiment,
        tiny preset, seed 1), then trains the reward model, DPO, PPO and RTO here.
      </p>
      {loadError && (
        <p className="error" role="alert">
          {loadError}
        </p>
      )}
      <p className="hint">{PRESETS[preset].description}</p>
      <ol className="stage-cards">
        {RLHF_STAGES.map((stage) => (
          <StageCard
            key={stage}
            id={stage}
            title={TITLES[stage]}
            run={runs[stage]}
            canStart={canStart(stage)}
            onStart={() => start(stage)}
            onStop={() => {
              const run = runs[stage];
              if (run) lab.stopRun(run.runId);
            }}
            onPause={(paused) => {
              const run = runs[stage];
              if (run) lab.pauseRun(run.runId, paused);
            }}
            guidance={`${STAGES.find((s) => s.id === STAGE_ID[stage])?.summary ?? ''} ${LOOK_FOR[stage]}`}
            settings={<SettingsEditor groups={SETTING_GROUPS[stage]} preset={preset} overrides={edited} onChange={edit} disabled={busy} />}
          />
        ))}
      </ol>
      {rlRuns.length > 0 && (
        <>
          <h3>PPO and RTO, episode by episode</h3>
          <RlCharts
            runs={rlRuns.map(({ stage, run, color }, i) => ({ label: labels[i] ?? stage, color, visible: !hidden.has(labels[i] ?? stage), points: run.points.map((p) => ({ episodes: p.values.episodes ?? p.step, values: p.values })) }))}
            references={sftGold === undefined ? undefined : { sft: sftGold }}
            onToggle={toggle}
          />
          <div className="row">
            <button type="button" data-testid="download-csv" onClick={() => downloadFile('rto-lab-metrics.csv', metricsCsv(exportRuns), 'text/csv')}>
              Download metrics (CSV)
            </button>
            <button type="button" onClick={() => downloadFile('rto-lab-metrics.json', metricsJson(exportRuns, { preset, overrides }), 'application/json')}>
              Download metrics (JSON)
            </button>
          </div>
          <SampleEfficiencyChart points={efficiency} />
          <h3>Where the reward comes from, token by token</h3>
          <TokenHeatmap
            runs={heatmapRuns}
            hasTrueReward={state.sftModel?.task === 'oracle'}
          />
          <p className="hint">Heatmap rows: the first held-out prompts, sampled afresh at each reported iteration. Runs hidden on the charts are hidden here too.</p>
        </>
      )}
    </section>
  );
}
