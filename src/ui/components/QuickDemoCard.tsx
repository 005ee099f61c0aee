/** What the Quick demo is doing: not started, a stage running, or done (RlhfPanel works it out from its runs). */
export type QuickDemoStatus = { kind: 'idle' } | { kind: 'running'; stage: string } | { kind: 'done' } | { kind: 'stopped'; stage: string };

/**
 * The Quick demo on the first screen: one sentence on what it shows, the button, and where it has got to, with a
 * link down to the stages. RlhfPanel renders it (it owns the run queue), into the page's first-screen slot.
 */
export function QuickDemoCard(props: { disabled: boolean; loading: boolean; status: QuickDemoStatus; error: string | null; onStart: () => void }) {
  const { status } = props;
  return (
    <div className="quick-demo" data-testid="quick-demo-card" data-status={status.kind}>
      <div className="row quick-demo-row">
        <button type="button" className="primary" data-testid="quick-demo" disabled={props.disabled || props.loading} onClick={props.onStart}>
          {props.loading ? 'Loading…' : 'Quick demo'}
        </button>
        <p className="quick-demo-what">
          Under a minute, here in the page: trains a reward model and DPO from a shipped SFT model, then PPO and RTO side by side. Watch where the
          reward lands, token by token: at the end of each response for PPO, on every token for RTO.
        </p>
      </div>
      <p className="hint" role="status" data-testid="quick-demo-status">
        {status.kind === 'running' && (
          <>
            Now training: {status.stage}. <a href="#rlhf-title">Watch the stages ↓</a>
          </>
        )}
        {status.kind === 'done' && (
          <>
            Done. <a href="#heatmap-title">See where the reward landed ↓</a> or <a href="#rl-curves-title">the curves ↓</a>
          </>
        )}
        {status.kind === 'stopped' && (
          <>
            Stopped: {status.stage} did not finish. <a href="#rlhf-title">See why in Stages 2–6 ↓</a>
          </>
        )}
        {status.kind === 'idle' &&
          'It loads the SFT model and preference pairs that ship with the lab (sentiment task, tiny preset, seed 1) and trains the rest on this computer; nothing is sent anywhere.'}
      </p>
      {props.error && (
        <p className="error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
