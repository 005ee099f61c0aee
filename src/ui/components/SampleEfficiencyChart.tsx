import { memo } from 'react';
import { CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { ppoReference, winRateAxis, winRateNoise, type EfficiencyPoint } from '../sampleEfficiency';
import { formatFraction } from '../sweepPlan';
import { LEGEND_TOP, yLabel } from './chartParts';

export type { EfficiencyPoint } from '../sampleEfficiency';

const COLORS = { PPO: '#2166ac', RTO: '#b35806' };
const win = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
const withSe = (v: number, se: number, d: number) => (Number.isFinite(v) ? `${v.toFixed(d)}${Number.isFinite(se) ? ` ± ${se.toFixed(d)}` : ''}` : '—');

/**
 * Sample efficiency (the paper's Fig. 4c): final gold win rate against SFT by the share of RL prompts used, one
 * line per method, PPO on all the prompts as a dashed reference, and the numbers in a table below.
 */
export const SampleEfficiencyChart = memo(function SampleEfficiencyChart({ points, fromSweep, stoppedEarly = 0 }: { points: EfficiencyPoint[]; fromSweep: boolean; stoppedEarly?: number }) {
  const fractions = [...new Set(points.map((p) => p.fraction))].sort((a, b) => a - b);
  if (fromSweep && points.length === 0) return <p className="hint" data-testid="sample-efficiency-empty">Sample efficiency: the chart appears when the sweep’s first run finishes.</p>;
  if (points.length === 0 || (!fromSweep && fractions.length < 2)) {
    return (
      <p className="hint" data-testid="sample-efficiency-empty">
        Sample efficiency: press “Run fraction sweep” above (or run RTO again with another “Prompt fraction”) to plot each run’s final win rate
        against the share of the RL prompts it trained on.
      </p>
    );
  }
  const series = (['PPO', 'RTO'] as const).map((m) => ({ m, data: points.filter((p) => p.method === m).sort((a, b) => a.fraction - b.fraction) }));
  const reference = ppoReference(points);
  const low = fractions[0] ?? 1;
  const axis = winRateAxis(points.map((p) => p.winRate));
  const evalPrompts = Math.min(...points.map((p) => p.evalPrompts));
  return (
    <figure className="rl-chart rl-chart-wide efficiency" data-testid="rl-chart-sample-efficiency" data-points={points.length}>
      <figcaption className="rl-chart-title">
        Sample efficiency: final win rate vs SFT by share of RL prompts {fromSweep ? '(the runs of the fraction sweep)' : '(every finished run)'}
      </figcaption>
      <p className="hint">
        Each point is one run: across, the share of the RL prompt pool it trained on (every run sees as many episodes; fewer prompts are repeated
        more); up, how often its answers beat SFT’s on held-out prompts (0.5: no better than SFT). The paper’s claim (Fig. 4c): RTO on a fraction of
        the prompts reaches PPO’s level on all of them, so look for orange points to the left on or above the dashed PPO line. At this toy scale they may
        not; and measured on {evalPrompts} held-out prompts, a win rate is only good to about ±{winRateNoise(evalPrompts).toFixed(2)}, so smaller gaps are noise.
      </p>
      <ResponsiveContainer width="100%" height={240}>
        <ScatterChart margin={{ top: 12, right: 24, bottom: 18, left: 8 }} accessibilityLayer>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis
            dataKey="fraction"
            type="number"
            scale="log"
            domain={[low / 1.4, 1.4]}
            ticks={fractions}
            tickFormatter={(v: number) => formatFraction(v)}
            label={{ value: 'share of the RL prompts (log scale)', position: 'insideBottom', offset: -12, fontSize: 11 }}
          />
          <YAxis dataKey="winRate" type="number" domain={axis.domain} ticks={axis.ticks} allowDataOverflow tickFormatter={(v: number) => v.toFixed(2)} width={64} label={yLabel('win rate vs SFT')} />
          <Tooltip formatter={(v, name) => (name === 'fraction' && typeof v === 'number' ? formatFraction(v) : typeof v === 'number' ? v.toFixed(3) : String(v))} />
          {/* The length rides along in each point's tooltip (a constant dot size): a win bought with length is reward hacking. */}
          <ZAxis dataKey="length" type="number" name="length (tokens)" range={[64, 64]} />
          <Legend {...LEGEND_TOP} />
          <ReferenceLine y={0.5} ifOverflow="extendDomain" stroke="#9ca3af" strokeDasharray="2 4" label={{ value: 'SFT (0.5)', position: 'insideBottomRight', fill: '#6b7280', fontSize: 11 }} />
          {reference && (
            <ReferenceLine y={reference.winRate} ifOverflow="extendDomain" stroke={COLORS.PPO} strokeDasharray="6 4" label={{ value: `PPO on all prompts: ${win(reference.winRate)}`, position: 'insideTopLeft', fill: COLORS.PPO, fontSize: 11 }} />
          )}
          {series.map(({ m, data }) => (data.length ? <Scatter key={m} name={m} data={data} fill={COLORS[m]} line={data.length > 1} isAnimationActive={false} /> : null))}
        </ScatterChart>
      </ResponsiveContainer>
      <table className="efficiency-table">
        <caption>The chart’s points{stoppedEarly > 0 ? ` (${stoppedEarly} run${stoppedEarly > 1 ? 's' : ''} stopped early left out: fewer episodes)` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">run</th>
            <th scope="col">share of prompts</th>
            <th scope="col">final win rate vs SFT (± SE)</th>
            <th scope="col">final gold</th>
            <th scope="col">length (tokens)</th>
          </tr>
        </thead>
        <tbody>
          {[...points].sort((a, b) => (a.method === b.method ? b.fraction - a.fraction : a.method === 'PPO' ? -1 : 1)).map((p) => (
            <tr key={p.label} data-testid="efficiency-point" data-method={p.method} data-fraction={p.fraction} data-win-rate={p.winRate} data-length={p.length}>
              <td style={{ color: COLORS[p.method] }}>{p.label}</td>
              <td>{formatFraction(p.fraction)}</td>
              <td>{withSe(p.winRate, p.winRateSe, 2)}</td>
              <td>{Number.isFinite(p.gold) ? p.gold.toFixed(3) : '—'}</td>
              <td>{Number.isFinite(p.length) ? p.length.toFixed(1) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
});
