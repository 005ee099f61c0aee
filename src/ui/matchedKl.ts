/**
 * The page's matched-KL reading of its RL runs: for each KL budget, each run's best gold reward at an evaluation whose
 * KL to SFT was within the budget (the experiment report's rule, src/lab/eval/matchedKl.ts, so the page and the CLI
 * agree), with that evaluation's standard error, KL, length and iteration, and a sentence per budget saying which
 * run is ahead there and by how much. Comparing runs at equal episodes flatters the one that drifts further from
 * SFT; at equal KL the comparison is fair. Length sits beside gold: a lead that is only length is reward hacking.
 * Pure, so the rule and its words are tested.
 */
import { bestPointWithinKl } from '../lab/eval/matchedKl';
import { LONGER_SHARE, LONGER_TOKENS } from './lengthHacking';

/** A run as the page holds it (RlCharts' RlRunSeries fits): evaluation iterations carry gold/* and eval/* metrics. */
export interface MatchedKlRunInput {
  label: string;
  visible?: boolean;
  points: readonly { episodes?: number; step?: number; values: Record<string, number> }[];
}

/** One evaluation of a run. */
export interface MatchedKlPoint {
  iteration: number;
  episodes: number;
  gold: number;
  /** Standard error of gold over the held-out prompts (NaN when the run did not report it). */
  goldSe: number;
  kl: number;
  /** Mean response length in tokens, <eos> included (NaN when not reported). */
  length: number;
}

export interface MatchedKlRow {
  budget: number;
  /** Per run, in the runs' order: its best evaluation within the budget, or null when none fits. */
  cells: (MatchedKlPoint | null)[];
  /** Index of the run with the best gold within the budget (null when no run reaches it). */
  leader: number | null;
  /** Whether the leader's gap to the next run is at least the larger of their standard errors. */
  clear: boolean;
  sentence: string;
}

export interface MatchedKlTable {
  runs: string[];
  rows: MatchedKlRow[];
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/**
 * A run's evaluations (points with a finite gold/reward and eval/kl), in order. The iteration is the point's step
 * where it has one; otherwise it is read from episodes, which grow by the same rollout size every iteration (the
 * smallest gap between consecutive points is one iteration's episodes; iteration 0 is at 0 episodes).
 */
export function evaluationPoints(run: MatchedKlRunInput): MatchedKlPoint[] {
  const episodesOf = (p: MatchedKlRunInput['points'][number]) => p.episodes ?? p.values.episodes ?? NaN;
  let perIteration = Infinity;
  for (let i = 1; i < run.points.length; i++) {
    const gap = episodesOf(run.points[i]!) - episodesOf(run.points[i - 1]!);
    if (gap > 0 && gap < perIteration) perIteration = gap;
  }
  return run.points.flatMap((p) => {
    const v = p.values;
    const gold = v['gold/reward'];
    const kl = v['eval/kl'];
    if (!finite(gold) || !finite(kl)) return [];
    const episodes = episodesOf(p);
    const iteration = finite(p.step) ? p.step : episodes === 0 ? 0 : Number.isFinite(perIteration) ? Math.round(episodes / perIteration) : NaN;
    return [{ iteration, episodes, gold, goldSe: v['gold/reward_se'] ?? NaN, kl, length: v['eval/length'] ?? NaN }];
  });
}

/** The ladder's rungs below `below`: 1-2-5 steps under 1 (0.000001, …, 0.1, 0.2, 0.5), doubling from 1 (1, 2, 4, 8, …). */
function ladder(below: number): number[] {
  const out: number[] = [];
  for (let e = -6; e < 0; e++) for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(1)));
  for (let b = 1; b < below; b *= 2) out.push(b);
  return out.filter((b) => b < below);
}

/** At most this many budgets by default. */
export const MAX_BUDGETS = 5;

/**
 * The default budgets, from the runs' KL range: the largest KL any visible run's evaluation reached, rounded up to two
 * significant digits (so every evaluation fits the last row, which reads each run's best gold overall), and below it
 * the largest rungs of the ladder 1-2-5 under 1 (…, 0.1, 0.2, 0.5) and doubling from 1 (1, 2, 4, 8, …), up to
 * MAX_BUDGETS in all, leaving out rungs below the smallest KL above 0 that any evaluation reached (within those every
 * run is still at SFT's own evaluation, KL 0, so the rows would all read SFT). With the lab's usual KLs of 1–8 that
 * is 0.5, 1, 2, 4 and the largest KL when some evaluation is below 0.5. None before any evaluation has KL above 0.
 */
