import { expect, type Locator, type Page } from '@playwright/test';
import type { TokenRow } from '../src/lab/events';
import { channelValues, CHANNELS, PROB_LABELS, type ChannelKey } from '../src/ui/heatmapScale';
import type { Event, RlhfStage } from '../src/worker/protocol';

/**
 * What the lab worker told the page, recorded without a test hook in the app: before the page loads, the page's
 * `Worker` constructor is wrapped so that every message a worker posts is also copied (structured clone, as the
 * app receives it) into `window.__workerEvents`. The copy is taken by a listener added in the constructor, so it
 * runs before the app's own listener sees the event.
 */
export async function recordWorkerEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const NativeWorker = window.Worker;
    const events: unknown[] = [];
    Object.defineProperty(window, '__workerEvents', { value: events, configurable: false, writable: false });
    class RecordingWorker extends NativeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (e: MessageEvent) => events.push(structuredClone(e.data)));
      }
    }
    window.Worker = RecordingWorker;
  });
}

/** Every event recorded so far, oldest first (a copy: later events do not change it). */
export async function workerEvents(page: Page): Promise<Event[]> {
  return page.evaluate(() => {
    const events = (window as unknown as { __workerEvents?: unknown[] }).__workerEvents;
    if (!events) throw new Error('worker events are not recorded: call recordWorkerEvents(page) before page.goto');
    return events as Event[];
  });
}

export interface TokenSnapshot {
  runId: string;
  step: number;
  rows: TokenRow[];
}

/** The `tokens` events of the stage's latest run (the one its heatmap shows), oldest first. */
export function tokenSnapshots(events: Event[], stage: RlhfStage): TokenSnapshot[] {
  const started = events.filter((e) => e.type === 'runStarted' && e.job.kind === 'stage' && e.job.stage === stage);
  const last = started.at(-1);
  if (!last || last.type !== 'runStarted') throw new Error(`no ${stage} run was started in the worker`);
  const snapshots: TokenSnapshot[] = [];
  for (const e of events) {
    if (e.type === 'stage' && e.runId === last.runId && e.event.type === 'tokens') {
      snapshots.push({ runId: e.runId, step: e.event.step, rows: e.event.rows });
    }
  }
  return snapshots;
}

/** The snapshot shown at iteration `step`: the run's own at that step, else its latest one before it. */
export function snapshotShownAt(snapshots: TokenSnapshot[], step: number): TokenSnapshot | undefined {
  let best: TokenSnapshot | undefined;
  for (const s of snapshots) if (s.step <= step && (!best || s.step >= best.step)) best = s;
  return best;
}

/** The iteration the heatmap's slider shows ("iteration 2 (latest)" → 2). */
export async function shownIteration(page: Page): Promise<number> {
  const text = (await page.getByTestId('heat-step').textContent()) ?? '';
  const match = /iteration (\d+)/.exec(text);
  if (!match) throw new Error(`cannot read the heatmap's iteration from "${text}"`);
  return Number(match[1]);
}

interface RenderedToken {
  text: string;
  title: string;
  value: string;
}
interface RenderedRow {
  prompt: string;
  gold: string;
  sum: string;
  tokens: RenderedToken[];
}

/** The heatmap rows one run's section renders: prompt, gold, row sum, and each token's text, tooltip and value. */
export async function renderedHeatmap(section: Locator): Promise<RenderedRow[]> {
  return section.getByTestId('heat-row').evaluateAll((rows) =>
    rows.map((row) => ({
      prompt: row.querySelector('.heatmap-prompt')?.textContent ?? '',
      gold: row.querySelector('.heatmap-gold')?.textContent ?? '',
      sum: row.getAttribute('data-sum') ?? '',
      tokens: Array.from(row.querySelectorAll('[data-testid="heat-token"]'), (t) => ({
        text: t.textContent ?? '',
        title: t.getAttribute('data-tip') ?? '',
        value: t.getAttribute('data-value') ?? '',
      })),
    })),
  );
}

/** A tooltip's "label: number" lines as label → the number as printed. */
export function parseTooltip(title: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of title.split('\n')) {
    const at = line.lastIndexOf(': ');
    if (at < 0) throw new Error(`tooltip line without "label: value": "${line}"`);
    lines.set(line.slice(0, at), line.slice(at + 2));
  }
  return lines;
}

/**
 * Whether `printed` is `expected` to the precision printed (at least 3 decimals, so a coarser tooltip fails):
 * "−0.0123" matches −0.01234 but not −0.01236.
 */
function matchesPrinted(printed: string, expected: number): boolean {
  const decimals = /\.(\d+)$/.exec(printed)?.[1]?.length ?? 0;
  if (decimals < 3) return false;
  if (!Number.isFinite(expected)) return printed === String(expected);
  return Number(printed) === Number(expected.toFixed(decimals));
}

