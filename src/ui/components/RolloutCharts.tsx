/**
 * The rollout viewer's charts: reward per step (each run's mean with a ± 1 std band, the reference model's mean
 * dashed beside it), mean KL and mean gold per step when logged, and a histogram of a step's values.
 */
import { Area, Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RolloutSeries } from '../../lab/rollouts';
import { histogram, rewardChartRows, seriesColor, seriesLabel } from '../rolloutViewData';
import { LEGEND_TOP, xLabel, yLabel } from './chartParts';

const MARGIN = { top: 8, right: 16, bottom: 16, left: 4 };
const X_LABEL = xLabel('step');
const num = (v: unknown): string => (typeof v === 'number' ? (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3)) : Array.isArray(v) ? v.map(num).join(' … ') : String(v));

function StepChart({ title, testId, series, keys, y }: { title: string; testId: string; series: readonly RolloutSeries[]; keys: ('reward' | 'ref' | 'kl' | 'gold')[]; y: string }) {
  const rows = rewardChartRows(series);
  return (
    <figure className="chart" data-testid={testId} data-points={rows.length}>
      <figcaption className="hint">{title}</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <ComposedChart data={rows} margin={MARGIN}>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="step" type="number" allowDecimals={false} domain={['dataMin', 'dataMax']} label={X_LABEL} />
          <YAxis width={64} tickFormatter={(v: number) => num(v)} label={yLabel(y)} />
          <Tooltip formatter={(v) => num(v)} />
          <Legend {...LEGEND_TOP} />
          {series.map((s, k) => {
            const name = seriesLabel(s);
            const color = seriesColor(k);
            return [
              keys.includes('reward') && <Area key={`b${k}`} dataKey={`band${k}`} name={`${name} ± 1 std`} stroke="none" fill={color} fillOpacity={0.15} isAnimationActive={false} legendType="none" />,
              keys.includes('reward') && <Line key={`r${k}`} dataKey={`reward${k}`} name={`${name} reward`} stroke={color} dot={rows.length < 40} connectNulls isAnimationActive={false} />,
              keys.includes('ref') && <Line key={`f${k}`} dataKey={`ref${k}`} name={`${name} ref_reward`} stroke={color} strokeDasharray="5 4" dot={false} connectNulls isAnimationActive={false} />,
              keys.includes('kl') && <Line key={`k${k}`} dataKey={`kl${k}`} name={`${name} KL`} stroke={color} dot={rows.length < 40} connectNulls isAnimationActive={false} />,
              keys.includes('gold') && <Line key={`g${k}`} dataKey={`gold${k}`} name={`${name} gold`} stroke={color} dot={rows.length < 40} connectNulls isAnimationActive={false} />,
            ];
          })}
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function RolloutRewardChart({ series, hasRef, hasKl, hasGold }: { series: readonly RolloutSeries[]; hasRef: boolean; hasKl: boolean; hasGold: boolean }) {
  return (
    <div className="rollout-charts">
      <StepChart
        title={`Reward per step: the mean over the step's responses, the band ± 1 standard deviation${hasRef ? "; dashed, the reference model's mean reward" : ''}.`}
        testId="rollout-reward-chart"
        series={series}
        keys={hasRef ? ['reward', 'ref'] : ['reward']}
        y="reward"
      />
      {hasKl && <StepChart title="KL per step: the mean over responses of Σ (logprobs − ref_logprobs)." testId="rollout-kl-chart" series={series} keys={['kl']} y="nats / response" />}
      {hasGold && <StepChart title="Gold reward per step (a lab run's task reward)." testId="rollout-gold-chart" series={series} keys={['gold']} y="gold" />}
    </div>
  );
}

export function RolloutHistogram({ values, title, testId }: { values: readonly number[]; title: string; testId: string }) {
  const bins = histogram(values).map((b) => ({ ...b, mid: (b.from + b.to) / 2, label: `${num(b.from)} … ${num(b.to)}` }));
  return (
    <figure className="chart rollout-histogram" data-testid={testId} data-count={values.length}>
      <figcaption className="hint">
        {title} ({values.length} values)
      </figcaption>
      {bins.length === 0 ? (
        <p className="hint">No values at this step.</p>
      ) : (
        <ResponsiveContainer width="100%" height={170}>
          <BarChart data={bins} margin={MARGIN} barCategoryGap={1}>
            <CartesianGrid stroke="#e6e9ef" />
            <XAxis dataKey="mid" tickFormatter={(v: number) => num(v)} label={{ ...X_LABEL, value: 'value' }} />
            <YAxis allowDecimals={false} width={40} />
            <Tooltip labelFormatter={(_, p) => String((p[0]?.payload as { label?: string } | undefined)?.label ?? '')} formatter={(v) => [String(v), 'responses']} />
            <Bar dataKey="count" fill="#2f5bd3" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
