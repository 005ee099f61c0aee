import { useId, useMemo, useState } from 'react';
import type { TokenRow } from '../../lab/events';
import {
  CHANNELS,
  availableChannels,
  channelValues,
  divergingColor,
  rowSum,
  scaleMax,
  snapshotAt,
  textColorOn,
  tokenDetails,
  unionSteps,
  type ChannelKey,
  type HeatmapSnapshot,
} from '../heatmapScale';

export interface HeatmapRun {
  label: string;
  color: string;
  snapshots: HeatmapSnapshot[];
}

type Channel = (typeof CHANNELS)[number];

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

/** One response: the prompt in grey, each token coloured by the channel, then the row sum and the gold reward. */
function HeatmapRow({ row, channel, max }: { row: TokenRow; channel: Channel; max: number }) {
  const values = channelValues(row, channel.key) ?? [];
  const sum = rowSum(values);
  return (
    <div className="heatmap-row" data-testid="heat-row" data-sum={sum}>
      <span className="heatmap-prompt">{row.prompt}</span>
      {row.tokens.map((token, i) => {
        const value = values[i];
        if (value === undefined) return <span key={i} className="heatmap-token heatmap-token-missing">{token}</span>;
        const details = tokenDetails(row, i);
        return (
          <span
            key={i}
            className="heatmap-token"
            data-testid="heat-token"
            data-value={value}
            tabIndex={0}
            title={details}
            data-tip={details}
            aria-label={`token '${token}', ${channel.short} ${value.toFixed(3)}`}
            style={{ background: divergingColor(value, max), color: textColorOn(value, max) }}
          >
            {token}
          </span>
        );
      })}
      <span className="heatmap-sum">Σ {sum.toFixed(3)}</span>
      <span className="heatmap-gold">gold {row.gold.toFixed(3)}</span>
    </div>
  );
}

/**
 * Per-token rewards of a few held-out prompts, PPO and RTO side by side at one iteration: pick the channel and the
 * iteration; the colour scale is shared by the runs and fixed across iterations, so colours compare directly.
 */
export function TokenHeatmap({ runs, hasTrueReward }: { runs: HeatmapRun[]; hasTrueReward: boolean }) {
  const ids = useId();
  const [chosen, setChosen] = useState<ChannelKey>('total');
  // null follows the latest iteration as new snapshots arrive; a number pins the slider there.
  const [pinned, setPinned] = useState<number | null>(null);

  const allRows = useMemo(() => runs.flatMap((r) => r.snapshots.flatMap((s) => s.rows)), [runs]);
  const channels = useMemo(() => availableChannels(allRows, hasTrueReward), [allRows, hasTrueReward]);
  const channel = channels.find((c) => c.key === chosen) ?? CHANNELS.find((c) => c.key === 'total')!;
  const max = useMemo(() => scaleMax(allRows, channel.key), [allRows, channel.key]);
  const steps = useMemo(() => unionSteps(runs.map((r) => r.snapshots)), [runs]);

  if (steps.length === 0) return <p className="hint">No token rows yet: they arrive with the first RL iteration.</p>;
  const step = pinned !== null && steps.includes(pinned) ? pinned : steps[steps.length - 1]!;
  const index = steps.indexOf(step);
  const moveTo = (i: number) => setPinned(i >= steps.length - 1 ? null : (steps[i] ?? null));

  return (
    <div className="heatmap">
      <div className="row heatmap-controls">
        <label htmlFor={`${ids}-channel`}>Channel</label>
        <select id={`${ids}-channel`} aria-label="Heatmap channel" value={channel.key} onChange={(e) => setChosen(e.target.value as ChannelKey)}>
          {channels.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${ids}-step`}>Iteration</label>
        <input
          id={`${ids}-step`}
          type="range"
          aria-label="Iteration"
          aria-valuetext={`iteration ${step}`}
          min={0}
          max={steps.length - 1}
          step={1}
          value={index}
          disabled={steps.length < 2}
          onChange={(e) => moveTo(Number(e.target.value))}
        />
        <output htmlFor={`${ids}-step`} data-testid="heat-step">
          iteration {step}
          {pinned === null ? ' (latest)' : ''}
        </output>
      </div>
      <div className="heatmap-legend" data-testid="heat-legend" data-max={max}>
        <div className="heatmap-legend-bar" aria-hidden="true" style={{ background: `linear-gradient(to right, ${divergingColor(-max, max)}, ${divergingColor(0, max)}, ${divergingColor(max, max)})` }} />
        <div className="heatmap-legend-ticks">
          <span>{fmt(-max)}</span>
          <span>0</span>
          <span>{fmt(max)}</span>
        </div>
        <p className="hint">
          PPO's sparse reward sits on the last token; RTO spreads the DPO reward over every token. {channel.help}
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
                {snapshot && snapshot.step !== step && <span className="hint"> (iteration {snapshot.step})</span>}
              </h3>
              {snapshot ? snapshot.rows.map((row, i) => <HeatmapRow key={i} row={row} channel={channel} max={max} />) : <p className="hint">No rows at this iteration yet.</p>}
            </section>
          );
        })}
      </div>
    </div>
  );
}
