/**
 * `npm run lab -- rollouts FILE... [--pad TOKEN]`: reads rollout logs in the RL Logging Board convention
 * (docs/internals.md, "Real runs' logs"), each file streamed with createReadStream, merges them by step and prints
 * one line per step (per method, when the lines name one: a lab download holds several runs), then per file its fields, the views it supports, its bad lines and the tokens aligned or
 * stripped. Exit code 0 unless no file could be read.
 */
import { createReadStream } from 'node:fs';
import { ROLLOUT_VIEWS, RolloutFileReader, StepAggregator, viewNeedsText, type RolloutFileSummary, type StepRow } from '../../lab/rollouts';

export interface RolloutsOptions {
  files: readonly string[];
  padToken?: string;
}

/** Streams one file into `reader`, handing each record to `onRecords`. */
export async function streamRolloutFile(path: string, reader: RolloutFileReader, onRecords: (records: ReturnType<RolloutFileReader['push']>) => void): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) onRecords(reader.push(chunk as string));
  onRecords(reader.end());
}

const num = (x: number | null, digits = 4): string => (x === null ? '—' : x.toFixed(digits));

function stepLines(rows: readonly StepRow[]): string[] {
  const hasRef = rows.some((r) => r.refRewardCount > 0);
  const hasKl = rows.some((r) => r.klCount > 0);
  const head = ['step'.padStart(8), 'responses'.padStart(10), 'mean reward ± std'.padStart(22)];
  if (hasRef) head.push('mean ref_reward'.padStart(16));
  if (hasKl) head.push('mean KL'.padStart(10));
  const out = [head.join('  ')];
  for (const r of rows) {
    const cells = [String(r.step).padStart(8), String(r.responses).padStart(10), (r.meanReward === null ? '—' : `${num(r.meanReward)} ± ${num(r.stdReward)}`).padStart(22)];
    if (hasRef) cells.push(num(r.meanRefReward).padStart(16));
    if (hasKl) cells.push(num(r.meanKl).padStart(10));
    out.push(cells.join('  '));
  }
  return out;
}

function fileLines(path: string, s: RolloutFileSummary, padToken: string | undefined): string[] {
  const out = [`${path}: ${s.records} records from ${s.lines} lines (${s.blankLines} blank, ${s.badLineCount} bad)`];
  out.push(`  fields: ${s.fields.length ? s.fields.map((f) => `${f} ${s.fieldCounts[f]}`).join(', ') : 'none'}`);
  if (s.unknownKeys.length) out.push(`  other keys (ignored): ${s.unknownKeys.join(', ')}`);
  out.push(`  views: ${s.views.length ? s.views.join(', ') : 'none'}`);
  const missing = ROLLOUT_VIEWS.filter((v) => !s.views.includes(v.id));
  if (missing.length) out.push(`  not supported: ${missing.map((v) => `${v.id} (needs ${viewNeedsText(v)})`).join('; ')}`);
  out.push(`  tokens: ${s.alignedRecords} records aligned to their shortest array, ${s.droppedTokens} tokens dropped` + (padToken === undefined ? '; no pad token given (--pad)' : `; ${s.strippedPadTokens} trailing pad tokens "${padToken}" stripped`));
  if (s.badLineCount) {
    out.push(`  bad lines (${s.badLineCount}${s.badLineCount > s.badLines.length ? `, the first ${s.badLines.length} listed` : ''}):`);
    for (const b of s.badLines) out.push(`    line ${b.line}: ${b.reason}`);
  }
  return out;
}

export async function rolloutsCommand(o: RolloutsOptions): Promise<number> {
  if (o.files.length === 0) {
    process.stderr.write('rollouts: name at least one .jsonl file\n');
    return 2;
  }
  // One aggregator per method named on the lines (a lab download holds its PPO and RTO runs), so two runs' steps never mix.
  const byMethod = new Map<string | null, StepAggregator>();
  const add = (records: ReturnType<RolloutFileReader['push']>) => {
    for (const r of records) {
      const key = r.method ?? null;
      let agg = byMethod.get(key);
      if (!agg) {
        agg = new StepAggregator(0);
        byMethod.set(key, agg);
      }
      agg.add(r);
    }
  };
  const summaries: { path: string; summary: RolloutFileSummary }[] = [];
  const failures: string[] = [];
  const started = performance.now();
  for (const path of o.files) {
    const reader = new RolloutFileReader(o.padToken ? { padToken: o.padToken } : {});
    try {
      await streamRolloutFile(path, reader, add);
      summaries.push({ path, summary: reader.summary() });
    } catch (error) {
      failures.push(`${path}: could not be read (${error instanceof Error ? error.message : String(error)})`);
      // Records of a file that failed midway are already merged; say how far it got.
      if (reader.summary().lines > 0) summaries.push({ path: `${path} (read stopped)`, summary: reader.summary() });
    }
  }
  const series = [...byMethod.entries()].map(([method, agg]) => ({ method, rows: agg.rows(), withoutStep: agg.withoutStep }));
  const steps = new Set(series.flatMap((s) => s.rows.map((r) => r.step))).size;
  const records = summaries.reduce((n, s) => n + s.summary.records, 0);
  console.log(`rollouts: ${summaries.length} of ${o.files.length} files read, ${records} records, ${steps} steps in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  for (const s of series) {
    if (series.length > 1 || s.method !== null) console.log(`method ${s.method ?? '(none named)'}:`);
    if (s.rows.length) for (const l of stepLines(s.rows)) console.log(l);
    if (s.withoutStep) console.log(`${s.withoutStep} records have no step and are left out of the per-step lines`);
  }
  for (const s of summaries) for (const l of fileLines(s.path, s.summary, o.padToken)) console.log(l);
  for (const f of failures) console.error(f);
  return summaries.length === 0 ? 1 : 0;
}
