/**
 * What the page draws from the RL runs, below the stage cards: the curves (with each run's legend toggle), the
 * downloads, the sample-efficiency chart, the token heatmap and the response table. While a run streams in, all of it
 * is redrawn once a second on screen and not at all off it (useThrottled.ts), and it is not even mounted until it
 * first comes on screen: redrawn at every batch of events, off screen too, it was most of the page's work in the
 * Quick demo, and mounting the charts when PPO started took 0.5 s of the page's CPU under the fold
 * (docs/performance.md, "Less beside the workers"). When the runs end it is drawn at once.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import type { Settings } from '../../lab/config';
import { rolloutTextOf } from '../../lab/rollouts/write';
import type { TaskName } from '../../lab/tasks/task';
import { methodOf } from '../../lab/train/methods';
import { downloadFile } from '../appFiles';
import { metricsCsv, metricsJson } from '../metricsExport';
import { runLabels } from '../runLabels';
import { efficiencyPoints } from '../sampleEfficiency';
import type { StageRun } from '../stageRuns';
import { useInView } from '../useInView';
import { chartEveryMs, useThrottled } from '../useThrottled';
import { ResponseTable } from './ResponseTable';
import { RlCharts } from './RlCharts';
import { SampleEfficiencyChart } from './SampleEfficiencyChart';
import { TokenHeatmap } from './TokenHeatmap';

/** An RL run as the charts show it: earlier runs first, each method's runs in its palette. */
export type RlRun = { stage: 'ppo' | 'rto'; run: StageRun; color: string };

/** The label each RL run is shown under (runLabels.ts). */
const labelsOf = (runs: readonly RlRun[], task: TaskName) =>
  runLabels(runs.map(({ stage, run }) => ({ stage, preset: run.preset, overrides: run.overrides, task, ...(run.method ? { method: run.method } : {}) })));

export const RlResults = memo(function RlResults(props: {
  runs: RlRun[];
  /** Whether a run streams in. */
  live: boolean;
  task: TaskName;
  references: { sft?: number; dpo?: number; dpoWinRate?: number };
  /** The runs of the fraction sweep the efficiency chart reads (sweepPlan.ts, chartSweepIds), or null. */
  sweepIds: string[] | null;
  preset: string;
  overrides: Partial<Settings>;
  hasTrueReward: boolean;
}) {
  const { runs, live, task, sweepIds } = props;
  const labels = useMemo(() => labelsOf(runs, task), [runs, task]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((stage: string) => setHidden((h) => (h.has(stage) ? new Set([...h].filter((x) => x !== stage)) : new Set([...h, stage]))), []);
  const [ref, onScreen] = useInView<HTMLDivElement>(false);
  const [seen, setSeen] = useState(false);
  if (onScreen && !seen) setSeen(true); // once seen, kept drawn (state adjusted while rendering)
  const shown = useThrottled(runs, chartEveryMs(live, onScreen));
  const shownLabels = useMemo(() => (shown === runs ? labels : labelsOf(shown, task)), [shown, runs, labels, task]);
  const chartRuns = useMemo(
    () => shown.map(({ stage, run, color }, i) => ({ label: shownLabels[i] ?? stage, color, visible: !hidden.has(shownLabels[i] ?? stage), points: run.points.map((p) => ({ step: p.step, episodes: p.values.episodes ?? p.step, values: p.values })) })),
    [shown, shownLabels, hidden],
  );
  // The heatmap shows the visible runs; a method with one visible run is named by the method alone.
  const heatmapRuns = useMemo(() => {
    const visibleRuns = shown.map((r, i) => ({ ...r, label: shownLabels[i] ?? r.stage })).filter((r) => !hidden.has(r.label));
    const methodLabel = (run: StageRun) => methodOf(run.method ?? run.stage).label;
    return visibleRuns.map(({ run, color, label }) => ({
      label: visibleRuns.filter((v) => methodLabel(v.run) === methodLabel(run)).length === 1 ? methodLabel(run) : label,
      color,
      snapshots: run.tokens,
    }));
  }, [shown, shownLabels, hidden]);
  const responseRuns = useMemo(() => shown.map(({ run }, i) => ({ label: shownLabels[i] ?? run.stage, run })), [shown, shownLabels]);
  const efficiency = useMemo(() => efficiencyPoints(responseRuns, sweepIds), [responseRuns, sweepIds]);
  // The downloads take the runs as they stand, not as last drawn.
  const exportRuns = () => runs.map(({ run }, i) => ({ label: labels[i] ?? run.stage, points: run.points }));
  return (
    <div ref={ref}>
      <h3 id="rl-curves-title">PPO and RTO, episode by episode</h3>
      {seen || onScreen || !live ? (
        <>
          <RlCharts runs={chartRuns} references={props.references} onToggle={toggle} task={task} live={live} />
          <div className="row">
            <button type="button" data-testid="download-csv" onClick={() => downloadFile('rto-lab-metrics.csv', metricsCsv(exportRuns()), 'text/csv')}>
              Download metrics (CSV)
            </button>
            <button type="button" onClick={() => downloadFile('rto-lab-metrics.json', metricsJson(exportRuns(), { preset: props.preset, overrides: props.overrides }), 'application/json')}>
              Download metrics (JSON)
            </button>
            <button
              type="button"
              data-testid="download-rollouts"
              title="The heatmap rows of every run as RL Logging Board JSONL, with RTO's channels (dpo_rewards, kl_rewards, score_reward) and the gold reward"
              onClick={() => downloadFile('rto-lab-rollouts.jsonl', runs.map(({ run }) => rolloutTextOf({ method: run.method ?? run.stage, tokens: run.tokens })).join(''), 'application/x-ndjson')}
            >
              Download rollouts (JSONL)
            </button>
          </div>
          <SampleEfficiencyChart points={efficiency.points} fromSweep={efficiency.fromSweep} stoppedEarly={efficiency.stoppedEarly} />
          <h3 id="heatmap-title">Where the reward comes from, token by token</h3>
          <TokenHeatmap runs={heatmapRuns} hasTrueReward={props.hasTrueReward} />
          <p className="hint">Heatmap rows: the first held-out prompts, sampled afresh at each reported iteration. Runs hidden on the charts are hidden here too.</p>
          <ResponseTable runs={responseRuns} />
        </>
      ) : (
        <p className="hint" data-testid="results-pending">
          The curves, the token heatmap and the responses are drawn when you scroll here.
        </p>
      )}
    </div>
  );
});
