/**
 * The experiment runner's outputs from its results: a CSV row per run, and the markdown tables (final gold reward,
 * win rate against SFT, KL and response length, mean ± 95% CI over seeds, with SFT and DPO as reference rows; and
 * the matched-KL view: the best gold each run reached within a KL budget, with that point's length, since
 * per-episode comparisons flatter the method that drifts further from the reference). Length sits beside gold
 * everywhere: a gain that is only length is reward hacking. Results files made before the length was recorded
 * show "—" there.
 */
import { bestPointWithinKl } from '../lab/eval/matchedKl';
import { formatMeanCi, meanCi, quantile } from '../lab/eval/stats';

export { bestPointWithinKl };

export interface EvalPoint {
  iteration: number;
  episodes: number;
  gold: number;
  winRate: number;
  kl: number;
  /** Mean response length in tokens (<eos> included) and the standard errors over prompts; absent in older files. */
  length?: number;
  goldSe?: number;
  winRateSe?: number;
}

export interface RunRecord {
  seed: number;
  mode: string;
  fraction: number;
  prompts: number;
  iterations: number;
  episodes: number;
  seconds: number;
  final: EvalPoint;
  history: EvalPoint[];
}

export interface SeedRecord {
  seed: number;
  sft: { gold: number; length?: number };
  dpo: { gold: number; winRate: number; kl: number; length?: number };
  rm: { heldOutAccuracy: number };
  dpoAccuracy: number;
}

export interface ExperimentResults {
  task: string;
  preset: string;
  rewards: string;
  settings: Record<string, number>;
  seeds: SeedRecord[];
  runs: RunRecord[];
}

// New columns go at the end, so scripts reading the older ones by position keep working.
const CSV_HEADER = 'seed,mode,fraction,prompts,iterations,episodes,gold,win_rate,kl,seconds,length,gold_se,win_rate_se';
const opt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : String(x));

export function resultsCsv(r: ExperimentResults): string {
  const rows = r.runs.map((x) => [x.seed, x.mode, x.fraction, x.prompts, x.iterations, x.episodes, x.final.gold, x.final.winRate, x.final.kl, x.seconds.toFixed(1), opt(x.final.length), opt(x.final.goldSe), opt(x.final.winRateSe)].join(','));
  const refs = r.seeds.flatMap((s) => [`${s.seed},sft,,,,,${s.sft.gold},0.5,0,,${opt(s.sft.length)},,`, `${s.seed},dpo,,,,,${s.dpo.gold},${s.dpo.winRate},${s.dpo.kl},,${opt(s.dpo.length)},,`]);
  return [CSV_HEADER, ...rows, ...refs].join('\n') + '\n';
}

const fractionLabel = (f: number) => (f === 1 ? '1' : f === 0.5 ? '1/2' : f === 0.25 ? '1/4' : f === 0.125 ? '1/8' : String(f));

/** Row keys in the order modes and fractions were given (largest fraction first). */
function groups(r: ExperimentResults): { mode: string; fraction: number; runs: RunRecord[] }[] {
  const modes = [...new Set(r.runs.map((x) => x.mode))];
  const fractions = [...new Set(r.runs.map((x) => x.fraction))].sort((a, b) => b - a);
  const out: { mode: string; fraction: number; runs: RunRecord[] }[] = [];
  for (const mode of modes) for (const fraction of fractions) {
    const runs = r.runs.filter((x) => x.mode === mode && x.fraction === fraction);
    if (runs.length) out.push({ mode, fraction, runs });
  }
  return out;
}

export function klBudgets(r: ExperimentResults): number[] {
  const kls = r.runs.map((x) => x.final.kl);
  const round = (x: number) => Number(x.toPrecision(2));
  return [...new Set([0.25, 0.5, 1].map((q) => round(quantile(kls, q))).filter((x) => Number.isFinite(x) && x > 0))];
}

