import { memo, useId, useMemo, useState } from 'react';
import { availableChannels, divergingColor, hasRewardTerms, scaleMax, snapshotAt, TERMS_VIEW, unionSteps, type HeatmapSnapshot, type ViewKey } from '../heatmapScale';
import { HeatmapRow, TERM_COLORS } from './HeatmapRow';

export interface HeatmapRun {
  label: string;
  color: string;
  snapshots: HeatmapSnapshot[];
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

/** A diverging colour bar from −max to +max with its three ticks. */
function LegendBar({ max, title, testId }: { max: number; title: string; testId: string }) {
  return (
    <div className="heatmap-legend-scale" data-testid={testId} data-max={max}>
      <span className="heatmap-legend-title">{title}</span>
      <div className="heatmap-legend-bar" aria-hidden="true" style={{ background: `linear-gradient(to right, ${divergingColor(-max, max)}, ${divergingColor(0, max)}, ${divergingColor(max, max)})` }} />
      <div className="heatmap-legend-ticks">
        <span>{fmt(-max)}</span>
        <span>0</span>
        <span>{fmt(max)}</span>
      </div>
    </div>
  );
}

/**
 * Per-token rewards of a few held-out prompts, PPO and RTO side by side at one iteration. The default view colours
 * each token by the DPO term and shows the RM score as a chip at the row's end, each on a scale of its own, with a
 * bar of where the return comes from; any single channel can be chosen instead. Every scale is zero-centred, shared
 * by the runs and taken over every iteration, so colours compare directly across runs and along the slider.
 * A rollout log's rows show the channels they hold (the terms view only with RTO's dpo/kl/score channels);
 * `stepName` names the slider's unit ("iteration" for the lab's runs, "step" for a log); `explainMethods` adds the
 * sentence on where PPO's and RTO's rewards sit (the lab's runs; a log's method may be anything).
 */
export const TokenHeatmap = memo(function TokenHeatmap({
  runs,
  hasTrueReward,
  stepName = 'iteration',
  explainMethods = true,
}: {
  runs: HeatmapRun[];
  hasTrueReward: boolean;
  stepName?: string;
  explainMethods?: boolean;
}) {
  const ids = useId();
  const [chosen, setChosen] = useState<ViewKey>(TERMS_VIEW.key);
  // null follows the latest iteration as new snapshots arrive; a number pins the slider there.
  const [pinned, setPinned] = useState<number | null>(null);

  const allRows = useMemo(() => runs.flatMap((r) => r.snapshots.flatMap((s) => s.rows)), [runs]);
  const views = useMemo(() => [...(hasRewardTerms(allRows) ? [TERMS_VIEW] : []), ...availableChannels(allRows, hasTrueReward)], [allRows, hasTrueReward]);
  const view = views.find((c) => c.key === chosen) ?? views[0] ?? TERMS_VIEW;
  const terms = view.key === TERMS_VIEW.key;
  const max = useMemo(() => scaleMax(allRows, view.key === TERMS_VIEW.key ? 'dpo' : view.key), [allRows, view.key]);
  const scoreMax = useMemo(() => scaleMax(allRows, 'score'), [allRows]);
  const steps = useMemo(() => unionSteps(runs.map((r) => r.snapshots)), [runs]);

  if (steps.length === 0) return <p className="hint">No token rows yet: they arrive with the first RL iteration.</p>;
  const Step = stepName.charAt(0).toUpperCase() + stepName.slice(1);
  const step = pinned !== null && steps.includes(pinned) ? pinned : steps[steps.length - 1]!;
  const index = steps.indexOf(step);
  const moveTo = (i: number) => setPinned(i >= steps.length - 1 ? null : (steps[i] ?? null));
  const scale = { view: view.key, max, scoreMax, short: view.short };

  return (
    <div className="heatmap">
      <div className="row heatmap-controls">
        <label htmlFor={`${ids}-channel`}>Show</label>
        <select id={`${ids}-channel`} aria-label="Heatmap channel" value={view.key} onChange={(e) => setChosen(e.target.value as ViewKey)}>
          {views.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${ids}-step`}>{Step}</label>
        <input
          id={`${ids}-step`}
          type="range"
          aria-label={Step}
          aria-valuetext={`${stepName} ${step}`}
          min={0}
          max={steps.length - 1}
          step={1}
          value={index}
          disabled={steps.length < 2}
          onChange={(e) => moveTo(Number(e.target.value))}
        />
        <output htmlFor={`${ids}-step`} data-testid="heat-step">
          {stepName} {step}
          {pinned === null ? ' (latest)' : ''}
        </output>
      </div>
      <div className="heatmap-legend" data-testid="heat-legend" data-max={max} data-view={view.key}>
        <div className="heatmap-legend-scales">
          <LegendBar max={max} title={terms ? 'DPO term, per token' : view.label} testId="heat-scale" />
          {terms && <LegendBar max={scoreMax} title="RM score, on <eos>" testId="heat-score-scale" />}
          {terms && (
            <ul className="heatmap-legend-terms" aria-label="Return bar">
              {(['dpo', 'kl', 'score'] as const).map((k) => (
                <li key={k}>
                  <span className="heatmap-swatch" style={{ background: TERM_COLORS[k] }} aria-hidden="true" />
                  {k === 'dpo' ? 'DPO' : k === 'kl' ? 'KL' : 'RM score'}
                </li>
              ))}
            </ul>
          )}
        </div>
        <p className="hint">
          {terms || !explainMethods ? '' : "PPO's sparse reward sits on the last token; RTO spreads the DPO reward over every token. "}
          {view.help} Hover a token, or Tab to a row and use ←/→, for its numbers.
        </p>
      </div>
      <div className="heatmap-runs">
        {runs.map((run) => {
          const snapshot = snapshotAt(run.snapshots, step);
          return (
            <section key={run.label} className="heatmap-run" data-testid={`heatmap-${run.label.toLowerCase()}`} aria-label={`${run.label} token heatmap`}>
              <h3 className="heatmap-run-title">
                <span className="heatmap-swatch" style={{ background: run.color }} aria-hidden="true" />
                {run.label}
                {snapshot && snapshot.step !== step && (
                  <span className="hint">
                    {' '}
                    ({stepName} {snapshot.step})
                  </span>
                )}
              </h3>
              {snapshot ? (
                snapshot.rows.map((row, i) => <HeatmapRow key={i} row={row} scale={scale} name={`${run.label} response ${i + 1}`} />)
              ) : (
                <p className="hint">No rows at this {stepName} yet.</p>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
});
