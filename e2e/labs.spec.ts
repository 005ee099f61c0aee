import { expect, test, waitForBackend } from './fixtures';

// Labs that save themselves: a reload after the Quick demo restores every stage card, curve and heatmap; a
// downloaded lab file opened in an empty browser shows the same.
const HASH = '#preset=tiny&rmEpochs=1&dpoEpochs=1&rlIterations=2&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=1';

/** What the page shows of a lab: every stage's status and summary, every chart's points, every heatmap's tokens. */
async function shown(page: import('@playwright/test').Page) {
  const stages: Record<string, string | null> = {};
  for (const s of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) {
    stages[s] = `${await page.getByTestId(`stage-${s}`).getAttribute('data-status')}|${(await page.getByTestId(`summary-${s}`).textContent())?.replace(/ · [\d.]+ s$/, '')}`;
  }
  const charts = await page.locator('[data-testid^="rl-chart-"], [data-testid^="loss-chart-"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid')}:${e.getAttribute('data-points')}`));
  const heat = await page.locator('[data-testid^="heatmap-"] [data-testid="heat-token"]').evaluateAll((els) => els.map((e) => `${e.textContent}:${e.getAttribute('data-value')}`));
  return { stages, charts, heat };
}

test('a reload after the Quick demo restores the lab; its downloaded file opens in an empty browser the same', async ({ page, watch }) => {
  await page.goto(`/?backend=wasm${HASH}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('quick-demo').click();
  for (const stage of ['rm', 'dpo', 'ppo', 'rto']) await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  // DPO's report, made in the second worker beside RTO, may come after RTO ends (src/worker/sideRuns.ts).
  await expect(page.getByTestId('stage-dpo')).not.toHaveAttribute('data-report', 'pending', { timeout: 60_000 });
  await expect(page.getByTestId('quick-demo-card')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('save-status')).toContainText('Saved', { timeout: 30_000 });
  const before = await shown(page);
  expect(before.heat.length).toBeGreaterThan(0);

  await page.reload();
  await waitForBackend(page);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('sft-summary')).toHaveAttribute('data-steps', '300');
  expect(await shown(page)).toEqual(before);
  await expect(page.getByTestId('saved-lab')).toHaveCount(1);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-lab').click()]);
  expect(download.suggestedFilename()).toMatch(/^rto-lab-sentiment-tiny-.*\.rtolab$/);
  const file = await download.path();

  // An empty browser: storage cleared, Start fresh.
  await page.getByTestId('start-fresh').click();
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'not-run');
  await page.evaluate(() => new Promise<void>((resolve) => {
    const r = indexedDB.deleteDatabase('rto-lab');
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  }));
  await page.reload();
  await waitForBackend(page);
  await expect(page.getByTestId('saved-lab')).toHaveCount(0);
  await page.getByTestId('open-lab').setInputFiles(file);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  expect(await shown(page)).toEqual(before);
  expect(watch.foreignRequests).toEqual([]);
});

test('the prepared lab opens from #lab= in seconds with its curves, reopens after a reload, and runs further stages', async ({ page, watch }) => {
  const started = Date.now();
  // No preset in the address (the page starts on tiny): the opened lab's SFT model brings its own, small.
  await page.goto('/?backend=wasm#rlIterations=1&rlEvalPrompts=32&rlTokensEvery=1&lab=labs/sentiment-small.rtolab');
  await waitForBackend(page);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  console.log(`prepared lab: backend ready and lab shown ${((Date.now() - started) / 1000).toFixed(1)} s after the page was opened`);
  await expect(page.getByTestId('sft-summary')).toHaveAttribute('data-steps', '600');
  expect(Number(await page.getByTestId('rl-chart-gold-reward').getAttribute('data-points'))).toBeGreaterThan(20);
  await expect(page.getByTestId('heatmap-rto').getByTestId('heat-token').first()).toBeVisible();
  await expect(page).not.toHaveURL(/lab=/); // opened and saved: a reload continues the saved copy
  for (const picker of ['sft-preset', 'rlhf-preset']) await expect(page.getByTestId(picker)).toHaveValue('small');
  await expect(page).toHaveURL(/preset=small/);
  await expect(page).toHaveURL(/rlIterations=1/); // the address's own changes stay
  await expect(page.getByTestId('sft-steps')).toHaveValue('600');
  await page.reload();
  await waitForBackend(page);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('saved-lab')).toHaveCount(1);
  // A further stage on top of it: PPO again (one iteration), kept beside the prepared run.
  await page.getByTestId('start-ppo').click();
  await expect(page.getByTestId('stage-ppo')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  await expect(page.getByTestId('run-summary')).toHaveCount(3);
  expect(watch.foreignRequests).toEqual([]);
});
