/**
 * Times the whole chain from scratch as a user runs it: the production build in headless Debian Chromium, auto
 * backend, the chosen preset and task, SFT's Start, then "Run all remaining stages" (preferences → RM → DPO → PPO
 * → RTO). Prints each stage's time and the total. A benchmark, not a test.
 *   npm run time:chain -- [--preset small] [--task sentiment|oracle] [--backend wasm]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    task: { type: 'string', default: 'sentiment' },
    backend: { type: 'string' },
    port: { type: 'string', default: '4176' },
  },
});
const port = Number(values.port);
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}/`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('vite preview did not start');
}

try {
  await waitForServer();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
  const page = await browser.newPage();
  const t0 = performance.now();
  await page.goto(`${base}${values.backend ? `?backend=${values.backend}` : ''}#preset=${values.preset}&task=${values.task}`);
  await page.waitForFunction(() => !document.querySelector('[data-testid="sft-start"]')?.hasAttribute('disabled'), null, { timeout: 180_000 });
  const backend = ((await page.getByTestId('backend-badge').textContent().catch(() => '')) ?? '').trim();
  const tReady = performance.now();
  console.log(`page loaded and backend chosen in ${seconds(tReady - t0)} (${backend}); preset ${values.preset}, task ${values.task}`);
  await page.locator('#sft-preset').selectOption(values.preset ?? 'small');
  await page.getByTestId('sft-task').selectOption(values.task ?? 'sentiment');
  await page.getByTestId('sft-start').click();
  await page.waitForSelector('[data-testid="sft-summary"]', { timeout: 1_800_000 });
  let last = performance.now();
  console.log(`sft: done after ${seconds(last - tReady)}`);
  await page.getByTestId('run-all').click();
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) {
    await page.waitForSelector(`[data-testid="stage-${stage}"][data-status="done"]`, { timeout: 1_800_000 });
    const now = performance.now();
    console.log(`${stage}: done after ${seconds(now - last)}`);
    last = now;
  }
  console.log(`whole chain (SFT → preferences → RM → DPO → PPO → RTO): ${seconds(last - tReady)}; with page load and backend choice ${seconds(last - t0)}`);
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) console.log(`${stage}: ${await page.getByTestId(`summary-${stage}`).textContent()}`);
  await page.screenshot({ path: 'test-results/chain.png', fullPage: true });
  await browser.close();
} finally {
  server.kill();
}
