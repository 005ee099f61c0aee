import { expect, test, waitForBackend } from './fixtures';

test('a worker that fails to load is reported, and restarting it recovers', async ({ page }) => {
  await page.route(/lab\.worker-[^/]*\.js$/, (route) => route.fulfill({ status: 500, body: 'broken on purpose' }));
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('worker-crashed')).toContainText('The lab worker stopped');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'failed');
  await page.unroute(/lab\.worker-[^/]*\.js$/);
  await page.getByRole('button', { name: 'Restart the worker' }).click();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('worker-crashed')).toHaveCount(0);
});

test('a full storage quota costs only the probe cache, with a message', async ({ page, watch }) => {
  await page.addInitScript(() => {
    Storage.prototype.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
  });
  await page.goto('/');
  await waitForBackend(page);
  await expect(page.getByTestId('notice')).toContainText('QuotaExceededError');
  expect(watch.consoleErrors).toEqual([]);
});
