/**
 * What the page's rollout viewer shows of one run read from one or several RL Logging Board files: per file its
 * summary (fields, views, bad lines), per step the StepAggregator's row, and bounded samples for the views — the
 * step's rewards and (reward − ref_reward) for the distributions, table rows for the response table, and per-token
 * rows for the heatmap. Everything is capped (per step and in all) so that a log of hundreds of MB stays small;
 * the view says when a sample is not the whole step. Plain data (no classes), so a worker can post it.
 */
import { ROLLOUT_VIEWS, type RolloutRecord, type RolloutViewId } from './fields';
import { RolloutFileReader, type RolloutFileSummary, type RolloutReaderOptions } from './fileReader';
import { sequenceLogRatio, StepAggregator, type StepRow } from './stepAggregator';

/** Per-token channels a log can hold, named as the lab's heatmap names them (src/lab/events.ts TokenChannels). */
export interface RolloutTokenChannels {
  /** token_rewards */
  total?: number[];
  /** logprobs, ref_logprobs, dpo_logprobs */
  logpPolicy?: number[];
  logpRef?: number[];
  logpDpo?: number[];
  /** values */
  value?: number[];
  /** RTO's dpo_rewards and kl_rewards */
  dpo?: number[];
  kl?: number[];
  /** score_reward, paid on the last token (zeros before it), as the lab's score channel is. */
  score?: number[];
}

export interface RolloutTokenRow {
  prompt: string;
  tokens: string[];
  gold?: number;
  channels: RolloutTokenChannels;
  /** The record's file and line, to find it again. */
  file: number;
  line: number;
}

export interface RolloutTableRow {
  prompt: string;
  response: string;
  /** response_tokens when logged (their count is the length). */
  tokens: string[] | null;
  reward: number | null;
  refReward: number | null;
  refResponse: string | null;
  /** Σ (logprobs − ref_logprobs). */
  kl: number | null;
  gold: number | null;
  file: number;
  line: number;
}

export interface StepSamples {
  step: number;
  /** Rewards of the step's first maxValuesPerStep responses that logged one. */
  rewards: number[];
  /** reward − ref_reward of the responses that logged both. */
  minusRef: number[];
  table: RolloutTableRow[];
  heatmap: RolloutTokenRow[];
}

export interface RolloutFileView {
  name: string;
  bytes: number;
  summary: RolloutFileSummary;
  /** Set when the read of this file stopped early (cancelled or failed), with why. */
  stopped?: string;
}

export type RolloutStepRow = Omit<StepRow, 'sample'>;

/**
 * One run's records merged by step. A log that names its method on each line (the lab's do: one file may hold its
 * PPO and RTO runs) has one series per method, so two runs' steps are never mixed; other logs have one series.
 */
export interface RolloutSeries {
  /** The records' method, or null for records that name none. */
  method: string | null;
  records: number;
  steps: RolloutStepRow[];
  samples: StepSamples[];
  /** Records with no step: counted, not merged. */
  withoutStep: number;
}

export interface RolloutRunView {
  files: RolloutFileView[];
  series: RolloutSeries[];
  records: number;
  /** The views some record of some file supports, in ROLLOUT_VIEWS order. */
  views: RolloutViewId[];
  limits: RolloutViewLimits;
}

export interface RolloutViewLimits {
  maxValuesPerStep: number;
  maxTableRowsPerStep: number;
  maxHeatmapRowsPerStep: number;
  maxTextChars: number;
}

export const DEFAULT_VIEW_LIMITS: RolloutViewLimits = { maxValuesPerStep: 4096, maxTableRowsPerStep: 256, maxHeatmapRowsPerStep: 8, maxTextChars: 4000 };
/** In all, over every step: values kept for the distributions, table rows, heatmap rows. */
const MAX_VALUES = 2_000_000;
const MAX_TABLE_ROWS = 50_000;
const MAX_HEATMAP_ROWS = 4096;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The heatmap row of a record with response_tokens and at least one per-token array; null otherwise. */
export function rolloutTokenRow(r: RolloutRecord, file: number, maxTextChars = DEFAULT_VIEW_LIMITS.maxTextChars): RolloutTokenRow | null {
  const tokens = r.response_tokens;
  if (!tokens) return null;
  const channels: RolloutTokenChannels = {};
  if (r.token_rewards) channels.total = r.token_rewards;
  if (r.logprobs) channels.logpPolicy = r.logprobs;
  if (r.ref_logprobs) channels.logpRef = r.ref_logprobs;
  if (r.dpo_logprobs) channels.logpDpo = r.dpo_logprobs;
  if (r.values) channels.value = r.values;
  if (r.dpo_rewards) channels.dpo = r.dpo_rewards;
  if (r.kl_rewards) channels.kl = r.kl_rewards;
  if (Object.keys(channels).length === 0) return null;
  if (r.score_reward !== undefined && tokens.length > 0) {
    const score = new Array<number>(tokens.length).fill(0);
    score[tokens.length - 1] = r.score_reward;
    channels.score = score;
  }
  return { prompt: clip(r.prompt ?? '', maxTextChars), tokens, ...(r.gold !== undefined ? { gold: r.gold } : {}), channels, file, line: r.line };
}

