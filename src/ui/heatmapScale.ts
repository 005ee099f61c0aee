/**
 * The token heatmap's pure helpers: which per-token channels exist, one colour scale shared by every run, and
 * the tooltip text. No React here, so the scale can be checked in Node. The rows are the lab's own (events.ts
 * TokenRow) or a rollout log's (lab/rollouts runView.ts), which may hold any subset of the channels.
 */

/** The channels a row may store. */
export type StoredChannelKey = 'dpo' | 'kl' | 'score' | 'total' | 'value' | 'advantage' | 'trueReward' | 'logpPolicy' | 'logpRef' | 'logpDpo';
/** Channels computed from stored ones: log π − log π_ref, and π − π_ref (the probabilities). */
export type DerivedChannelKey = 'logRatio' | 'probGap';
export type ChannelKey = StoredChannelKey | DerivedChannelKey;

/** A heatmap row: the lab's TokenRow is one; a log's row may lack any channel and the gold reward. */
export interface HeatRow {
  prompt: string;
  /** The response's tokens as text. */
  tokens: string[];
  gold?: number;
  channels: Partial<Record<StoredChannelKey, number[]>>;
}

/** Every channel in selector order (log-probabilities last); `short` names the channel inside a sentence. */
export const CHANNELS: { key: ChannelKey; label: string; short: string; help: string }[] = [
  { key: 'dpo', label: 'DPO token reward β1·log(π_dpo/π_ref), clipped', short: 'DPO reward', help: "RTO's dense reward: how much more the DPO model likes each token than the reference does." },
  { key: 'kl', label: 'KL term −β2·log(π/π_ref)', short: 'KL term', help: 'The per-token penalty for drifting away from the SFT (reference) model.' },
  { key: 'score', label: 'RM score (on <eos>)', short: 'RM score', help: "The reward model's score of the whole response, paid on the <eos> token only." },
  { key: 'total', label: 'Total reward', short: 'total reward', help: 'The sum of the three reward terms: what PPO actually optimises for each token.' },
  { key: 'value', label: 'Value V(s)', short: 'value', help: "The critic's estimate of the return from the state before each token." },
  { key: 'advantage', label: 'Advantage (before whitening)', short: 'advantage', help: 'GAE advantage of each token: the return beyond what the critic expected.' },
  { key: 'trueReward', label: 'True token reward r* (oracle)', short: 'true reward', help: "The oracle task's true per-token reward, for checking what the DPO reward recovered." },
  { key: 'logpPolicy', label: 'log π', short: 'log π', help: 'Log-probability of each token under the policy being trained.' },
  { key: 'logpRef', label: 'log π_ref', short: 'log π_ref', help: 'Log-probability of each token under the frozen reference (SFT) model.' },
  { key: 'logpDpo', label: 'log π_dpo', short: 'log π_dpo', help: 'Log-probability of each token under the DPO model.' },
  { key: 'logRatio', label: 'Log-ratio log π − log π_ref', short: 'log-ratio', help: 'How much more likely the policy makes each token than the reference does; its sum over a response is the KL estimate.' },
  { key: 'probGap', label: 'Probability π − π_ref', short: 'probability gap', help: "The token's probability under the policy minus under the reference (both on the tooltip)." },
];