export function resultsMarkdown(r: ExperimentResults, budgets: number[] = klBudgets(r)): string {
  const n = r.seeds.length;
  const lines: string[] = [];
  lines.push(`Task ${r.task}, preset ${r.preset}, rewards ${r.rewards}; ${n} seed${n === 1 ? '' : 's'} (${r.seeds.map((s) => s.seed).join(', ')}); mean ± 95% CI over seeds (Student t).`);
  lines.push('');
  // Seeds differ more from each other than runs within a seed do (each seed has its own SFT model, pairs and, on
  // the oracle task, its own teacher), so each row is also compared with the baseline run of the same seed.
  const baseline = groups(r).find((g) => g.mode === 'ppo' && g.fraction === 1) ?? groups(r)[0];
  const paired = (runs: RunRecord[]) => {
    if (!baseline) return '—';
    const diffs = runs.map((x) => x.final.gold - (baseline.runs.find((b) => b.seed === x.seed)?.final.gold ?? NaN));
    return formatMeanCi(meanCi(diffs));
  };
  const base = baseline ? `${baseline.mode.toUpperCase()}${baseline.fraction === 1 ? '' : ` ${fractionLabel(baseline.fraction)}`}` : '';
  const len = (xs: (number | undefined)[]) => formatMeanCi(meanCi(xs.map((x) => x ?? NaN)), 1);
  lines.push(`| run | prompt fraction | episodes | gold reward | gold − ${base} (paired by seed) | win rate vs SFT | KL | length (tokens) |`);
  lines.push('|---|---|---|---|---|---|---|---|');
  const seedDiff = (pick: (s: SeedRecord) => number) => (baseline ? formatMeanCi(meanCi(r.seeds.map((s) => pick(s) - (baseline.runs.find((b) => b.seed === s.seed)?.final.gold ?? NaN)))) : '—');
  lines.push(`| SFT | – | – | ${formatMeanCi(meanCi(r.seeds.map((s) => s.sft.gold)))} | ${seedDiff((s) => s.sft.gold)} | 0.5 | 0 | ${len(r.seeds.map((s) => s.sft.length))} |`);
  lines.push(`| DPO | – | – | ${formatMeanCi(meanCi(r.seeds.map((s) => s.dpo.gold)))} | ${seedDiff((s) => s.dpo.gold)} | ${formatMeanCi(meanCi(r.seeds.map((s) => s.dpo.winRate)))} | ${formatMeanCi(meanCi(r.seeds.map((s) => s.dpo.kl)), 2)} | ${len(r.seeds.map((s) => s.dpo.length))} |`);
  for (const g of groups(r)) {
    const f = (pick: (x: RunRecord) => number, d = 3) => formatMeanCi(meanCi(g.runs.map(pick)), d);
    lines.push(`| ${g.mode.toUpperCase()} | ${fractionLabel(g.fraction)} | ${g.runs[0]?.episodes ?? '–'} | ${f((x) => x.final.gold)} | ${paired(g.runs)} | ${f((x) => x.final.winRate)} | ${f((x) => x.final.kl, 2)} | ${len(g.runs.map((x) => x.final.length))} |`);
  }
  if (budgets.length) {
    lines.push('');
    lines.push('Matched KL: the best gold reward each run reached at an evaluation whose KL to SFT was within the budget, and the mean response length (tokens) at those evaluations.');
    lines.push('');
    lines.push(`| run | prompt fraction | ${budgets.map((b) => `KL ≤ ${b}`).join(' | ')} |`);
    lines.push(`|---|---|${budgets.map(() => '---').join('|')}|`);
    for (const g of groups(r)) {
      const cells = budgets.map((b) => {
        const best = g.runs.map((x) => bestPointWithinKl(x.history, b));
        return `${formatMeanCi(meanCi(best.map((p) => p?.gold ?? NaN)))} (${len(best.map((p) => p?.length))} tok)`;
      });
      lines.push(`| ${g.mode.toUpperCase()} | ${fractionLabel(g.fraction)} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n') + '\n';
}