function tableRow(r: RolloutRecord, file: number, maxTextChars: number): RolloutTableRow {
  return {
    prompt: clip(r.prompt ?? '', maxTextChars),
    response: clip(r.response ?? (r.response_tokens ? r.response_tokens.join('') : ''), maxTextChars),
    tokens: r.response_tokens ?? null,
    reward: r.reward ?? null,
    refReward: r.ref_reward ?? null,
    refResponse: r.ref_response === undefined ? null : clip(r.ref_response, maxTextChars),
    kl: sequenceLogRatio(r),
    gold: r.gold ?? null,
    file,
    line: r.line,
  };
}

/** One file being read into a RolloutRunCollector: push its text chunks, then end(). */
export interface RolloutFileFeed {
  push(chunk: string): void;
  end(): void;
  /** Marks the file as read only in part (cancelled, failed). */
  stop(why: string): void;
}

interface SeriesAccumulator {
  aggregator: StepAggregator;
  samples: Map<number, StepSamples>;
  records: number;
}

/** At most this many series (methods); records naming a further method join the series of records naming none. */
const MAX_SERIES = 16;

export class RolloutRunCollector {
  private readonly series = new Map<string | null, SeriesAccumulator>();
  private readonly files: { name: string; bytes: number; reader: RolloutFileReader; stopped?: string }[] = [];
  /** Valid records read so far, all files. */
  records = 0;
  private values = 0;
  private tableRows = 0;
  private heatmapRows = 0;

  constructor(
    private readonly readerOptions: RolloutReaderOptions = {},
    private readonly limits: RolloutViewLimits = DEFAULT_VIEW_LIMITS,
  ) {}

  /** Starts a file of `bytes` bytes (for the progress and the summary). */
  addFile(name: string, bytes: number): RolloutFileFeed {
    const entry: { name: string; bytes: number; reader: RolloutFileReader; stopped?: string } = { name, bytes, reader: new RolloutFileReader(this.readerOptions) };
    const index = this.files.length;
    this.files.push(entry);
    const take = (records: RolloutRecord[]) => {
      for (const r of records) this.add(r, index);
    };
    return {
      push: (chunk) => take(entry.reader.push(chunk)),
      end: () => take(entry.reader.end()),
      stop: (why) => {
        entry.stopped = why;
      },
    };
  }

  private seriesOf(method: string | undefined): SeriesAccumulator {
    let key: string | null = method ?? null;
    if (!this.series.has(key) && this.series.size >= MAX_SERIES) key = null;
    let acc = this.series.get(key);
    if (!acc) {
      acc = { aggregator: new StepAggregator(0, 0), samples: new Map(), records: 0 };
      this.series.set(key, acc);
    }
    return acc;
  }

  private add(r: RolloutRecord, file: number): void {
    this.records++;
    const series = this.seriesOf(r.method);
    series.records++;
    series.aggregator.add(r);
    if (r.step === undefined) return;
    let s = series.samples.get(r.step);
    if (!s) {
      s = { step: r.step, rewards: [], minusRef: [], table: [], heatmap: [] };
      series.samples.set(r.step, s);
    }
    const L = this.limits;
    if (r.reward !== undefined && s.rewards.length < L.maxValuesPerStep && this.values < MAX_VALUES) {
      s.rewards.push(r.reward);
      this.values++;
      if (r.ref_reward !== undefined) {
        s.minusRef.push(r.reward - r.ref_reward);
        this.values++;
      }
    }
    if (s.table.length < L.maxTableRowsPerStep && this.tableRows < MAX_TABLE_ROWS && (r.response !== undefined || r.response_tokens !== undefined)) {
      s.table.push(tableRow(r, file, L.maxTextChars));
      this.tableRows++;
    }
    if (s.heatmap.length < L.maxHeatmapRowsPerStep && this.heatmapRows < MAX_HEATMAP_ROWS) {
      const row = rolloutTokenRow(r, file, L.maxTextChars);
      if (row) {
        s.heatmap.push(row);
        this.heatmapRows++;
      }
    }
  }

  /** The view of everything read so far. */
  view(): RolloutRunView {
    const files = this.files.map((f) => ({ name: f.name, bytes: f.bytes, summary: f.reader.summary(), ...(f.stopped ? { stopped: f.stopped } : {}) }));
    const supported = new Set(files.flatMap((f) => f.summary.views));
    return {
      files,
      series: [...this.series.entries()].map(([method, a]) => ({
        method,
        records: a.records,
        steps: a.aggregator.rows().map(({ sample: _sample, ...row }) => row),
        samples: [...a.samples.values()].sort((x, y) => x.step - y.step),
        withoutStep: a.aggregator.withoutStep,
      })),
      records: this.records,
      views: ROLLOUT_VIEWS.filter((v) => supported.has(v.id)).map((v) => v.id),
      limits: this.limits,
    };
  }
}

/** Reads whole texts (tests, small files) as one run. */
export function rolloutRunViewOf(files: readonly { name: string; text: string }[], options: RolloutReaderOptions = {}, limits: RolloutViewLimits = DEFAULT_VIEW_LIMITS): RolloutRunView {
  const collector = new RolloutRunCollector(options, limits);
  for (const f of files) {
    const feed = collector.addFile(f.name, new TextEncoder().encode(f.text).length);
    feed.push(f.text);
    feed.end();
  }
  return collector.view();
}
