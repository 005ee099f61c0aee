import { memo, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { lengthNote } from '../lengthHacking';
import { MEASURED_RESULT } from '../measuredResults';
import { MatchedKlView } from './MatchedKlView';
import { bandKey, lineChartData, runEvaluationSummary, scatterData, SE_METRIC, seriesKey, type RlChartRow, type RlRunSeries } from '../rlChartData';
import { useInView } from '../useInView';
import { HELD, useThrottled } from '../useThrottled';
import { LEGEND_TOP, xLabel, yLabel } from './chartParts';

export type { RlPoint, RlRunSeries } from '../rlChartData';

type TaskName = 'sentiment' | 'oracle';

interface Reference {
  y: number;
  label: string;
  /** Where the label sits (default: under the line, at the left); the cap's sits at the right, apart from SFT's. */
  position?: 'insideTopLeft' | 'insideTopRight';
}

interface LineSpec {
  slug: string;
  title: string;
  metric: string;
  /** Metrics of the held-out evaluations (every few iterations): draw their dots. */
  gold: boolean;
  /** The y axis's title (short: it runs along a 180 px axis). */
  y: string;
  /** After a value in the tooltip. */
  unit: string;
  /** A sentence under the title. */
  note?: string;
  /** The y domain (default: Recharts' automatic one). */
  domain?: [number | 'auto', number | 'auto' | ((max: number) => number)];
}

const GOLD_AXIS: Record<TaskName | 'any', string> = { sentiment: 'VADER compound', oracle: 'Σ log π* (nats)', any: 'gold reward' };
const goldNote = (task: TaskName | undefined) =>
  `${task === 'oracle' ? 'Σ log π* of the hidden teacher' : task === 'sentiment' ? 'VADER compound, −1…1' : 'The task’s gold reward'}, mean over the held-out prompts; the band is ± 1 standard error over prompts.`;

function lineCharts(task: TaskName | undefined): LineSpec[] {
  return [
    { slug: 'gold-reward', title: 'Gold reward', metric: 'gold/reward', gold: true, y: GOLD_AXIS[task ?? 'any'], unit: '', note: goldNote(task) },
    { slug: 'win-rate', title: 'Win rate vs SFT', metric: 'gold/win_rate', gold: true, y: 'win rate vs SFT', unit: '', note: 'Share of held-out prompts where the answer beats SFT’s (a tie ½); ± 1 standard error.' },
    { slug: 'length', title: 'Response length', metric: 'eval/length', gold: true, y: 'tokens', unit: 'tokens', note: 'Mean tokens per held-out response, <eos> included: read it beside gold.' },
    { slug: 'rm-score', title: 'RM score', metric: 'objective/scores', gold: false, y: 'normalised score', unit: '' },
    { slug: 'kl', title: 'KL to SFT', metric: 'objective/kl', gold: false, y: 'nats / response', unit: 'nats' },
    {
      slug: 'entropy',
      title: 'Entropy (sample estimate)',
      metric: 'objective/entropy',
      gold: false,
      y: 'nats / token',
      unit: 'nats/token',
      note: '−log π of the sampled response tokens, averaged: an estimate of the policy’s entropy in nats per token (TRL’s per-response sum is objective/entropy_sum in the download).',
    },
    // From 0, and at least to 0.05: an all-zero curve would otherwise get an axis of 0…4.
    { slug: 'clip-fraction', title: 'Clip fraction', metric: 'policy/clipfrac_avg', gold: false, y: 'share of tokens', unit: '', domain: [0, (max: number) => Math.max(max, 0.05)] },
  ];
}

const HEIGHT = 190;
const MARGIN = { top: 8, right: 16, bottom: 16, left: 4 };
const X_LABEL = xLabel('episodes (responses seen)');
const Y_WIDTH = 74;
// Straight segments between measured points (a smoothed curve would draw values nobody measured).
const num = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toString() : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
// Inline, so the chart's own styles stay with it (styles.css is the page's).
const NOTE_STYLE = { fontSize: '0.78rem', color: 'var(--muted)', margin: '0 0 0.2rem', lineHeight: 1.3 } as const;
const SUMMARY_STYLE = { fontSize: '0.8rem', color: 'var(--muted)' } as const;
const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/** A line's tooltip text: the value with its unit, ± its standard error, and the response length at that point. */
function tooltipText(spec: LineSpec) {
  return (value: unknown, _name: unknown, item: { dataKey?: unknown; payload?: unknown }) => {
    if (typeof value !== 'number') return String(value);
    const row = (item.payload ?? {}) as RlChartRow;
    const key = String(item.dataKey);
    const se = row[`${key}_se`];
    const length = row[`${key}_len`];
    let text = `${num(value)}${spec.unit ? ` ${spec.unit}` : ''}`;
    if (typeof se === 'number') text += ` ± ${num(se)}`;
    if (typeof length === 'number' && spec.slug !== 'length') text += ` · length ${length.toFixed(1)} tokens`;
    return text;
  };
}

function referenceLines(refs: Reference[]) {
  return refs.map((r) => (
    <ReferenceLine key={r.label} y={r.y} ifOverflow="extendDomain" stroke="#6b7280" strokeDasharray="4 4" label={{ value: r.label, position: r.position ?? 'insideTopLeft', fill: '#6b7280', fontSize: 11 }} />
  ));
}

/**
 * What a chart draws from: while a run streams in, one that is off screen keeps what it last drew (the same object, so
 * its plot is not drawn again) until it scrolls into view or the runs end. Watching the curves, a teacher sees the top
 * row of them; the page redrew all eight every second, and on two cores that took the workers' CPU
 * (docs/performance.md, "When the page shows it").
 */
function useHeldOffScreen<T>(value: T, live: boolean): [(el: HTMLElement | null) => void, T] {
  const [ref, onScreen] = useInView<HTMLElement>();
  return [ref, useThrottled(value, live && !onScreen ? HELD : 0)];
}

/** One metric against episodes seen, a line per visible run (with a ± SE band where the worker sends one). */
function MetricChart(props: { spec: LineSpec; runs: RlRunSeries[]; refs: Reference[]; live: boolean }) {
  const [ref, { spec, runs, refs }] = useHeldOffScreen(props, props.live);
  const { rows, count } = useMemo(() => lineChartData(runs, spec.metric), [runs, spec.metric]);
  // The first point of each visible run (iteration 0, the SFT policy): the e2e checks it sits on the SFT line.
  const first = runs.flatMap((run, i) => {
    const v = run.visible ? rows.find((r) => typeof r[seriesKey(i)] === 'number')?.[seriesKey(i)] : undefined;
    return typeof v === 'number' ? [v] : [];
  });
  return (
    <figure ref={ref} className="rl-chart" data-testid={`rl-chart-${spec.slug}`} data-points={count} data-refs={refs.map((r) => r.label).join(',')} data-ref-values={refs.map((r) => r.y).join(',')} data-first={first.join(',')}>
      <figcaption className="rl-chart-title">{spec.title}</figcaption>
      {spec.note && (
        <p className="rl-chart-note" style={NOTE_STYLE}>
          {spec.note}
        </p>
      )}
      <MetricPlot spec={spec} runs={runs} refs={refs} rows={rows} />
    </figure>
  );
}

/** The plot of a MetricChart, memoised: a chart held off screen passes the same props and is not drawn again. */
const MetricPlot = memo(function MetricPlot({ spec, runs, refs, rows }: { spec: LineSpec; runs: RlRunSeries[]; refs: Reference[]; rows: RlChartRow[] }) {
  const banded = SE_METRIC[spec.metric] !== undefined;
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <ComposedChart data={rows} margin={MARGIN} accessibilityLayer>
        <CartesianGrid stroke="#e6e9ef" />
        <XAxis dataKey="episodes" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} tickFormatter={(v: number) => String(Math.round(v))} label={X_LABEL} />
        <YAxis domain={spec.domain ?? ['auto', 'auto']} tickFormatter={num} width={Y_WIDTH} label={yLabel(spec.y)} />
        <Tooltip formatter={tooltipText(spec)} labelFormatter={(v) => `episodes ${String(v)}`} />
        {banded &&
          runs.map((run, i) =>
            run.visible ? <Area key={`${run.label} band`} type="linear" dataKey={bandKey(i)} stroke="none" fill={run.color} fillOpacity={0.15} connectNulls isAnimationActive={false} tooltipType="none" legendType="none" /> : null,
          )}
        {runs.map((run, i) =>
          run.visible ? (
            <Line key={run.label} type="linear" dataKey={seriesKey(i)} name={run.label} stroke={run.color} connectNulls dot={spec.gold ? { r: 2.5 } : false} isAnimationActive={false} />
          ) : null,
        )}
        {referenceLines(refs)}
      </ComposedChart>
    </ResponsiveContainer>
  );
});

