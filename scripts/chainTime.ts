/**
 * Times the whole chain from scratch as a user runs it: the production build in headless Debian Chromium, auto
 * backend, the preset and task from the address, then "Run the whole chain" (SFT → preferences → RM → DPO → PPO →
 * RTO). Prints when each stage ended (two may run at once: src/worker/sideRuns.ts), the CPU of the page's workers,
 * its main thread and the rest of Chromium (scripts/chromiumCpu.ts), and the total. A benchmark, not a test.
 *   npm run time:chain -- [--preset small] [--task sentiment|oracle] [--backend wasm] [--dist dist]
 */
import { parseArgs } from 'node:util';
import { chromiumThreadCpu, describeCpu, stolenSeconds } from './chromiumCpu';
import { openPreview } from './previewBrowser';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    task: { type: 'string', default: 'sentiment' },
    backend: { type: 'string' },
    port: { type: 'string', default: '4176' },
    // Another build to time (`vite build --outDir X`), e.g. an older commit's, beside this one's.
    dist: { type: 'string', default: 'dist' },
  },
});
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const { base, page, close } = await openPreview(Number(values.port), values.dist);
try {
  const t0 = performance.now();
  await page.goto(`${base}${values.backend ? `?backend=${values.backend}` : ''}#preset=${values.preset}&task=${values.task}`);
  await page.waitForFunction(() => !document.querySelector('[data-testid="run-all"]')?.hasAttribute('disabled'), null, { timeout: 180_000 });
  const backend = ((await page.getByTestId('backend-badge').textContent().catch(() => '')) ?? '').trim();
  const tReady = performance.now();
  console.log(`page loaded and backend chosen in ${seconds(tReady - t0)} (${backend}); preset ${values.preset}, task ${values.task}`);
  let cpu = chromiumThreadCpu();
  await page.getByTestId('run-all').click();
  await page.waitForSelector('[data-testid="sft-summary"]', { timeout: 1_800_000 });
  let last = performance.now();
  const cpuNow = chromiumThreadCpu();
  console.log(`sft: done after ${seconds(last - tReady)} (${describeCpu(cpu, cpuNow)})`);
  cpu = cpuNow;
  // Two stages may run at once (src/worker/sideRuns.ts), so each stage's end is timed from SFT's.
  const sftDone = last;
  const stolen = stolenSeconds();
  const ends = await Promise.all(
    ['preferences', 'rm', 'dpo', 'ppo', 'rto'].map(async (stage) => {
      await page.waitForSelector(`[data-testid="stage-${stage}"][data-status="done"]:not([data-report="pending"])`, { timeout: 1_800_000 });
      const at = performance.now();
      const beside = (await page.getByTestId(`stage-${stage}`).getAttribute('data-beside')) === 'yes';
      console.log(`${stage}: done ${seconds(at - sftDone)} after SFT${beside ? ' (in the second worker)' : ''}`);
      return at;
    }),
  );
  last = Math.max(...ends);
  const stolenNow = stolenSeconds();
  console.log(`the stages after SFT: ${describeCpu(cpu, chromiumThreadCpu())}${stolen !== null && stolenNow !== null ? `; taken by the hypervisor (steal): ${(stolenNow - stolen).toFixed(1)} s` : ''}`);
  console.log(`whole chain (SFT → preferences → RM → DPO → PPO → RTO): ${seconds(last - tReady)}; with page load and backend choice ${seconds(last - t0)}`);
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) console.log(`${stage}: ${await page.getByTestId(`summary-${stage}`).textContent()}`);
  await page.screenshot({ path: 'test-results/chain.png', fullPage: true });
} finally {
  await close();
}
