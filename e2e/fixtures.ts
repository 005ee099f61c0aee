import { test as base, expect, type Page } from '@playwright/test';

export interface PageWatch {
  consoleErrors: string[];
  foreignRequests: string[];
}

/**
 * Every test watches the page: console errors (page and worker) and any request leaving the app's own origin.
 * The lab must work offline, so a request to another host is a failure.
 */
export const test = base.extend<{ watch: PageWatch }>({
  watch: async ({ page, context, baseURL }, use) => {
    const origin = new URL(baseURL ?? 'http://127.0.0.1:4173').origin;
    const watch: PageWatch = { consoleErrors: [], foreignRequests: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') watch.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => watch.consoleErrors.push(`pageerror: ${e.message}`));
    context.on('request', (r) => {
      const url = r.url();
      if (url.startsWith('data:') || url.startsWith('blob:')) return;
      if (new URL(url).origin !== origin) watch.foreignRequests.push(url);
    });
    await use(watch);
  },
});
export { expect };

/** Waits until the header badge says a backend is running, and returns which. */
export async function waitForBackend(page: Page, timeout = 120_000): Promise<string> {
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-status', 'ready', { timeout });
  return (await badge.getAttribute('data-backend')) ?? '';
}

/** Folds out the backend panel (probe table, backend picker, check against cpu) under the header badge. */
export async function openBackendPanel(page: Page): Promise<void> {
  const toggle = page.getByTestId('backend-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(page.getByRole('heading', { name: 'Backend', exact: true })).toBeVisible();
}

/**
 * Runs "check against cpu" in the worker and returns the worst difference it reports. A check that fails, or a lost
 * GPU, fails at once with the page's message; one that does not end in time names the op it was on.
 */
export async function runBackendCheck(page: Page, timeout = 150_000): Promise<{ backend: string; maxAbsDiff: number }> {
  await openBackendPanel(page);
  await page.getByTestId('run-check').click();
  const result = page.getByTestId('check-result');
  const failure = page.getByTestId('check-failed').or(page.getByTestId('device-lost'));
  try {
    await expect(result.or(failure).first()).toBeVisible({ timeout });
  } catch {
    const progress = await page.getByTestId('check-progress').textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(`the check did not end in ${timeout / 1000} s; the page last said: ${progress ?? '(no progress shown)'}`);
  }
  if (!(await result.isVisible())) throw new Error(`the check did not pass: ${(await failure.first().textContent()) ?? ''}`);
  return {
    backend: (await result.getAttribute('data-backend')) ?? '',
    maxAbsDiff: Number(await result.getAttribute('data-max-abs-diff')),
  };
}

/** The whole chain with tiny settings, as a teacher's link carries them: SFT 3 steps → 200 preference prompts → RM and DPO one epoch → PPO and RTO two iterations of 8 prompts. */
export const TINY_CHAIN_HASH =
  '#preset=tiny&prefPrompts=200&prefHeldOutPrompts=40&rmEpochs=1&dpoEpochs=1&rlIterations=2&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=1';

/** Opens the page on wasm with TINY_CHAIN_HASH, trains SFT for 3 steps, runs every later stage and waits until all are done. */
export async function runTinyChain(page: Page): Promise<void> {
  await page.goto(`/?backend=wasm${TINY_CHAIN_HASH}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-steps').fill('3');
  await page.getByTestId('sft-start').click();
  await expect(page.getByTestId('sft-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('run-all').click();
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
}
