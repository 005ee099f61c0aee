/**
 * The matched-KL reading shared by the CLI's experiment report and the page: a run's best evaluation within a KL
 * budget. Comparing runs at the same episode flatters the one that drifts further from the reference, so each run is
 * read at the best gold it reached at an evaluation whose KL to SFT was at most the budget. Pure (no Node, no DOM).
 */
import { bestWithinKl } from './stats';

/** What an evaluation needs for the reading: its KL to SFT and its gold reward. */
export interface KlGoldPoint {
  kl: number;
  gold: number;
}

/**
 * The evaluation with the best gold among those whose KL is within the budget (bestWithinKl's choice; the first of
 * equal golds), or null when none is. Callers pass finite golds: bestWithinKl does not skip a NaN one.
 */
export function bestPointWithinKl<P extends KlGoldPoint>(points: readonly P[], budget: number): P | null {
  const best = bestWithinKl(points.map((p) => ({ kl: p.kl, y: p.gold })), budget);
  return Number.isNaN(best) ? null : (points.find((p) => p.kl <= budget && p.gold === best) ?? null);
}
