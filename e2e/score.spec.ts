import { expect, test, waitForBackend } from './fixtures';

// The cheap whole chain of e2e/rlhf.spec.ts (SFT 3 steps, 200 preference prompts, RM and DPO one epoch, one RL
// iteration of 8 prompts): enough for heatmap rows and for the Score panel, which needs the reward model and DPO.
const HASH =
  '#preset=tiny&sftSteps=3&prefPrompts=200&prefHeldOutPrompts=40&rmEpochs=1&dpoEpochs=1&rlIterations=1&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=1';

test('heatmap rows are one Tab stop with tooltips inside the page; the Score panel marks unknown words before scoring, Enter scores', async ({ page, watch }) => {
  await page.goto(`/?backend=wasm${HASH}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('run-all').click();
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 150_000 });

  // The default view: the DPO term on the tokens and the RM score in a chip, each on its own scale, and the return bar.
  const legend = page.getByTestId('heat-legend');
  await expect(legend).toHaveAttribute('data-view', 'terms');
  const dpoMax = Number(await page.getByTestId('heat-scale').getAttribute('data-max'));
  const scoreMax = Number(await page.getByTestId('heat-score-scale').getAttribute('data-max'));
  expect(dpoMax).toBeGreaterThan(0);
  expect(scoreMax).toBeGreaterThan(0);
  // The chips show each row's RM score on a scale of its own, shared by PPO and RTO and taken over every iteration.
  const chips = await page.getByTestId('score-chip').evaluateAll((cs) => cs.map((c) => Math.abs(Number(c.getAttribute('data-value')))));
  expect(chips.length).toBeGreaterThan(0);
  expect(Math.max(...chips)).toBeLessThanOrEqual(scoreMax);
  const rto = page.getByTestId('heatmap-rto');
  const ppo = page.getByTestId('heatmap-ppo');
  const rows = rto.getByTestId('heat-row');
  const rowCount = await rows.count();
  expect(rowCount).toBeGreaterThan(1);
  // PPO's tokens carry no DPO term; its return bar has no DPO share; RTO's has.
  expect((await ppo.getByTestId('heat-token').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))))).every((v) => v === 0)).toBe(true);
  expect((await ppo.getByTestId('return-bar').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-dpo-share'))))).every((v) => v === 0)).toBe(true);
  expect((await rto.getByTestId('return-bar').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-dpo-share'))))).some((v) => v > 0)).toBe(true);

  // One Tab stop per row: a tabbable token per row, the rest reached with the arrow keys.
  const tabbable = rto.locator('[data-testid="heat-token"][tabindex="0"]');
  await expect(tabbable).toHaveCount(rowCount);
  // From the channel picker, Tab (past the iteration slider when it is enabled) lands in the first row.
  await page.getByLabel('Heatmap channel').focus();
  for (let i = 0; i < 2; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'heat-token')) break;
  }
  const firstRow = page.getByTestId('heatmap-ppo').getByTestId('heat-row').first();
  const tokens = firstRow.getByTestId('heat-token');
  await expect(tokens.first()).toBeFocused();
  const tip = page.getByTestId('token-tip');
  await expect(tip).toBeVisible();
  expect(await tip.textContent()).toBe(await tokens.first().getAttribute('data-tip'));
  await page.keyboard.press('ArrowRight');
  await expect(tokens.nth(1)).toBeFocused();
  expect(await tip.textContent()).toBe(await tokens.nth(1).getAttribute('data-tip'));
  await expect(tokens.nth(1)).toHaveAttribute('aria-describedby', (await tip.getAttribute('id')) ?? '');
  await page.keyboard.press('End');
  await expect(tokens.last()).toBeFocused();
  await page.keyboard.press('Tab'); // leaves the row: the next row's token, not the next token
  await expect(page.getByTestId('heatmap-ppo').getByTestId('heat-row').nth(1).getByTestId('heat-token').first()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(tip).toHaveCount(0);

  // The right-most token of the right-hand heatmap (RTO's): its tooltip stays inside the viewport.
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const right = await rto.getByTestId('heat-token').evaluateAll((ts) => {
    let best = 0;
    ts.forEach((t, i) => {
      if (t.getBoundingClientRect().right > (ts[best]?.getBoundingClientRect().right ?? 0)) best = i;
    });
    return best;
  });
  const rightmost = rto.getByTestId('heat-token').nth(right);
  await rightmost.scrollIntoViewIfNeeded();
  await rightmost.hover();
  await expect(tip).toBeVisible();
  await expect.poll(async () => (await tip.boundingBox())?.x ?? -1).toBeGreaterThanOrEqual(0);
  const tipBox = await tip.boundingBox();
  const tokenBox = await rightmost.boundingBox();
  expect(tipBox && tokenBox).toBeTruthy();
  if (tipBox && tokenBox) {
    expect(tokenBox.x + tipBox.width).toBeGreaterThan(viewport.width); // it would have run off without the clamp
    expect(tipBox.x + tipBox.width).toBeLessThanOrEqual(viewport.width);
    expect(tipBox.y).toBeGreaterThanOrEqual(0);
    expect(tipBox.y + tipBox.height).toBeLessThanOrEqual(viewport.height);
  }
  await page.mouse.move(0, 0);

  // Score your own text: an unknown prompt word is marked as it is typed, before Score; Enter submits.
  await page.getByTestId('score-prompt').fill('the zorblax was');
  const preview = page.getByTestId('score-preview');
  await expect(preview.locator('[data-fate="unk"]')).toHaveText(['zorblax → <unk>']);
  await expect(page.getByTestId('preview-unk')).toContainText('“zorblax”');
  await expect(page.getByTestId('score-result')).toHaveCount(0);
  await page.getByTestId('score-response').fill('very good and the people were happy .');
  await expect(preview.locator('[data-fate="dropped"], [data-fate="cut"]')).toHaveCount(0);
  await page.getByTestId('score-response').press('Enter');
  await expect(page.getByTestId('score-result')).toBeVisible();
  await expect(page.getByTestId('score-unk')).toContainText('“zorblax”');
  await expect(page.getByTestId('score-cut')).toHaveCount(0);
  await expect(page.getByTestId('score-token')).toHaveCount(9); // very good and the people were happy . <eos>
  const clip = Number(/c ([\d.]+)/.exec((await page.getByTestId('score-scale').textContent()) ?? '')?.[1]);
  const values = await page.getByTestId('score-token').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))));
  expect(values.every((v) => Number.isFinite(v) && Math.abs(v) <= clip + 1e-9)).toBe(true); // the RTO term, clipped to ±c
  await expect(page.getByTestId('score-token').first()).toHaveAttribute('data-tip', /unclipped: -?\d+\.\d{4}/);

  // An unknown response word is dropped (and said so); a response longer than the horizon says it was cut.
  await page.getByTestId('score-response').fill('very very good qwertyuiop and the people were happy and the man was very good and nice .');
  await expect(preview.locator('[data-fate="dropped"]')).toHaveText(['qwertyuiop']);
  await expect(page.getByTestId('preview-cut')).toContainText('cut');
  const cutWords = await preview.locator('[data-fate="cut"]').count();
  expect(cutWords).toBeGreaterThan(0);
  await page.getByTestId('score-response').press('Enter');
  await expect(page.getByTestId('score-cut')).toContainText('The response was cut');
  await expect(page.getByTestId('score-dropped')).toContainText('“qwertyuiop”');
  const kept = await page.getByTestId('preview-response').locator('[data-fate="known"]').count();
  await expect(page.getByTestId('score-token')).toHaveCount(kept + 1); // the words that fit the horizon, then <eos>
  await page.getByRole('heading', { name: 'Score your own text' }).scrollIntoViewIfNeeded();
  await page.locator('section[aria-labelledby="score-title"]').screenshot({ path: 'test-results/score-panel.png' });
  expect(watch.consoleErrors).toEqual([]);
});
