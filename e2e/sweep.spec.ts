import { expect, test, waitForBackend } from './fixtures';

// The chain up to DPO with tiny settings from the address (SFT 3 steps, 200 preference prompts, RM and DPO one epoch,
// RL two iterations of 8 prompts), then the fraction sweep the address asks for: PPO on all the prompts, RTO at 1 and 1/4.
const HASH =
  '#preset=tiny&prefPrompts=200&prefHeldOutPrompts=40&rmEpochs=1&dpoEpochs=1&rlIterations=2&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=0&sweep=1,0.25';

test('the fraction sweep runs PPO and RTO at each share one after the other and fills the sample-efficiency chart; Stop ends it', async ({ page, watch }) => {
  await page.goto(`/?backend=wasm${HASH}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-steps').fill('3');
  await page.getByTestId('sft-start').click();
  await expect(page.getByTestId('sft-summary')).toBeVisible({ timeout: 60_000 });
  for (const stage of ['preferences', 'rm', 'dpo']) {
    await page.getByTestId(`start-${stage}`).click();
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  }

  // The list came from the address; the plan says what will run.
  const sweep = page.getByTestId('sweep');
  await expect(page.getByTestId('sweep-fractions')).toHaveValue('1, 1/4');
  await expect(sweep).toContainText('3 runs one after the other');
  await page.getByTestId('sweep-run').click();
  const status = page.getByTestId('sweep-status');
  // Each tiny run takes about a second, so the progress text ("sweep 1/3: …") is checked on the long sweep below.
  await expect(sweep).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(status).toContainText('sweep done: 3 runs');

  // Every run of the sweep is on the curves and is one point of the chart, with finite numbers.
  await expect(page.getByTestId('run-visible')).toHaveCount(3);
  const chart = page.getByTestId('rl-chart-sample-efficiency');
  await expect(chart).toHaveAttribute('data-points', '3');
  const rows = await chart.getByTestId('efficiency-point').evaluateAll((trs) =>
    trs.map((tr) => ({ method: tr.getAttribute('data-method'), fraction: Number(tr.getAttribute('data-fraction')), winRate: Number(tr.getAttribute('data-win-rate')) })),
  );
  expect(rows.map((r) => [r.method, r.fraction])).toEqual([['PPO', 1], ['RTO', 1], ['RTO', 0.25]]);
  for (const r of rows) expect(r.winRate >= 0 && r.winRate <= 1, JSON.stringify(r)).toBe(true);
  await expect(chart).toContainText('PPO on all prompts');
  await expect(chart.locator('.recharts-scatter-symbol')).toHaveCount(3);

  // A second, long sweep, stopped on the PPO card during its first run: PPO keeps what it learned (a stopped RL run
  // ends "done"), no RTO run starts, and the chart keeps the first sweep's points (a stopped run is no point).
  const ppo = page.getByTestId('stage-ppo');
  await ppo.getByText('Settings').click();
  await ppo.locator('[data-setting="rlIterations"]').fill('500');
  await page.getByTestId('sweep-run').click();
  await expect(status).toHaveText('sweep 1/3: PPO on all the prompts (the reference)');
  await expect(ppo.getByRole('status')).toContainText('iteration');
  await ppo.getByRole('button', { name: 'Stop' }).click();
  await expect(sweep).toHaveAttribute('data-status', 'stopped');
  await expect(status).toContainText('stopped at run 1/3');
  await expect(page.getByTestId('sweep-run')).toBeEnabled();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('run-visible')).toHaveCount(4); // the first sweep's three and the stopped PPO run
  await expect(chart).toHaveAttribute('data-points', '3');
  expect(watch.consoleErrors).toEqual([]);
});
