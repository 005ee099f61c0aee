import { expect, test } from './fixtures';

test('theory panel: for A = 2, H = 3, ξ = 1 token-level search needs at most 4 samples, sentence-level search 8', async ({ page, watch }) => {
  await page.goto('/#hide=backend,sft,rlhf,score');
  const panel = page.getByTestId('theory-panel');
  await panel.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-a')).toHaveValue('2');
  await expect(page.getByTestId('theory-h')).toHaveValue('3');
  await expect(page.getByTestId('theory-xi')).toHaveValue('1');
  expect(Number(await page.getByTestId('theory-sentence-samples').textContent())).toBe(8);
  expect(Number(await page.getByTestId('theory-token-samples').textContent())).toBeLessThanOrEqual(4);
  // A larger tree: the counts follow the sliders (A^H = 3^4 = 81 for sentence-level search).
  await page.getByTestId('theory-a').fill('3');
  await page.getByTestId('theory-h').fill('4');
  expect(Number(await page.getByTestId('theory-sentence-samples').textContent())).toBe(81);
  expect(Number(await page.getByTestId('theory-token-samples').textContent())).toBeLessThanOrEqual(9);
  await panel.screenshot({ path: 'test-results/theory-panel.png' });
  expect(watch.consoleErrors).toEqual([]);
});
