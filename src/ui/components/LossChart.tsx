import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LossPoint } from '../labState';
import { LEGEND_TOP, xLabel, yLabel } from './chartParts';

/**
 * Training and held-out loss per step, with the unigram model's held-out loss as the line to get under. Memoised:
 * the page re-renders at every event of any stage, and this chart's points change only while SFT runs.
 */
export const LossChart = memo(function LossChart({ points, unigram }: { points: LossPoint[]; unigram: number | null }) {
  if (points.length === 0) return null;
  return (
    <div className="chart" data-testid="sft-loss-chart" data-points={points.length}>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={points} margin={{ top: 8, right: 24, bottom: 16, left: 0 }}>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="step" type="number" allowDecimals={false} domain={['dataMin', 'dataMax']} label={xLabel('optimiser step')} />
          <YAxis domain={[(min: number) => Math.floor(min - 0.3), 'auto']} tickFormatter={(v: number) => v.toFixed(1)} width={62} label={yLabel('loss (nats / token)')} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend {...LEGEND_TOP} />
          <Line type="monotone" dataKey="loss" name="train loss" stroke="#2f5bd3" dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="evalLoss" name="held-out loss" stroke="#c2410c" connectNulls dot isAnimationActive={false} />
          {unigram !== null && <ReferenceLine y={unigram} ifOverflow="extendDomain" stroke="#6b7280" strokeDasharray="4 4" label={{ value: 'unigram baseline', position: 'insideTopLeft', fill: '#6b7280' }} />}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});
