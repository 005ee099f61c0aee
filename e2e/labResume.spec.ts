import type { Page } from '@playwright/test';
import { expect, test, waitForBackend } from './fixtures';

// Autosave and resume: an RL run interrupted by a reload (or a worker that stops) goes on from its last save and
// ends with the numbers of a run that was never interrupted. The Quick demo's shipped SFT model and pairs, then a
// short reward model and DPO, then PPO with a save every 2 iterations.
const hashOf = (iterations: number) =>
  `#preset=tiny&rmEpochs=1&dpoEpochs=1&rlIterations=${iterations}&rlPrompts=64&rlMinibatches=2&rlEvalPrompts=32&rlEvalEvery=1&rlTokensEvery=2&autosaveEvery=2`;

/**
 * The chain up to DPO, then PPO of `iterations` until it has passed iteration `past` (and, with `pause`, paused
 * there). A run to pause or reload needs iterations to spare: with the wasm kernels an iteration of this tiny run
 * takes well under a second, and 8 of them once ended before the Pause arrived (CI, 2026-12-03).
 */
async function ppoPast(page: Page, past: number, pause: boolean, iterations: number) {
  await page.goto(`/?backend=wasm${hashOf(iterations)}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('quick-demo').click();
  const ppo = page.getByTestId('stage-ppo');
  await expect(ppo).toHaveAttribute('data-status', 'running', { timeout: 150_000 });
  await expect(ppo.getByRole('status')).toContainText(new RegExp(`iteration (${Array.from({ length: iterations - past }, (_, i) => past + 1 + i).join('|')})\\b`), { timeout: 60_000 });
  if (!pause) return;
  await page.getByTestId('pause-ppo').click();
  await expect(ppo).toHaveAttribute('data-status', 'paused');
}

/** The final numbers of every PPO run shown (current and archived): gold, KL, length, win rate at full precision. */
async function finals(page: Page): Promise<string[]> {
  return page.getByTestId('run-summary').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-gold')}|${e.getAttribute('data-length')}|${e.textContent}`));
}

/**
 * The points of PPO's curve. On wasm with two cores the Quick demo trains RTO beside PPO (src/worker/sideRuns.ts),
 * so an RTO run may have started, and been interrupted too: its runs are hidden first.
 */
async function ppoPoints(page: Page): Promise<number> {
  for (const box of await page.locator('.rl-charts-legend li', { hasText: 'RTO' }).getByTestId('run-visible').all()) await box.uncheck();
  return Number(await page.getByTestId('rl-chart-gold-reward').getAttribute('data-points'));
}

test('a reload mid-run, then Continue: the run ends with the numbers of an uninterrupted run', async ({ page, watch }) => {
  await ppoPast(page, 3, false, 12); // reloaded while it trains
  await page.reload();
  await waitForBackend(page);
  const ppo = page.getByTestId('stage-ppo');
  await expect(ppo).toHaveAttribute('data-status', 'interrupted', { timeout: 60_000 });
  await expect(ppo.getByRole('status')).toContainText(/saved at iteration (2|4|6|8|10) of 12/);
  await expect(page.getByTestId('stage-rm')).toHaveAttribute('data-status', 'done');
  await page.getByTestId('continue-ppo').click();
  await expect(ppo).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  // One point per evaluation (iterations 0–12), none missing or twice.
  expect(await ppoPoints(page)).toBe(13);
  const resumed = await finals(page);
  expect(resumed).toHaveLength(1);

  // The same run, never interrupted, in the same lab.
  await page.getByTestId('start-ppo').click();
  await expect(ppo).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const both = await finals(page);
  expect(both).toHaveLength(2);
  expect(both[0]).toBe(both[1]);
  expect(watch.consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
});

test('a worker that stops mid-run is reported; restarted, the lab reopens and the run continues from its last save', async ({ page }) => {
  // Keep a handle on the app's worker (no test hook in the app: the page's Worker constructor is wrapped).
  await page.addInitScript(() => {
    const NativeWorker = window.Worker;
    class KeptWorker extends NativeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        (window as unknown as { __labWorker: Worker }).__labWorker = this;
      }
    }
    window.Worker = KeptWorker;
  });
  await ppoPast(page, 2, true, 24);
  await page.evaluate(() => (window as unknown as { __labWorker: Worker }).__labWorker.terminate());
  await expect(page.getByTestId('worker-crashed')).toContainText('stopped responding', { timeout: 30_000 });
  await page.getByTestId('restart-worker').click();
  await waitForBackend(page);
  const ppo = page.getByTestId('stage-ppo');
  await expect(ppo).toHaveAttribute('data-status', 'interrupted', { timeout: 60_000 });
  await page.getByTestId('continue-ppo').click();
  await expect(ppo).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  expect(await ppoPoints(page)).toBe(25);
});
