import { useId } from 'react';
import { describeStep, sweepStatusText, type SweepState, type SweepStep } from '../sweepPlan';

/**
 * "Run fraction sweep": the list of prompt shares for RTO, the button, and which run of the sweep is going. The
 * runs themselves are the PPO and RTO stage runs above (RlhfPanel queues them).
 */
export function SweepControl(props: {
  text: string;
  onText: (text: string) => void;
  problems: string[];
  plan: SweepStep[];
  sweep: SweepState | null;
  canRun: boolean;
  /** Seconds the last finished PPO run took, for an estimate of the whole sweep. */
  secondsPerRun: number | null;
  onRun: () => void;
  onStop: () => void;
}) {
  const id = useId();
  const running = props.sweep?.outcome === 'running';
  const n = props.plan.length;
  const total = props.secondsPerRun === null ? null : props.secondsPerRun * n;
  const estimate = total === null ? 'each about as long as one PPO run' : `about ${total < 90 ? `${Math.ceil(total)} s` : `${Math.round(total / 60)} min`} at the last PPO run’s pace`;
  return (
    <div className="sweep" data-testid="sweep" data-status={props.sweep?.outcome ?? 'not-run'}>
      <div className="row">
        <strong>Sample-efficiency sweep</strong>
        <label htmlFor={`${id}-fractions`}>RTO prompt shares</label>
        <input
          id={`${id}-fractions`}
          data-testid="sweep-fractions"
          size={18}
          value={props.text}
          disabled={running}
          aria-invalid={props.problems.length > 0}
          aria-describedby={`${id}-help`}
          onChange={(e) => props.onText(e.target.value)}
        />
        {running ? (
          <button type="button" data-testid="sweep-stop" onClick={props.onStop}>
            Stop sweep
          </button>
        ) : (
          <button type="button" data-testid="sweep-run" disabled={!props.canRun || props.problems.length > 0} onClick={props.onRun}>
            Run fraction sweep
          </button>
        )}
        {props.sweep && (
          <span role="status" data-testid="sweep-status">
            {sweepStatusText(props.sweep)}
          </span>
        )}
      </div>
      <p id={`${id}-help`} className={props.problems.length ? 'hint error' : 'hint'}>
        {props.problems.length
          ? props.problems.join('; ')
          : `${n} runs one after the other (${estimate}): ${props.plan.map((s, i) => `${i + 1}. ${describeStep(s)}`).join(' · ')}. They use the PPO/RTO settings above except the prompt fraction; Stop on a card or “Stop sweep” ends the sweep.`}
      </p>
    </div>
  );
}
