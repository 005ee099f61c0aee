/**
 * The views of an opened rollout log, each shown when the log's fields support it (lab/rollouts fields.ts): reward
 * per step with the reference model's beside it, a step's distributions of reward and of reward − ref_reward, the
 * step's responses in the lab's response table, and the lab's token heatmap with the channels the log holds.
 */
import { useId, useMemo, useState } from 'react';
import { ROLLOUT_VIEWS, viewNeedsText, type RolloutRunView, type RolloutViewId } from '../../lab/rollouts';
import type { TableRow } from '../responseTable';
import { heatmapSnapshots, logTableRows, seriesColor, seriesLabel } from '../rolloutViewData';
import { ResponseTableView, type BesideColumn, type TableColumn } from './ResponseTableView';
import { RolloutHistogram, RolloutRewardChart } from './RolloutCharts';
import { TokenHeatmap } from './TokenHeatmap';

const REF_COLUMN: BesideColumn = {
  label: 'Reference response',
  title: "The reference model's response to the same prompt (ref_response); its reward is the Ref reward column",
  testId: 'ref-response',
  render: (r: TableRow) => (r.sft ? r.sft.text || <em>(empty)</em> : null),
};

function columnsFor(has: (v: RolloutViewId) => boolean): TableColumn[] {
  return [
    { key: 'prompt', label: 'Prompt', title: 'The prompt' },
    { key: 'response', label: 'Response', title: 'The response, as the log gives it' },
    { key: 'score', label: 'Reward', title: "The response's reward (reward)" },
    ...(has('ref-reward-curve') ? [{ key: 'refScore', label: 'Ref reward', title: "The reference model's reward (ref_reward)" } as const] : []),
    ...(has('responses-by-kl') ? [{ key: 'kl', label: 'KL', title: 'Σ over the response of logprobs − ref_logprobs', digits: 2 } as const] : []),
    ...(has('gold-curve') ? [{ key: 'gold', label: 'Gold', title: "The lab task's gold reward (lab logs)" } as const] : []),
    ...(has('token-heatmap') ? [{ key: 'length', label: 'Length', title: 'response_tokens', digits: 0 } as const] : []),
  ];
}

export function RolloutViews({ view }: { view: RolloutRunView }) {
  const id = useId();
  const has = (v: RolloutViewId) => view.views.includes(v);
  const series = useMemo(() => view.series.filter((s) => s.steps.length > 0), [view.series]);
  const [chosenSeries, setSeries] = useState(0);
  const current = series[Math.min(chosenSeries, series.length - 1)];
  const steps = current?.samples.map((s) => s.step) ?? [];
  const [chosenStep, setStep] = useState<number | null>(null);
  const step = chosenStep !== null && steps.includes(chosenStep) ? chosenStep : steps[steps.length - 1];
  const sample = current?.samples.find((s) => s.step === step);
  const tableRows = logTableRows(sample?.table ?? []);
  const heatmapRuns = useMemo(() => series.map((s, i) => ({ label: seriesLabel(s), color: seriesColor(i), snapshots: heatmapSnapshots(s.samples) })).filter((r) => r.snapshots.length > 0), [series]);
  const withoutStep = view.series.reduce((n, s) => n + s.withoutStep, 0);
  const tokenView = ROLLOUT_VIEWS.find((v) => v.id === 'token-heatmap')!;

  if (!current || step === undefined || !sample) {
    return (
      <p className="hint" data-testid="rollout-no-steps">
        No record has a step{withoutStep ? ` (${withoutStep} records without one)` : ''}: the views merge records by step.
      </p>
    );
  }
  const stepRow = current.steps.find((r) => r.step === step);
  return (
    <div className="rollout-views" data-testid="rollout-views">
      {withoutStep > 0 && <p className="hint">{withoutStep} records have no step and are left out of the views.</p>}
      {has('reward-curve') && <RolloutRewardChart series={series} hasRef={has('ref-reward-curve')} hasKl={has('responses-by-kl')} hasGold={has('gold-curve')} />}
      <div className="row">
        {series.length > 1 && (
          <>
            <label htmlFor={`${id}-series`}>Run</label>
            <select id={`${id}-series`} value={Math.min(chosenSeries, series.length - 1)} onChange={(e) => setSeries(Number(e.target.value))}>
              {series.map((s, i) => (
                <option key={i} value={i}>
                  {seriesLabel(s)}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor={`${id}-step`}>Step</label>
        <select id={`${id}-step`} data-testid="rollout-step" value={step} onChange={(e) => setStep(Number(e.target.value))}>
          {steps.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span className="hint">
          {stepRow?.responses ?? 0} responses at step {step}
          {stepRow && stepRow.responses > sample.table.length ? `; the table holds the first ${sample.table.length}` : ''}
          {stepRow && stepRow.rewardCount > sample.rewards.length ? `; the distributions, the first ${sample.rewards.length} rewards` : ''}.
        </span>
      </div>
      <div className="rollout-distributions">
        {has('reward-distribution') && <RolloutHistogram values={sample.rewards} title={`Rewards at step ${step}`} testId="reward-histogram" />}
        {has('reward-minus-ref') && <RolloutHistogram values={sample.minusRef} title={`reward − ref_reward at step ${step}`} testId="minus-ref-histogram" />}
      </div>
      {tableRows.length > 0 && (
        <section className="response-table-area" aria-labelledby={`${id}-table`}>
          <h3 id={`${id}-table`}>Responses at step {step}</h3>
          <ResponseTableView
            rows={tableRows}
            columns={columnsFor(has)}
            beside={has('ref-responses') ? REF_COLUMN : null}
            caption={`${seriesLabel(current)}, step ${step}: ${tableRows.length} responses, in the log's order until sorted.`}
            testId="rollout-table"
          />
        </section>
      )}
      {heatmapRuns.length > 0 ? (
        <section aria-labelledby={`${id}-heat`}>
          <h3 id={`${id}-heat`}>Tokens</h3>
          <TokenHeatmap runs={heatmapRuns} hasTrueReward={false} stepName="step" explainMethods={false} />
        </section>
      ) : (
        <p className="hint" data-testid="token-views-note">
          The token views (heatmap, per-token reward, value, log-ratio, probabilities, RTO&apos;s channels) need token arrays: each line&apos;s {viewNeedsText(tokenView)}. This log has
          none, so it shows the reward and response views only.
        </p>
      )}
    </div>
  );
}
