import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openBackendPanel, test, waitForBackend } from './fixtures';

// axe-core's WCAG 2.1 A/AA rules on the main views; serious and critical findings fail the test.
const seriousOf = async (page: Page) => {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.length}× e.g. ${v.nodes[0]?.target.join(' ')})`);
};

test('no serious or critical accessibility violations on the first screen and after the Quick demo', async ({ page }) => {
  await page.goto('/?backend=wasm#preset=tiny&rmEpochs=1&dpoEpochs=1&rlIterations=1&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlTokensEvery=1');
  expect(await waitForBackend(page)).toBe('wasm');
  expect(await seriousOf(page)).toEqual([]);
  await openBackendPanel(page); // the folded-out backend detail too
  expect(await seriousOf(page)).toEqual([]);
  await page.getByTestId('quick-demo').click();
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('quick-demo-status')).toContainText('Done');
  expect(await seriousOf(page)).toEqual([]);
  // With a token's tooltip open (keyboard focus in a heatmap row) and the Score panel's result shown.
  await page.getByTestId('heatmap-rto').getByTestId('heat-token').first().focus();
  await expect(page.getByTestId('token-tip')).toBeVisible();
  expect(await seriousOf(page)).toEqual([]);
  await page.getByTestId('score-response').press('Enter');
  await expect(page.getByTestId('score-result')).toBeVisible();
  expect(await seriousOf(page)).toEqual([]);
});
