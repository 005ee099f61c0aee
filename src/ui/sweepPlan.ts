/**
 * The sample-efficiency sweep in the page (the paper's Fig. 4c; the CLI's `npm run experiment -- --fractions`):
 * PPO on all the RL prompts as the reference, then RTO on each share of them, one after the other, each an ordinary
 * stage run. Pure: the fraction list's parsing and validation, the plan, and its progress lines (tested in Node).
 */
import { SETTINGS } from '../lab/config';
import { MAX_ARCHIVED_RUNS } from './labState';

export const DEFAULT_SWEEP_FRACTIONS: readonly number[] = [1, 0.5, 0.25, 0.125];

/**
 * Every run of a sweep must stay in the page. A sweep of k fractions pushes the PPO and RTO runs from before it and
 * its own first k − 1 RTO runs into the archive (its PPO run and last RTO run stay current): k + 1 ≤ the archive's size.
 */
export const MAX_SWEEP_FRACTIONS = MAX_ARCHIVED_RUNS - 1;

const FRACTION_SPEC = SETTINGS.find((s) => s.key === 'rlPromptFraction');
const MIN_FRACTION = FRACTION_SPEC?.min ?? 0.001;

/** 1 → "1", 0.25 → "1/4", 0.3 → "0.3". */
export function formatFraction(f: number): string {
  if (f === 1) return '1';
  const n = 1 / f;
  return Math.abs(n - Math.round(n)) < 1e-9 ? `1/${Math.round(n)}` : String(Number(f.toPrecision(3)));
}

export const fractionsText = (fractions: readonly number[]): string => fractions.map(formatFraction).join(', ');

function parseOne(token: string): number {
  const ratio = /^(\d*\.?\d+)\/(\d*\.?\d+)$/.exec(token);
  if (ratio) return Number(ratio[1]) / Number(ratio[2]);
  return token.trim() === '' ? NaN : Number(token);
}

/**
 * "1, 1/2, 0.25" → [1, 0.5, 0.25], largest first (the order the sweep runs them), or readable problems: each share
 * must be a number or a/b in [0.001, 1], none twice, and at most MAX_SWEEP_FRACTIONS of them.
 */
export function parseSweepFractions(raw: string): { fractions: number[]; problems: string[] } {
  const tokens = raw.split(/[\s,;]+/).filter(Boolean);
  const problems: string[] = [];
  const fractions: number[] = [];
  for (const token of tokens) {
    const f = parseOne(token);
    if (!Number.isFinite(f)) problems.push(`"${token}" is not a fraction (write 1/2 or 0.5)`);
    else if (f < MIN_FRACTION || f > 1) problems.push(`"${token}" must be between ${MIN_FRACTION} and 1`);
    else if (fractions.some((g) => Math.abs(g - f) < 1e-12)) problems.push(`${formatFraction(f)} is listed twice`);
    else fractions.push(f);
  }
  if (tokens.length === 0) problems.push('list at least one fraction, e.g. 1, 1/2, 1/4');
  if (fractions.length > MAX_SWEEP_FRACTIONS) problems.push(`at most ${MAX_SWEEP_FRACTIONS} fractions, so that every run of the sweep stays on the charts`);
  return { fractions: fractions.sort((a, b) => b - a), problems };
}

export interface SweepStep {
  stage: 'ppo' | 'rto';
  fraction: number;
}

/** PPO on all the prompts (the reference), then RTO at each fraction, largest first. */
export function sweepPlan(fractions: readonly number[]): SweepStep[] {
  return [{ stage: 'ppo', fraction: 1 }, ...[...fractions].sort((a, b) => b - a).map((fraction) => ({ stage: 'rto' as const, fraction }))];
}

export function describeStep(step: SweepStep): string {
  const method = step.stage.toUpperCase();
  return step.fraction === 1 ? `${method} on all the prompts${step.stage === 'ppo' ? ' (the reference)' : ''}` : `${method} at ${formatFraction(step.fraction)} of the prompts`;
}

/** A sweep the page has started: its plan, the ids of the runs started so far, and how it ended. */
export interface SweepState {
  plan: SweepStep[];
  runIds: string[];
  outcome: 'running' | 'done' | 'stopped';
  /** The runs the chart showed before this sweep (the previous sweep's), kept if this one is stopped before any run finishes. */
  before: string[] | null;
}

/** The runs the sample-efficiency chart plots: this sweep's, unless it was stopped before any of them finished. */
export function chartSweepIds(sweep: SweepState | null, finished: (runId: string) => boolean): string[] | null {
  if (!sweep) return null;
  return sweep.outcome === 'stopped' && !sweep.runIds.some(finished) ? sweep.before : sweep.runIds;
}

/** "sweep 2/5: RTO at 1/2 of the prompts" while it runs; what became of it afterwards. */
export function sweepStatusText(sweep: SweepState): string {
  const n = sweep.plan.length;
  const k = sweep.runIds.length;
  const step = sweep.plan[Math.max(0, k - 1)];
  if (sweep.outcome === 'done') return `sweep done: ${n} runs, one point each on the sample-efficiency chart`;
  if (k === 0 || !step) return sweep.outcome === 'running' ? `sweep 1/${n}: starting` : 'sweep stopped before its first run';
  if (sweep.outcome === 'running') return `sweep ${k}/${n}: ${describeStep(step)}`;
  return `sweep stopped at run ${k}/${n} (${describeStep(step)}); the finished runs stay on the charts`;
}