interface FrontierPoint {
  x: number;
  y: number;
  episodes: number;
  length: number;
  run: string;
}

function FrontierTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const p = payload?.[0]?.payload as FrontierPoint | undefined;
  if (!active || !p) return null;
  return (
    <div className="recharts-default-tooltip" style={{ background: '#fff', border: '1px solid #ccc', padding: '4px 8px', fontSize: 13 }}>
      <strong>{p.run}</strong>, episodes {p.episodes}
      <br />
      KL {num(p.x)} nats · gold {num(p.y)} · length {Number.isFinite(p.length) ? p.length.toFixed(1) : '—'} tokens
    </div>
  );
}

/** Gold reward against KL to SFT at each evaluation: up and to the left is better. */
function FrontierChart(props: { runs: RlRunSeries[]; refs: Reference[]; goldAxis: string; task?: TaskName; live: boolean }) {
  const [ref, { runs, refs, goldAxis, task }] = useHeldOffScreen(props, props.live);
  const series = useMemo(() => runs.map((run) => (run.visible ? scatterData(run, 'eval/kl', 'gold/reward').map((p) => ({ ...p, run: run.label })) : [])), [runs]);
  const count = series.reduce((n, s) => n + s.length, 0);
  return (
    <figure ref={ref} className="rl-chart rl-chart-wide" data-testid="rl-chart-frontier" data-points={count}>
      <figcaption className="rl-chart-title">Reward–KL frontier</figcaption>
      <p className="rl-chart-note" style={NOTE_STYLE} data-testid="matched-kl-note">
        Each dot is one evaluation: up is more gold, right is further from SFT. Equal β2 is not equal KL: without the clip and the RM term, the
        KL-regularised optimum of RTO’s reward is π ∝ π_ref·(π_dpo/π_ref)^(β1/β2), which extrapolates past π_dpo whenever β1/β2 &gt; 1 (as with the lab’s defaults), so compare
        the methods at matched KL (along this frontier), not at the same β2.
      </p>
      {task && (
        <p className="rl-chart-note" style={NOTE_STYLE} data-testid="measured-result">
          {MEASURED_RESULT[task]}
        </p>
      )}
      <FrontierPlot runs={runs} refs={refs} goldAxis={goldAxis} series={series} />
    </figure>
  );
}