/** The values of a derived channel, or undefined without what it is computed from. */
function derivedValues(row: HeatRow, key: DerivedChannelKey): number[] | undefined {
  const { logpPolicy: p, logpRef: q } = row.channels;
  if (!p || !q) return undefined;
  const n = Math.min(p.length, q.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = key === 'logRatio' ? p[i]! - q[i]! : Math.exp(p[i]!) - Math.exp(q[i]!);
  return out;
}

const isDerived = (key: ChannelKey): key is DerivedChannelKey => key === 'logRatio' || key === 'probGap';

/**
 * The default view: the DPO term colours each token and the RM score is a chip at the row's end, each on a scale of
 * its own (one score of ±2 would otherwise wash out per-token terms of ±0.2), plus a bar of where the return comes from.
 */
export const TERMS_VIEW = {
  key: 'terms',
  label: 'Reward terms: DPO per token, RM score at the end (own scales)',
  short: 'DPO reward',
  help: 'PPO has no DPO term: its tokens stay white and all of its reward arrives at the end, in the RM chip. RTO is also paid on every token, by the DPO model. Tokens and chips have scales of their own; the bar splits each return into DPO, KL and RM score by size (the numbers on hover).',
} as const;
export type ViewKey = typeof TERMS_VIEW.key | ChannelKey;

/** A response's return split into the three reward terms (sums over its tokens) and each term's share of |return|. */
export interface ReturnParts {
  dpo: number;
  kl: number;
  score: number;
  total: number;
  /** |term| / (|dpo| + |kl| + |score|); all 0 when every term is 0. */
  shares: { dpo: number; kl: number; score: number };
}

export function returnParts(row: HeatRow): ReturnParts {
  const dpo = rowSum(row.channels.dpo ?? []);
  const kl = rowSum(row.channels.kl ?? []);
  const score = rowSum(row.channels.score ?? []);
  const size = Math.abs(dpo) + Math.abs(kl) + Math.abs(score);
  const share = (x: number) => (size > 0 ? Math.abs(x) / size : 0);
  return { dpo, kl, score, total: rowSum(row.channels.total ?? []), shares: { dpo: share(dpo), kl: share(kl), score: share(score) } };
}

/** Whether the terms view can be drawn: some row holds the DPO, KL and score channels (the lab's rows all do). */
export function hasRewardTerms(rows: readonly HeatRow[]): boolean {
  return rows.some((r) => r.channels.dpo !== undefined && r.channels.kl !== undefined && r.channels.score !== undefined);
}

/** One iteration's heatmap rows of one run. */
export interface HeatmapSnapshot {
  step: number;
  rows: HeatRow[];
}

/** The row's values of one channel, or undefined when the row lacks that channel (or what it is computed from). */
export function channelValues(row: HeatRow, key: ChannelKey): number[] | undefined {
  return isDerived(key) ? derivedValues(row, key) : row.channels[key];
}

/** The largest |value| of the channel over every token of every row given; 1 when there is none (or it is 0). */
export function scaleMax(rows: HeatRow[], key: ChannelKey): number {
  let max = 0;
  for (const row of rows) {
    for (const v of channelValues(row, key) ?? []) {
      if (Number.isFinite(v) && Math.abs(v) > max) max = Math.abs(v);
    }
  }
  return max > 0 ? max : 1;
}

type Rgb = readonly [number, number, number];
/** PuOr's ends (ColorBrewer, colour-blind safe): blue for negative, orange for positive, white in the middle. */
export const NEGATIVE_RGB: Rgb = [0x21, 0x66, 0xac];
export const POSITIVE_RGB: Rgb = [0xb3, 0x58, 0x06];
const WHITE: Rgb = [255, 255, 255];

function mix(value: number, max: number): Rgb {
  if (Number.isNaN(value)) return WHITE;
  const scale = Number.isFinite(max) && max > 0 ? max : 1;
  const t = Math.min(1, Math.abs(value) / scale);
  const end = value < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
  const channel = (i: 0 | 1 | 2) => Math.round(WHITE[i] + (end[i] - WHITE[i]) * t);
  return [channel(0), channel(1), channel(2)];
}

/** White at 0, blue at −max, orange at +max, linear in RGB in between; values beyond ±max clamp to the ends. */
export function divergingColor(value: number, max: number): string {
  const [r, g, b] = mix(value, max);
  return `rgb(${r}, ${g}, ${b})`;
}

const linear = (c: number) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};

/** The text colour with the better WCAG contrast on `divergingColor(value, max)`: white on dark cells. */
export function textColorOn(value: number, max: number): string {
  const [r, g, b] = mix(value, max);
  const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  // Contrast with white (1.05 / (L + 0.05)) beats contrast with #111 (≈ (L + 0.05) / 0.0556) below L ≈ 0.19.
  return luminance < 0.19 ? '#fff' : '#111';
}

export function rowSum(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0);
}

/** The channels worth offering: one that some row has (or can compute); the oracle's whenever the task has one. */
export function availableChannels(rows: readonly HeatRow[], hasTrueReward: boolean): typeof CHANNELS {
  return CHANNELS.filter((c) => (c.key === 'trueReward' ? hasTrueReward : rows.some((row) => channelValues(row, c.key) !== undefined)));
}

/** Every step that some run has a snapshot at, ascending and without repeats. */
export function unionSteps(snapshotLists: HeatmapSnapshot[][]): number[] {
  return [...new Set(snapshotLists.flatMap((list) => list.map((s) => s.step)))].sort((a, b) => a - b);
}

/** The run's snapshot at `step`, else its latest one before it (runs may log at different iterations). */
export function snapshotAt(snapshots: HeatmapSnapshot[], step: number): HeatmapSnapshot | undefined {
  let best: HeatmapSnapshot | undefined;
  for (const s of snapshots) if (s.step <= step && (!best || s.step >= best.step)) best = s;
  return best;
}

/** "label: value" (4 decimals) for every channel the row has at token `index`, one per line. */
export function tokenDetails(row: HeatRow, index: number): string {
  const lines = CHANNELS.flatMap((c) => {
    const v = channelValues(row, c.key)?.[index];
    return v === undefined ? [] : [`${c.label}: ${v.toFixed(4)}`];
  });
  const p = row.channels.logpPolicy?.[index];
  const q = row.channels.logpRef?.[index];
  if (p !== undefined && q !== undefined) lines.push(`${PROB_LABELS[0]}: ${Math.exp(p).toFixed(4)}`, `${PROB_LABELS[1]}: ${Math.exp(q).toFixed(4)}`);
  return lines.join('\n');
}

/** The tooltip's lines that are no channel: the token's probability under the policy and under the reference. */
export const PROB_LABELS = ['Probability π', 'Probability π_ref'] as const;