export function defaultKlBudgets(runs: readonly MatchedKlRunInput[]): number[] {
  const kls = runs.filter((r) => r.visible !== false).flatMap((r) => evaluationPoints(r).map((p) => p.kl));
  const maxKl = kls.length ? Math.max(...kls) : NaN;
  if (!(maxKl > 0)) return [];
  const minMoved = Math.min(...kls.filter((k) => k > 0));
  const digits = 10 ** (Math.floor(Math.log10(maxKl)) - 1);
  let top = Number((Math.ceil(maxKl / digits - 1e-9) * digits).toPrecision(2));
  if (top < maxKl) top = Number((top + digits).toPrecision(2));
  return [...ladder(top).filter((b) => b >= minMoved).slice(-(MAX_BUDGETS - 1)), top];
}

/** Gold with three decimals, or two at ten and above (the oracle task's Σ log π* is around −30). */
const g = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(3));
const tokens = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} tokens` : 'length not reported');
/** Gold ± SE, as the table's cells show it. */
export const formatGold = (p: MatchedKlPoint): string => (Number.isFinite(p.goldSe) ? `${g(p.gold)} ± ${g(p.goldSe)}` : g(p.gold));
/** KL with two decimals, or two significant digits under 1 (as the budgets are written, so 0.0265 is not "0.03 ≤ 0.027"). */
export const formatKl = (kl: number): string => (Math.abs(kl) >= 1 || kl === 0 ? kl.toFixed(2) : String(Number(kl.toPrecision(2))));
const where = (p: MatchedKlPoint) => `${formatGold(p)} (${tokens(p.length)}, KL ${formatKl(p.kl)}, iteration ${Number.isFinite(p.iteration) ? p.iteration : '?'})`;

/** Whether `a`'s responses are "much longer" than `b`'s by lengthHacking's measure (≥ max(2 tokens, 25%)). */
const muchLonger = (a: MatchedKlPoint, b: MatchedKlPoint) =>
  Number.isFinite(a.length) && Number.isFinite(b.length) && a.length - b.length >= Math.max(LONGER_TOKENS, LONGER_SHARE * b.length);

/** The sentence for one budget, from the runs' labels and their best evaluations within it. */
export function matchedKlSentence(budget: number, labels: readonly string[], cells: readonly (MatchedKlPoint | null)[]): { sentence: string; leader: number | null; clear: boolean } {
  const reached = cells.flatMap((c, i) => (c ? [{ i, p: c }] : [])).sort((a, b) => b.p.gold - a.p.gold || a.i - b.i);
  const at = `At KL ≤ ${budget}`;
  const [first, second] = reached;
  if (!first) return { sentence: `No run reaches KL ≤ ${budget}.`, leader: null, clear: false };
  const a = labels[first.i] ?? `run ${first.i + 1}`;
  if (!second) {
    const others = labels.filter((_, i) => i !== first.i);
    const sentence = others.length
      ? `${at} only ${a} has an evaluation: best gold ${where(first.p)}; ${others.join(', ')} never stayed within it.`
      : `${at}, ${a}'s best gold is ${where(first.p)}.`;
    return { sentence, leader: first.i, clear: others.length > 0 };
  }
  const b = labels[second.i] ?? `run ${second.i + 1}`;
  const gap = first.p.gold - second.p.gold;
  const ses = [first.p.goldSe, second.p.goldSe].filter(Number.isFinite);
  const se = ses.length ? Math.max(...ses) : NaN;
  const rest = reached.length > 2 ? ` (${reached.length - 2} more run${reached.length === 3 ? '' : 's'} behind)` : '';
  if (gap === 0 || gap < se) {
    return {
      sentence: `${at}, ${a} and ${b} are within one standard error: best gold ${where(first.p)} against ${where(second.p)}, a gap of ${g(gap)}${rest}.`,
      leader: first.i,
      clear: false,
    };
  }
  const judged = Number.isFinite(se) ? '' : ' (no standard error to judge the gap by)';
  let sentence = `${at}, ${a} is ahead of ${b} by ${g(gap)} gold${judged}: ${where(first.p)} against ${where(second.p)}${rest}.`;
  if (muchLonger(first.p, second.p)) {
    sentence += ` ${a}'s responses are ${(first.p.length - second.p.length).toFixed(1)} tokens longer, so part of this lead may be length rather than better text: a gain that is only length is reward hacking.`;
  }
  return { sentence, leader: first.i, clear: true };
}

/** The matched-KL table of the visible runs for the given budgets (default: defaultKlBudgets). */
export function matchedKlTable(runs: readonly MatchedKlRunInput[], budgets: readonly number[] = defaultKlBudgets(runs)): MatchedKlTable {
  const shown = runs.filter((r) => r.visible !== false);
  const labels = shown.map((r) => r.label);
  const points = shown.map(evaluationPoints);
  const rows = budgets.map((budget) => {
    const cells = points.map((ps) => bestPointWithinKl(ps, budget));
    return { budget, cells, ...matchedKlSentence(budget, labels, cells) };
  });
  return { runs: labels, rows };
}
