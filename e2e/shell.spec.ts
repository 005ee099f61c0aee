import { expect, openBackendPanel, test, waitForBackend } from './fixtures';

test('first screen: the real shell, a backend chosen by auto with its timings, no errors, no foreign requests', async ({ page, watch }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('RTO Lab');
  await expect(page.getByText('Reinforced Token Optimization', { exact: false }).first()).toBeVisible();
  const stages = page.getByTestId('pipeline').locator('li');
  await expect(stages).toHaveCount(7);
  await expect(stages.first()).toContainText('SFT');
  await expect(stages.nth(5)).toContainText('RTO');

  const chosen = await waitForBackend(page);
  expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(chosen);
  // The Quick demo and what it will show are on the first screen (1280×900, no scrolling); the backend detail is
  // folded away behind the badge.
  const demo = page.getByTestId('quick-demo');
  await expect(demo).toBeEnabled();
  const box = await demo.boundingBox();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  expect(box && box.y >= 0 && box.y + box.height <= 900).toBe(true);
  await expect(page.getByTestId('quick-demo-card')).toContainText('PPO and RTO side by side');
  await expect(page.getByTestId('probe-table')).toBeHidden();
  await page.screenshot({ path: 'test-results/first-screen-viewport.png' });
  await page.getByTestId('backend-toggle').click();
  await expect(page.getByTestId('backend-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('probe-table')).toBeVisible();
  // Auto shows every candidate's timing and picks the fastest measured one.
  const rows = page.getByTestId('probe-table').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  const steps = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({ backend: tr.getAttribute('data-backend'), step: tr.getAttribute('data-step-ms') })),
  );
  const timed = steps.filter((s) => s.step !== '' && s.step !== null).map((s) => ({ backend: s.backend, step: Number(s.step) }));
  expect(timed.length).toBeGreaterThanOrEqual(2);
  const fastest = timed.reduce((a, b) => (b.step < a.step ? b : a));
  expect(chosen).toBe(fastest.backend);
  await expect(page.getByTestId('backend-reason')).toContainText('fastest in the probe');
  // Headless Chromium here has only SwiftShader: auto must say so and not pick it over a faster backend.
  await expect(page.getByTestId('probe-table').locator('tr[data-backend="webgpu"]')).toContainText('software adapter');

  await page.screenshot({ path: 'test-results/first-screen.png', fullPage: true });
  // It folds away again.
  await page.getByTestId('backend-toggle').click();
  await expect(page.getByTestId('probe-table')).toBeHidden();
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.foreignRequests).toEqual([]);
});

test('auto reuses its cached probe on the next visit', async ({ page, watch }) => {
  await page.goto('/');
  const first = await waitForBackend(page);
  await openBackendPanel(page);
  await expect(page.getByTestId('probe-table')).toContainText('measured just now');
  await page.reload();
  expect(await waitForBackend(page, 30_000)).toBe(first);
  await openBackendPanel(page);
  await expect(page.getByTestId('probe-table')).toContainText('cached from');
  expect(watch.consoleErrors).toEqual([]);
});

test('an unknown ?backend= value says so and falls back to auto', async ({ page, watch }) => {
  await page.goto('/?backend=cuda');
  await expect(page.getByTestId('notice')).toContainText('Unknown backend "cuda"');
  await waitForBackend(page);
  await expect(page.getByTestId('backend-badge')).toContainText('auto');
  expect(watch.consoleErrors).toEqual([]);
});
