import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { lineChartData, scatterData, seriesKey, type RlRunSeries } from '../rlChartData';

export type { RlPoint, RlRunSeries } from '../rlChartData';

interface Reference {
  y: number;
  label: string;
}

interface LineSpec {
  slug: string;
  title: string;
  metric: string;
  /** Gold metrics come only from evaluation iterations: draw their dots. */
  gold: boolean;
}

const LINE_CHARTS: LineSpec[] = [
  { slug: 'gold-reward', title: 'Gold reward', metric: 'gold/reward', gold: true },
  { slug: 'win-rate', title: 'Win rate vs SFT', metric: 'gold/win_rate', gold: true },
  { slug: 'rm-score', title: 'RM score', metric: 'objective/scores', gold: false },
  { slug: 'kl', title: 'KL to SFT', metric: 'objective/kl', gold: false },
  { slug: 'entropy', title: 'Entropy', metric: 'objective/entropy', gold: false },
  { slug: 'clip-fraction', title: 'Clip fraction', metric: 'policy/clipfrac_avg', gold: false },
];

const HEIGHT = 180;
const MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };
// Straight segments between measured points (a smoothed curve would draw values nobody measured).
const num = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toString() : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
const tooltipValue = (v: unknown) => (typeof v === 'number' ? num(v) : String(v));

function referenceLines(refs: Reference[]) {
  return refs.map((r) => (
    <ReferenceLine key={r.label} y={r.y} ifOverflow="extendDomain" stroke="#6b7280" strokeDasharray="4 4" label={{ value: r.label, position: 'insideTopLeft', fill: '#6b7280', fontSize: 11 }} />
  ));
}

/** One metric against episodes seen, a line per visible run. */
function MetricChart({ spec, runs, refs }: { spec: LineSpec; runs: RlRunSeries[]; refs: Reference[] }) {
  const { rows, count } = useMemo(() => lineChartData(runs, spec.metric), [runs, spec.metric]);
  return (
    <figure className="rl-chart" data-testid={`rl-chart-${spec.slug}`} data-points={count} data-refs={refs.map((r) => r.label).join(',')}>
      <figcaption className="rl-chart-title">{spec.title}</figcaption>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <LineChart data={rows} margin={MARGIN} accessibilityLayer>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="episodes" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} tickFormatter={(v: number) => String(Math.round(v))} label={{ value: 'episodes', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
          <YAxis domain={['auto', 'auto']} tickFormatter={num} width={60} />
          <Tooltip formatter={tooltipValue} labelFormatter={(v) => `episodes ${String(v)}`} />
          {runs.map((run, i) =>
            run.visible ? (
              <Line key={run.label} type="linear" dataKey={seriesKey(i)} name={run.label} stroke={run.color} connectNulls dot={spec.gold ? { r: 2.5 } : false} isAnimationActive={false} />
            ) : null,
          )}
          {referenceLines(refs)}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Gold reward against KL to SFT at each evaluation: up and to the left is better. */
function FrontierChart({ runs, refs }: { runs: RlRunSeries[]; refs: Reference[] }) {
  const series = useMemo(() => runs.map((run) => (run.visible ? scatterData(run, 'eval/kl', 'gold/reward') : [])), [runs]);
  const count = series.reduce((n, s) => n + s.length, 0);
  return (
    <figure className="rl-chart rl-chart-wide" data-testid="rl-chart-frontier" data-points={count}>
      <figcaption className="rl-chart-title">Reward–KL frontier</figcaption>
      <ResponsiveContainer width="100%" height={HEIGHT + 40}>
        <ScatterChart margin={MARGIN} accessibilityLayer>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="x" type="number" name="KL to SFT" domain={['auto', 'auto']} tickFormatter={num} label={{ value: 'KL to SFT', position: 'insideBottomRight', offset: -2 }} />
          <YAxis dataKey="y" type="number" name="gold reward" domain={['auto', 'auto']} tickFormatter={num} width={60} />
          <Tooltip formatter={tooltipValue} />
          <Legend />
          {runs.map((run, i) => (run.visible ? <Scatter key={run.label} name={run.label} data={series[i]} fill={run.color} isAnimationActive={false} /> : null))}
          {referenceLines(refs)}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/**
 * The RL runs' curves against episodes seen: gold reward and win rate (evaluation iterations), RM score, KL,
 * entropy and clip fraction, plus the reward–KL frontier. SFT and DPO gold rewards are the lines to beat.
 */
export function RlCharts({ runs, references, onToggle }: { runs: RlRunSeries[]; references?: { sft?: number; dpo?: number; dpoWinRate?: number }; onToggle?: (label: string) => void }) {
  const sft = references?.sft;
  const dpo = references?.dpo;
  const dpoWinRate = references?.dpoWinRate;
  const goldRefs = useMemo(() => {
    const refs: Reference[] = [];
    if (sft !== undefined && Number.isFinite(sft)) refs.push({ y: sft, label: 'SFT' });
    if (dpo !== undefined && Number.isFinite(dpo)) refs.push({ y: dpo, label: 'DPO' });
    return refs;
  }, [sft, dpo]);
  if (runs.every((run) => run.points.length === 0)) return null;
  const winRefs: Reference[] = [{ y: 0.5, label: 'SFT 0.5' }, ...(dpoWinRate !== undefined && Number.isFinite(dpoWinRate) ? [{ y: dpoWinRate, label: 'DPO' }] : [])];
  const refsFor = (spec: LineSpec): Reference[] => (spec.metric === 'gold/reward' ? goldRefs : spec.metric === 'gold/win_rate' ? winRefs : []);
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
          </li>
        ))}
      </ul>
      <div className="rl-charts-grid">
        {LINE_CHARTS.map((spec) => (
          <MetricChart key={spec.slug} spec={spec} runs={runs} refs={refsFor(spec)} />
        ))}
        <FrontierChart runs={runs} refs={goldRefs} />
      </div>
    </div>
  );
}
