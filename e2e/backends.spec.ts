import { expect, openBackendPanel, runBackendCheck, test, waitForBackend } from './fixtures';

test('?backend=webgpu runs on the SwiftShader adapter and matches cpu within 1e-4, op by op with gradients', async ({ page, watch }) => {
  await page.goto('/?backend=webgpu');
  expect(await waitForBackend(page)).toBe('webgpu');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-adapter-architecture', 'swiftshader');
  await expect(badge).toContainText('(software)');
  await expect(page.getByTestId('software-adapter-warning')).toContainText('software rasteriser');
  const { backend, maxAbsDiff } = await runBackendCheck(page);
  expect(backend).toBe('webgpu');
  console.log(`webgpu versus cpu: worst difference ${maxAbsDiff.toExponential(2)} over every op, forward and gradient`);
  await page.screenshot({ path: 'test-results/webgpu-check.png', fullPage: true });
  expect(maxAbsDiff).toBeLessThan(1e-4);
  expect(maxAbsDiff).toBeGreaterThanOrEqual(0);
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.foreignRequests).toEqual([]);
});

for (const name of ['webgl', 'wasm', 'cpu'] as const) {
  test(`?backend=${name} reports itself and its check against cpu passes`, async ({ page, watch }) => {
    await page.goto(`/?backend=${name}`);
    expect(await waitForBackend(page)).toBe(name);
    await expect(page.getByTestId('backend-select')).toHaveValue(name);
    const { backend, maxAbsDiff } = await runBackendCheck(page);
    expect(backend).toBe(name);
    expect(maxAbsDiff).toBeLessThan(name === 'cpu' ? 1e-12 : 1e-4);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
  });
}

test('a backend forced from the UI takes over and goes into the address; tensors stay flat across checks', async ({ page, watch }) => {
  await page.goto('/?backend=cpu');
  expect(await waitForBackend(page)).toBe('cpu');
  await openBackendPanel(page);
  await page.getByTestId('backend-select').selectOption('wasm');
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page).toHaveURL(/[?&]backend=wasm/);
  const live = page.getByTestId('live-tensors');
  await runBackendCheck(page);
  await expect(live).toBeVisible();
  const afterFirst = await live.getAttribute('data-count');
  await runBackendCheck(page);
  await expect(page.getByTestId('check-result')).toBeVisible();
  await expect(live).toHaveAttribute('data-count', afterFirst ?? '');
  expect(watch.consoleErrors).toEqual([]);
});
