/**
 * Benchmark (prints figures; not a test): the rollout-log reader on a large generated file. Writes a JSONL file of
 * realistic records (256-token responses with logprobs, ref_logprobs, values and token_rewards, 64 responses per
 * step) of at least the given size to a temp dir, streams it through RolloutFileReader and StepAggregator as the
 * CLI does, and prints records/s, MB/s and the peak RSS (sampled, and the process's maxRSS). With --page it then
 * opens the same file in the page's rollout viewer (the production build in dist/, `npm run build` first, served by
 * vite preview in headless Chromium) and prints how long the read took, how many progress updates the bar showed
 * and the records the page reports. Deletes the file.
 * Usage: npm run bench:rollouts -- [megabytes, default 200] [--page]
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/lab/rng';
import { RolloutFileReader, StepAggregator } from '../src/lab/rollouts';
import { streamRolloutFile } from '../src/cli/commands/rollouts';

const args = process.argv.slice(2);
const inPage = args.includes('--page');
const targetMb = Number(args.find((a) => !a.startsWith('--')) ?? 200);
const TOKENS = 256;
const PER_STEP = 64;
const WORDS = ['the', ' movie', ' was', ' great', ' and', ' I', ' loved', ' it', '.', ' 好', ' 🙂', ' plot', ' acting', ' really'];

function record(rng: ReturnType<typeof createRng>, step: number): string {
  const tokens = Array.from({ length: TOKENS }, () => WORDS[rng.int(WORDS.length)]!);
  const logprobs = tokens.map(() => -rng.next() * 3);
  const refLogprobs = logprobs.map((l) => l + rng.normal() * 0.1);
  const values = tokens.map(() => rng.normal());
  const reward = rng.normal();
  const tokenRewards = logprobs.map((l, i) => -0.05 * (l - refLogprobs[i]!) + (i === TOKENS - 1 ? reward : 0));
  return JSON.stringify({
    prompt: `Review ${step}: ${WORDS.slice(0, 8).join('')}`.repeat(4),
    response: tokens.join(''),
    response_tokens: tokens,
    logprobs,
    ref_logprobs: refLogprobs,
    values,
    token_rewards: tokenRewards,
    reward,
    step,
    ref_response: tokens.slice(0, 64).join(''),
    ref_reward: rng.normal(),
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-rollouts-'));
const path = join(dir, 'rollouts.jsonl');
try {
  const rng = createRng(1);
  const out = createWriteStream(path);
  let bytes = 0;
  let n = 0;
  const genStart = performance.now();
  while (bytes < targetMb * 1e6) {
    const text = `${record(rng, Math.floor(n / PER_STEP))}\n`;
    bytes += Buffer.byteLength(text);
    n++;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const size = statSync(path).size;
  console.log(`generated ${n} records, ${(size / 1e6).toFixed(1)} MB in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const reader = new RolloutFileReader();
  const aggregator = new StepAggregator(8);
  const start = performance.now();
  await streamRolloutFile(path, reader, (records) => aggregator.addAll(records));
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const s = reader.summary();
  const rows = aggregator.rows();
  if (s.records !== n || s.badLineCount !== 0) throw new Error(`read ${s.records} records and ${s.badLineCount} bad lines, expected ${n} and 0`);
  console.log(`read ${s.records} records (${rows.length} steps, views: ${s.views.join(', ')}) in ${seconds.toFixed(2)} s`);
  console.log(`  ${(s.records / seconds).toFixed(0)} records/s, ${(size / 1e6 / seconds).toFixed(1)} MB/s`);
  console.log(`  RSS before reading ${(rssBefore / 2 ** 20).toFixed(0)} MiB, peak while reading ${(peakRss / 2 ** 20).toFixed(0)} MiB (sampled every 20 ms); process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (generation included)`);
  console.log(`  step 0: ${rows[0]?.responses} responses, mean reward ${rows[0]?.meanReward?.toFixed(4)}, mean KL ${rows[0]?.meanKl?.toFixed(4)}`);
  if (inPage) await readInPage(path, n);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The same file in the page's rollout viewer: the time to the summary, the progress values seen, the records shown. */
async function readInPage(file: string, expected: number): Promise<void> {
  const { openPreview } = await import('./previewBrowser');
  const preview = await openPreview(4319);
  try {
    const { page } = preview;
    await page.goto(`${preview.base}#hide=intro,labs,pipeline,sft,rlhf,score,scale,theory`);
    const viewer = page.getByTestId('rollout-viewer');
    const start = performance.now();
    await viewer.getByTestId('rollout-files').setInputFiles(file);
    const seen = new Set<string>();
    const summary = viewer.getByTestId('rollout-summary');
    while (!(await summary.isVisible())) {
      const v = await viewer.getByTestId('rollout-progress').getAttribute('value').catch(() => null);
      if (v !== null) seen.add(v);
      await page.waitForTimeout(50);
    }
    const seconds = (performance.now() - start) / 1000;
    const text = await summary.innerText();
    const shown = Number(/([\d,]+) records/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null);
    console.log(`page: "${text}" — ${seconds.toFixed(1)} s from choosing the file (file transfer into the browser included), ${seen.size} distinct progress values seen`);
    console.log(`  page JS heap after reading ${heap === null ? 'not reported' : `${(heap / 2 ** 20).toFixed(0)} MiB`} (the reading worker's heap is not visible from the page)`);
    if (shown !== expected) throw new Error(`the page shows ${shown} records, the file has ${expected}`);
  } finally {
    await preview.close();
  }
}
