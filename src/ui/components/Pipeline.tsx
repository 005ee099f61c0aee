import { STAGES, type StageId } from '../../lab/stages';
import type { LabState } from '../labState';

type StageStatus = 'not-run' | 'running' | 'done' | 'failed';

/** A stage's status from what the worker has reported; stages not built yet are simply not run. */
function statusOf(id: StageId, state: LabState): StageStatus {
  if (id !== 'sft') return 'not-run';
  if (state.sft?.status === 'running') return 'running';
  if (state.sftModel) return 'done';
  return state.sft?.status === 'failed' ? 'failed' : 'not-run';
}

const LABEL: Record<StageStatus, string> = { 'not-run': 'not run yet', running: 'running…', done: 'done', failed: 'failed' };

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
