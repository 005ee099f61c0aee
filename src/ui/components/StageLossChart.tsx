import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricPoint } from '../stageRuns';
import { useInView } from '../useInView';
import { chartEveryMs, useThrottled } from '../useThrottled';
import { LEGEND_TOP, xLabel, yLabel } from './chartParts';

/** Which metrics a preference-trained stage's chart shows: its loss and its held-out accuracy. */
const SERIES: Record<'rm' | 'dpo', { accuracy: string; label: string }> = {
  rm: { accuracy: 'eval/accuracy', label: 'held-out accuracy' },
  dpo: { accuracy: 'eval/rewards/accuracies', label: 'held-out reward accuracy' },
};

/**
 * The reward model's or DPO's loss per step with its held-out loss and accuracy. Both losses start at ln 2 (the
 * model cannot yet tell the chosen response from the rejected one) and the accuracy at about 0.5. Memoised, as
 * LossChart: its points change only while its stage runs.
 */
export function StageLossChart({ stage, points, live }: { stage: 'rm' | 'dpo'; points: readonly MetricPoint[]; live: boolean }) {
  // `live` while its stage trains or another stage runs (StageCard's pageBusy): then redrawn once a second on screen
  // (useThrottled.ts) and not at all off it, so that a stage ending beside another is not drawn under the fold while
  // the workers still need the CPU (the Quick demo's reward model and DPO); at once when nothing runs. In between the
  // plot below gets the same props and does not render at all.
  const [ref, onScreen] = useInView<HTMLDivElement>();
  const shown = useThrottled(points, chartEveryMs(live, onScreen));
  return (
    <div ref={ref}>
      <StageLossPlot stage={stage} points={shown} />
    </div>
  );
}

const StageLossPlot = memo(function StageLossPlot({ stage, points }: { stage: 'rm' | 'dpo'; points: readonly MetricPoint[] }) {
  if (points.length === 0) return null;
  const { accuracy, label } = SERIES[stage];
  const data = points.map((p) => ({ step: p.step, loss: p.values.loss, evalLoss: p.values['eval/loss'], evalAccuracy: p.values[accuracy] }));
  return (
    <div className="chart" data-testid={`loss-chart-${stage}`} data-points={data.length}>
      <ResponsiveContainer width="100%" height={210}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 16, left: 0 }}>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="step" type="number" allowDecimals={false} domain={['dataMin', 'dataMax']} label={xLabel('optimiser step')} />
          {/* Left: the losses (nats per pair); right: the accuracy. Axis titles sit outside the ticks (wide axes, text centred). */}
          <YAxis yAxisId="loss" domain={[0, 'auto']} tickFormatter={(v: number) => v.toFixed(2)} width={62} label={yLabel('loss (nats / pair)')} />
          <YAxis yAxisId="acc" orientation="right" domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} tickFormatter={(v: number) => v.toFixed(2)} width={62} label={yLabel('accuracy', 'right')} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend {...LEGEND_TOP} />
          <ReferenceLine yAxisId="loss" y={Math.LN2} stroke="#6b7280" strokeDasharray="4 4" label={{ value: 'ln 2 (chance)', position: 'insideTopRight', fill: '#6b7280' }} />
          <Line yAxisId="loss" type="monotone" dataKey="loss" name="train loss" stroke="#2f5bd3" dot={false} isAnimationActive={false} />
          <Line yAxisId="loss" type="monotone" dataKey="evalLoss" name="held-out loss" stroke="#c2410c" connectNulls dot isAnimationActive={false} />
          <Line yAxisId="acc" type="monotone" dataKey="evalAccuracy" name={`${label} (right axis)`} stroke="#1b7837" connectNulls dot isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});
