import { STAGES } from '../../lab/stages';

/** The stage graph with each stage's status. Nothing has run yet in a fresh lab, and the page says so. */
export function Pipeline() {
  return (
    <section className="panel" aria-labelledby="pipeline-title">
      <h2 id="pipeline-title">The pipeline</h2>
      <ol className="stages" data-testid="pipeline">
        {STAGES.map((stage, i) => (
          <li key={stage.id} className="stage" data-stage={stage.id} data-status="not-run">
            <div className="stage-head">
              <span className="stage-index">{i + 1}</span>
              <span className="stage-title">{stage.title}</span>
              <span className="stage-status">{stage.needs.length === 0 ? 'not run yet' : `waits for ${stage.needs.map((n) => STAGES.find((s) => s.id === n)?.title ?? n).join(' + ')}`}</span>
            </div>
            <p className="stage-summary">{stage.summary}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
