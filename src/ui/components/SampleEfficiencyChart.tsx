import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';

export interface EfficiencyPoint {
  method: 'PPO' | 'RTO';
  /** Share of the RL prompt pool the run trained on. */
  fraction: number;
  winRate: number;
}

const COLORS = { PPO: '#2166ac', RTO: '#b35806' };

/**
 * Sample efficiency (the paper's Fig. 4c): final gold win rate against SFT by the share of RL prompts used, one
 * line per method, from the finished runs in the page (run RTO or PPO with other "Prompt fraction" settings).
 */
export function SampleEfficiencyChart({ points }: { points: EfficiencyPoint[] }) {
  if (new Set(points.map((p) => p.fraction)).size < 2) {
    return <p className="hint">Sample efficiency: run PPO or RTO again with another "Prompt fraction" (e.g. 0.125) to plot final win rate against the share of prompts.</p>;
  }
  const series = (['PPO', 'RTO'] as const).map((m) => ({ m, data: points.filter((p) => p.method === m).sort((a, b) => a.fraction - b.fraction) }));
  return (
    <figure className="rl-chart rl-chart-wide" data-testid="rl-chart-sample-efficiency" data-points={points.length}>
      <figcaption className="rl-chart-title">Sample efficiency: final win rate vs SFT by share of RL prompts</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid stroke="#e6e9ef" />
          <XAxis dataKey="fraction" type="number" scale="log" domain={['auto', 'auto']} ticks={[0.125, 0.25, 0.5, 1]} tickFormatter={(v: number) => (v >= 1 ? '1' : `1/${Math.round(1 / v)}`)} label={{ value: 'share of RL prompts', position: 'insideBottomRight', offset: -8, fontSize: 11 }} />
          <YAxis dataKey="winRate" type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} width={60} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend />
          {series.map(({ m, data }) => (data.length ? <Scatter key={m} name={m} data={data} fill={COLORS[m]} line isAnimationActive={false} /> : null))}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}