/** The plot of the FrontierChart, memoised as MetricPlot. */
const FrontierPlot = memo(function FrontierPlot({ runs, refs, goldAxis, series }: { runs: RlRunSeries[]; refs: Reference[]; goldAxis: string; series: FrontierPoint[][] }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT + 40}>
      <ScatterChart margin={MARGIN} accessibilityLayer>
        <CartesianGrid stroke="#e6e9ef" />
        <XAxis dataKey="x" type="number" name="KL to SFT" domain={['auto', 'auto']} tickFormatter={num} label={{ ...X_LABEL, value: 'KL to SFT (nats per response)' }} />
        <YAxis dataKey="y" type="number" name="gold reward" domain={['auto', 'auto']} tickFormatter={num} width={Y_WIDTH} label={yLabel(goldAxis)} />
        <Tooltip content={<FrontierTooltip />} />
        <Legend {...LEGEND_TOP} />
        {runs.map((run, i) => (run.visible ? <Scatter key={run.label} name={run.label} data={series[i]} fill={run.color} isAnimationActive={false} /> : null))}
        {referenceLines(refs)}
      </ScatterChart>
    </ResponsiveContainer>
  );
});

/** Where a run ended, in one line: gold and win rate with their standard errors, KL, and length beside SFT's. */
function RunSummary({ run }: { run: RlRunSeries }) {
  const s = runEvaluationSummary(run);
  if (!s) return null;
  return (
    <span className="rl-run-summary" style={SUMMARY_STYLE} data-testid="run-summary" data-length={s.length} data-gold={s.gold}>
      final gold {fmt(s.gold)} ± {fmt(s.goldSe)} · win rate {fmt(s.winRate, 2)} ± {fmt(s.winRateSe, 2)} · KL {fmt(s.kl, 2)} · length {fmt(s.length, 1)} tokens (SFT{' '}
      {fmt(s.sftLength, 1)})
    </span>
  );
}

