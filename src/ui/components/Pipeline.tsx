import { STAGES, type StageId } from '../../lab/stages';
import type { LabState } from '../labState';

type StageStatus = 'not-run' | 'running' | 'done' | 'failed' | 'interrupted';

/** A stage's status from what the worker has reported (Evaluation is done when PPO and RTO both are). */
function statusOf(id: StageId, state: LabState): StageStatus {
  if (id === 'sft') {
    if (state.sft?.status === 'running' || state.sft?.status === 'paused') return 'running';
    if (state.sftModel) return 'done';
    return state.sft?.status === 'failed' ? 'failed' : 'not-run';
  }
  if (id === 'eval') {
    const both = [state.stages.ppo, state.stages.rto];
    if (both.some((r) => r?.status === 'running')) return 'running';
    return both.every((r) => r?.status === 'done') ? 'done' : 'not-run';
  }
  const run = state.stages[id];
  if (!run) return 'not-run';
  return run.status === 'cancelled' ? 'failed' : run.status === 'paused' ? 'running' : run.status;
}

const LABEL: Record<StageStatus, string> = { 'not-run': 'not run yet', running: 'running…', done: 'done', failed: 'failed', interrupted: 'interrupted: continue it' };

/** The stage graph with each stage's status. */
export function Pipeline({ state }: { state: LabState }) {
  return (
    <section className="panel" aria-labelledby="pipeline-title">
      <h2 id="pipeline-title">The pipeline</h2>
      <ol className="stages" data-testid="pipeline">
        {STAGES.map((stage, i) => (
          <li key={stage.id} className={`stage stage-${statusOf(stage.id, state)}`} data-stage={stage.id} data-status={statusOf(stage.id, state)}>
            <div className="stage-head">
              <span className="stage-index">{i + 1}</span>
              <span className="stage-title">{stage.title}</span>
              <span className="stage-status">
                {statusOf(stage.id, state) !== 'not-run' || stage.needs.length === 0
                  ? LABEL[statusOf(stage.id, state)]
                  : `waits for ${stage.needs.map((n) => STAGES.find((s) => s.id === n)?.title ?? n).join(' + ')}`}
              </span>
            </div>
            <p className="stage-summary">{stage.summary}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