const LABEL_TO_KEY = new Map(CHANNELS.map((c) => [c.label, c.key] as const));

/**
 * Compares the heatmap a run's section renders with the worker's `tokens` event for it: the same rows (prompt,
 * gold), the same tokens in order, every channel the event has for a token in the tooltip (and no other), each
 * tooltip number equal to the event's value to the decimals printed, `data-value` equal to the shown channel's
 * value exactly, and the row sum the sum of the event's values. Returns how many tooltip numbers it compared.
 */
export async function expectHeatmapMatchesEvent(section: Locator, snapshot: TokenSnapshot, channel: ChannelKey, name: string): Promise<number> {
  const rendered = await renderedHeatmap(section);
  const problems: string[] = [];
  let compared = 0;
  if (rendered.length !== snapshot.rows.length) problems.push(`${name}: ${rendered.length} rows rendered, the event has ${snapshot.rows.length}`);
  snapshot.rows.forEach((row, r) => {
    const shown = rendered[r];
    if (!shown) return;
    const where = `${name} row ${r}`;
    if (shown.prompt !== row.prompt) problems.push(`${where}: prompt "${shown.prompt}", event "${row.prompt}"`);
    if (shown.gold !== `gold ${row.gold.toFixed(3)}`) problems.push(`${where}: "${shown.gold}", event gold ${row.gold}`);
    const values = channelValues(row, channel);
    if (values && Math.abs(Number(shown.sum) - values.reduce((a, b) => a + b, 0)) > 1e-9) problems.push(`${where}: row sum ${shown.sum}, event ${values.reduce((a, b) => a + b, 0)}`);
    const shownTokens = shown.tokens.map((t) => t.text);
    if (shownTokens.join('\u241f') !== row.tokens.join('\u241f')) problems.push(`${where}: tokens [${shownTokens.join(' ')}], event [${row.tokens.join(' ')}]`);
    row.tokens.forEach((token, i) => {
      const cell = shown.tokens[i];
      if (!cell) return;
      const at = `${where} token ${i} '${token}'`;
      if (values && Number(cell.value) !== values[i]) problems.push(`${at}: data-value ${cell.value}, event ${channel} ${values[i]}`);
      let tooltip: Map<string, string>;
      try {
        tooltip = parseTooltip(cell.title);
      } catch (error) {
        problems.push(`${at}: ${(error as Error).message}`);
        return;
      }
      for (const label of tooltip.keys()) if (!LABEL_TO_KEY.has(label) && !(PROB_LABELS as readonly string[]).includes(label)) problems.push(`${at}: the tooltip's "${label}" is no channel`);
      const probs = [row.channels.logpPolicy[i], row.channels.logpRef[i]];
      PROB_LABELS.forEach((label, k) => {
        const printed = tooltip.get(label);
        if (printed === undefined || !matchesPrinted(printed, Math.exp(probs[k]!))) problems.push(`${at}: tooltip ${label} ${printed}, event exp(${probs[k]})`);
      });
      for (const { key, label } of CHANNELS) {
        const expected = channelValues(row, key)?.[i];
        const printed = tooltip.get(label);
        if (expected === undefined) {
          if (printed !== undefined) problems.push(`${at}: tooltip shows ${label} ${printed}, the event has no ${key}`);
          continue;
        }
        if (printed === undefined) {
          problems.push(`${at}: tooltip lacks ${label} (event ${expected})`);
          continue;
        }
        compared += 1;
        if (!matchesPrinted(printed, expected)) problems.push(`${at}: tooltip ${label} ${printed}, event ${key} ${expected}`);
      }
    });
  });
  expect(problems, `${name} heatmap against the worker's tokens event at iteration ${snapshot.step}`).toEqual([]);
  expect(compared, `${name}: tooltip numbers compared`).toBeGreaterThan(0);
  return compared;
}

/**
 * Checks each named run's heatmap section against the worker's `tokens` event for the iteration the slider shows
 * (and the channel the selector shows). Returns the iteration compared.
 */
export async function expectHeatmapsMatchWorker(page: Page, stages: ('ppo' | 'rto')[]): Promise<number> {
  const events = await workerEvents(page);
  const step = await shownIteration(page);
  const channel = (await page.getByLabel('Heatmap channel').inputValue()) as ChannelKey;
  for (const stage of stages) {
    const snapshot = snapshotShownAt(tokenSnapshots(events, stage), step);
    if (!snapshot) throw new Error(`the worker posted no ${stage} tokens at or before iteration ${step}`);
    await expectHeatmapMatchesEvent(page.getByTestId(`heatmap-${stage}`), snapshot, channel, stage);
  }
  return step;
}