/**
 * The RL runs' curves against episodes seen: gold reward and win rate (evaluation iterations, with ± 1 SE bands),
 * response length, RM score, KL, entropy and clip fraction, plus the reward–KL frontier. SFT and DPO gold rewards
 * are the lines to beat; every evaluation uses the same prompts and seed, so each curve starts on the SFT line.
 * Memoised: RlhfPanel keeps its props the same objects while no RL run's points change, so the RM's and DPO's
 * steps do not redraw these charts.
 */
export const RlCharts = memo(function RlCharts({
  runs,
  references,
  onToggle,
  task,
  live = false,
}: {
  runs: RlRunSeries[];
  references?: { sft?: number; dpo?: number; dpoWinRate?: number };
  onToggle?: (label: string) => void;
  /** Names the gold reward's units on the axes (VADER compound or Σ log π*). */
  task?: TaskName;
  /** A run streams in: charts off screen keep what they drew (useHeldOffScreen). */
  live?: boolean;
}) {
  const sft = references?.sft;
  const dpo = references?.dpo;
  const dpoWinRate = references?.dpoWinRate;
  const goldRefs = useMemo(() => {
    const refs: Reference[] = [];
    if (sft !== undefined && Number.isFinite(sft)) refs.push({ y: sft, label: 'SFT' });
    if (dpo !== undefined && Number.isFinite(dpo)) refs.push({ y: dpo, label: 'DPO' });
    return refs;
  }, [sft, dpo]);
  const summaries = useMemo(() => runs.map((run) => runEvaluationSummary(run)), [runs]);
  const specs = useMemo(() => lineCharts(task), [task]);
  const winRefs: Reference[] = useMemo(() => [{ y: 0.5, label: 'SFT 0.5' }, ...(dpoWinRate !== undefined && Number.isFinite(dpoWinRate) ? [{ y: dpoWinRate, label: 'DPO' }] : [])], [dpoWinRate]);
  // SFT's length and the horizon, from any run's iteration 0 (all runs share the SFT model).
  const lengthRefs: Reference[] = useMemo(() => {
    const known = summaries.find((s) => s !== null);
    const firstLength = runs.map((run) => run.points.find((p) => Number.isFinite(p.values['eval/length']))?.values['eval/length']).find((v) => v !== undefined);
    const cap = known?.lengthCap ?? runs.map((run) => run.points[0]?.values['eval/length_cap']).find((v) => v !== undefined);
    return [
      ...(firstLength !== undefined ? [{ y: firstLength, label: 'SFT' }] : []),
      ...(cap !== undefined && Number.isFinite(cap) ? [{ y: cap, label: `cap ${cap}`, position: 'insideTopRight' as const }] : []),
    ];
  }, [runs, summaries]);
  if (runs.every((run) => run.points.length === 0)) return null;
  const refsFor = (spec: LineSpec): Reference[] => (spec.metric === 'gold/reward' ? goldRefs : spec.metric === 'gold/win_rate' ? winRefs : spec.metric === 'eval/length' ? lengthRefs : []);
  const notes = runs.flatMap((run, i) => {
    const s = summaries[i];
    const note = run.visible && s ? lengthNote(run.label, s) : null;
    return note ? [note] : [];
  });
  return (
    <div className="rl-charts">
      <ul className="rl-charts-legend" aria-label="Runs">
        {runs.map((run) => (
          <li key={run.label} className={run.visible ? '' : 'rl-charts-hidden'}>
            <label>
              {onToggle && <input type="checkbox" checked={run.visible} onChange={() => onToggle(run.label)} data-testid="run-visible" />}
              <span className="rl-charts-swatch" style={{ background: run.color }} aria-hidden="true" /> {run.label}
              {run.visible ? '' : ' (hidden)'}
            </label>
            {run.visible && <RunSummary run={run} />}
          </li>
        ))}
      </ul>
      {notes.map((note) => (
        <p key={note} className="hint rl-length-note" role="note" style={{ color: 'var(--warn)', margin: '0.2rem 0' }} data-testid="length-note">
          {note}
        </p>
      ))}
      <div className="rl-charts-grid">
        {specs.map((spec) => (
          <MetricChart key={spec.slug} spec={spec} runs={runs} refs={refsFor(spec)} live={live} />
        ))}
        <FrontierChart runs={runs} refs={goldRefs} goldAxis={GOLD_AXIS[task ?? 'any']} task={task} live={live} />
        <MatchedKlView runs={runs} />
      </div>
    </div>
  );
});
