import { expect, test, waitForBackend } from './fixtures';
import { expectHeatmapsMatchWorker, recordWorkerEvents, shownIteration } from './workerEvents';

// The whole chain in the page with tiny settings (from the address's hash, as a teacher's link would carry them):
// SFT 3 steps → 200 preference prompts → RM and DPO one epoch → PPO and RTO two iterations of 8 prompts.
const HASH =
  '#preset=tiny&prefPrompts=200&prefHeldOutPrompts=40&rmEpochs=1&dpoEpochs=1&rlIterations=2&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=1';

test('runs SFT → preferences → RM → DPO → PPO and RTO in the worker, with curves and token heatmaps', async ({ page, watch }) => {
  await recordWorkerEvents(page);
  await page.goto(`/?backend=wasm${HASH}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-steps').fill('3');
  await page.getByTestId('sft-start').click();
  await expect(page.getByTestId('sft-summary')).toBeVisible({ timeout: 60_000 });

  await page.getByTestId('run-all').click();
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) {
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    await expect(page.locator(`[data-stage="${stage}"]`)).toHaveAttribute('data-status', 'done');
  }
  await expect(page.locator('[data-stage="eval"]')).toHaveAttribute('data-status', 'done');

  // Curves: gold reward at every iteration's evaluation (iteration 0 is the untrained policy's).
  for (const chart of ['gold-reward', 'kl', 'entropy', 'frontier']) {
    const n = Number(await page.getByTestId(`rl-chart-${chart}`).getAttribute('data-points'));
    expect(n, chart).toBeGreaterThan(0);
  }

  // Per-stage loss curves for the reward model and DPO (one point per step), and the DPO policy's own gold reward and
  // win rate as reference lines beside SFT's on the RL curves.
  for (const stage of ['rm', 'dpo']) {
    const n = Number(await page.getByTestId(`loss-chart-${stage}`).getAttribute('data-points'));
    expect(n, stage).toBeGreaterThan(0);
  }
  await expect(page.getByTestId('rl-chart-gold-reward')).toHaveAttribute('data-refs', 'SFT,DPO');
  await expect(page.getByTestId('rl-chart-win-rate')).toHaveAttribute('data-refs', 'SFT 0.5,DPO');
  // Every evaluation samples the same prompts with the same seed, so iteration 0 (still the SFT policy) is the SFT
  // baseline exactly: both curves start on the SFT lines.
  await expect(page.getByTestId('rl-chart-win-rate')).toHaveAttribute('data-first', '0.5,0.5');
  const goldChart = page.getByTestId('rl-chart-gold-reward');
  const sftGold = (await goldChart.getAttribute('data-ref-values'))?.split(',')[0];
  await expect(goldChart).toHaveAttribute('data-first', `${sftGold},${sftGold}`);
  await expect(page.getByTestId('run-summary').first()).toContainText('length');
  await expect(page.getByTestId('matched-kl-note')).toContainText('Equal β2 is not equal KL');
  await expect(page.getByTestId('measured-result')).toContainText('PPO and RTO end level'); // the sentiment task's measured result
  await page.mouse.move(0, 0);
  await page.locator('.rl-charts').screenshot({ path: 'test-results/rl-charts.png' });
  await expect(page.getByTestId('summary-dpo')).toContainText('win rate vs SFT');

  // Heatmaps: PPO's RM score sits on the last token of each row only; RTO's DPO reward is on the inner tokens too.
  const channel = page.getByLabel('Heatmap channel');
  const rowValues = async (run: string) =>
    page.getByTestId(`heatmap-${run}`).getByTestId('heat-row').evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('[data-testid="heat-token"]'), (t) => Number(t.getAttribute('data-value')))),
    );
  await channel.selectOption('score');
  const ppoScore = await rowValues('ppo');
  expect(ppoScore.length).toBeGreaterThan(0);
  for (const row of ppoScore) {
    expect(row.slice(0, -1).every((v) => v === 0)).toBe(true);
    expect(row.at(-1)).not.toBe(0);
  }
  await channel.selectOption('dpo');
  const rtoDpo = await rowValues('rto');
  expect(rtoDpo.some((row) => row.slice(0, -1).some((v) => v !== 0))).toBe(true);
  expect((await rowValues('ppo')).every((row) => row.every((v) => v === 0))).toBe(true);

  // Every token's tooltip carries the numbers of the worker's `tokens` event for the iteration shown: each channel
  // (DPO reward, KL term, RM score, total, value, advantage, log-probabilities) to the decimals printed, for the
  // same prompts and tokens; first at the latest iteration, then at the first one on the slider.
  await channel.selectOption('total');
  expect(await expectHeatmapsMatchWorker(page, ['ppo', 'rto'])).toBe(2);
  await page.getByRole('slider', { name: 'Iteration', exact: true }).fill('0');
  await expect.poll(() => shownIteration(page)).toBe(1);
  expect(await expectHeatmapsMatchWorker(page, ['ppo', 'rto'])).toBe(1);
  await page.getByRole('slider', { name: 'Iteration', exact: true }).fill('1');
  await expect.poll(() => shownIteration(page)).toBe(2);
  // A row's sum is the sum of its cells.
  const row = page.getByTestId('heatmap-rto').getByTestId('heat-row').first();
  const cells = await row.getByTestId('heat-token').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))));
  expect(Number(await row.getAttribute('data-sum'))).toBeCloseTo(cells.reduce((a, b) => a + b, 0), 6);

  // Metrics download: a CSV row per run and iteration.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  const csv = await (await import('node:fs/promises')).readFile((await download.path()) ?? '', 'utf8');
  expect(csv.split('\n')[0]).toMatch(/^run,iteration,.*gold\/reward/);
  // The labels say how the runs differ: PPO and RTO have their own tuned β2 and actor LR.
  expect(csv).toContain('\n"PPO (actor lr 0.00044, β2 0.17)",2,');
  expect(csv).toContain('\n"RTO (β1 1.7, c 0.26, actor lr 0.00054, β2 0.71)",2,');

  // Hiding a run takes its points off the charts.
  const gold = page.getByTestId('rl-chart-gold-reward');
  const both = Number(await gold.getAttribute('data-points'));
  await page.getByTestId('run-visible').first().uncheck();
  await expect.poll(async () => Number(await gold.getAttribute('data-points'))).toBeLessThan(both);

  await page.screenshot({ path: 'test-results/rlhf-panel.png', fullPage: true });
  expect(watch.consoleErrors).toEqual([]);
});

test('the Quick demo loads the shipped SFT model and pairs, then trains RM → DPO → PPO → RTO', async ({ page, watch }) => {
  // The shipped assets with short RL settings; the full Quick demo's time is measured by scripts/quickDemoTime.ts.
  // The URL leaves rlEvalEvery to the demo's own setting (src/lab/quickDemoSettings.ts).
  await page.goto('/?backend=wasm#preset=tiny&rmEpochs=4&dpoEpochs=1&rlIterations=4&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlTokensEvery=1');
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('quick-demo').click();
  await expect(page.getByTestId('sft-summary')).toHaveAttribute('data-steps', '300');
  await expect(page.getByTestId('summary-preferences')).toContainText('pairs 3202');
  await expect(page.getByTestId('summary-preferences')).toContainText('shipped with the lab'); // not a load time that reads as a stage's

  // Pause holds the reward model between steps; Resume lets it (and the rest of the chain) go on.
  const rm = page.getByTestId('stage-rm');
  await expect(rm).toHaveAttribute('data-status', 'running');
  await page.getByTestId('pause-rm').click();
  await expect(rm).toHaveAttribute('data-status', 'paused');
  const held = await rm.getByRole('status').textContent();
  await page.waitForTimeout(1500);
  expect(await rm.getByRole('status').textContent()).toBe(held);
  await page.getByTestId('pause-rm').click();
  await expect(rm).toHaveAttribute('data-status', 'running');
  for (const stage of ['rm', 'dpo', 'ppo', 'rto']) {
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  }
  // PPO and RTO evaluated every 4th iteration, as the demo does: at iterations 0 and 4 (every 2nd would add a third point).
  await expect(page.getByTestId('rl-chart-gold-reward')).toHaveAttribute('data-points', '4');
  // On wasm with two cores two stages run at once: DPO first, in the lab's worker, the reward model beside it in a
  // second worker (src/worker/sideRuns.ts), which the card says.
  await expect(rm).toHaveAttribute('data-beside', 'yes');
  await expect(page.getByTestId('stage-dpo')).not.toHaveAttribute('data-beside', 'yes');
  await expect(page.getByTestId('summary-rm')).toContainText('in a second worker');
  const besideRm = (await page.getByTestId('summary-rm').textContent())!;
  await expect(page.getByTestId('heatmap-rto').getByTestId('heat-token').first()).toBeVisible();

  // Score your own text: per-token DPO rewards for typed words, <eos> added, plus the RM score and gold.
  await page.getByTestId('score-prompt').fill('the dinner was');
  await page.getByTestId('score-response').fill('very good and the people were happy.');
  await page.getByTestId('score-run').click();
  const tokens = page.getByTestId('score-token');
  await expect(tokens).toHaveCount(9); // very good and the people were happy . <eos>
  const values = await tokens.evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))));
  expect(values.every(Number.isFinite)).toBe(true);
  expect(values.some((v) => v !== 0)).toBe(true);
  await expect(page.getByTestId('score-summary')).toContainText('gold (VADER) 0.');

  // RTO again on 1/8 of the prompts: the first RTO run stays beside it, and the sample-efficiency chart appears.
  const rto = page.getByTestId('stage-rto');
  await rto.getByText('Settings').click();
  await rto.locator('[data-setting="rlPromptFraction"]').fill('0.125');
  await page.getByTestId('start-rto').click();
  await expect(rto).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run-visible')).toHaveCount(3);
  await expect(page.getByRole('list', { name: 'Runs' })).toContainText('RTO (β1 1.7, c 0.26, prompts × 0.125, actor lr 0.00054, β2 0.71)');
  await expect(page.getByTestId('rl-chart-sample-efficiency')).toHaveAttribute('data-points', '3');
  await page.mouse.move(0, 0);
  await page.locator('.rl-charts').screenshot({ path: 'test-results/three-runs.png' });
  await page.getByTestId('rl-chart-sample-efficiency').screenshot({ path: 'test-results/sample-efficiency.png' });

  // The reward model again, alone, so in the lab's own worker: the second worker's model was the same to the digit.
  await page.getByTestId('start-rm').click();
  await expect(rm).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(rm).not.toHaveAttribute('data-beside', 'yes');
  const numbers = (text: string) => text.replace(/ · [\d.]+ s( in a second worker)?$/, '');
  expect(numbers((await page.getByTestId('summary-rm').textContent())!)).toBe(numbers(besideRm));
  expect(watch.consoleErrors).toEqual([]);
});

test('a configuration in the address reloads into the same settings, and hide= hides the named parts', async ({ page }) => {
  await page.goto('/#preset=small&beta2=0.05&hide=backend,score');
  await expect(page.locator('#rlhf-preset')).toHaveValue('small');
  await expect(page.locator('#sft-preset')).toHaveValue('small'); // one setup for both panels (e2e/setup.spec.ts)
  await expect(page.getByRole('heading', { name: /Backend/ })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Score your own text' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: /Supervised fine-tuning/ })).toBeVisible();
  await page.reload();
  await expect(page.locator('#rlhf-preset')).toHaveValue('small');
  // A setting changed in a stage's editor goes into the address and comes back on reload; a bad one is flagged.
  const ppo = page.getByTestId('stage-ppo');
  await ppo.getByText('Settings').click();
  const iterations = ppo.locator('[data-setting="rlIterations"]');
  await expect(iterations).toHaveAttribute('placeholder', '60');
  await iterations.fill('7');
  await expect(page).toHaveURL(/rlIterations=7/);
  await expect(page).toHaveURL(/beta2=0.05/);
  await ppo.locator('[data-setting="beta1"]').fill('-3');
  await expect(ppo.locator('[data-setting="beta1"]')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).not.toHaveURL(/beta1=/);
  await page.reload();
  await page.getByTestId('stage-ppo').getByText('Settings').click();
  await expect(page.getByTestId('stage-ppo').locator('[data-setting="rlIterations"]')).toHaveValue('7');
  // A link opened afresh (a hash change alone does not reload the page, so reload as a new visit would).
  await page.goto('/#preset=tiny&hide=preset&layers=99');
  await page.reload();
  await expect(page.locator('#rlhf-preset')).toHaveCount(0);
  await expect(page.getByTestId('notice')).toContainText('Layers');
});

test('the oracle task in the page: the heatmap offers the true token reward r* beside the DPO estimate', async ({ page, watch }) => {
  await recordWorkerEvents(page);
  await page.goto(`/?backend=wasm${HASH.replace('prefPrompts=200', 'prefPrompts=100')}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-task').selectOption('oracle');
  await page.getByTestId('sft-steps').fill('20');
  await page.getByTestId('sft-start').click();
  await expect(page.getByTestId('sft-summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  const channel = page.getByLabel('Heatmap channel');
  await channel.selectOption('trueReward');
  const values = await page.getByTestId('heatmap-rto').getByTestId('heat-token').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))));
  // r* = log π*(token | previous) < 0 for every content token; the forced <eos> scores 0.
  expect(values.filter((v) => v < 0).length).toBeGreaterThan(values.length / 2);
  expect(values.every((v) => v <= 0)).toBe(true);
  // The tooltips, r* among their lines, are the worker's numbers.
  await expectHeatmapsMatchWorker(page, ['ppo', 'rto']);
  expect(await page.getByTestId('heatmap-rto').getByTestId('heat-token').first().getAttribute('data-tip')).toContain('True token reward r*');
  expect(watch.consoleErrors).toEqual([]);
});

test('SFT can be paused and resumed, then stopped, keeping what it learned', async ({ page }) => {
  await page.goto('/?backend=wasm');
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-task').selectOption('oracle');
  await page.getByTestId('sft-steps').fill('3000');
  await page.getByTestId('sft-start').click();
  const run = page.getByTestId('sft-run');
  await expect(run).toHaveAttribute('data-status', 'running');
  await expect(run).toContainText('step'); // it has taken a step or more
  await page.getByTestId('sft-pause').click();
  await expect(run).toHaveAttribute('data-status', 'paused');
  const held = await run.locator('span').first().textContent();
  await page.waitForTimeout(1500);
  expect(await run.locator('span').first().textContent()).toBe(held);
  await page.getByTestId('sft-pause').click();
  await expect(run).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('sft-summary')).toContainText('stopped early');
});
