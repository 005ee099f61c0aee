import { chromium, type Browser } from '@playwright/test';
import { expect, openBackendPanel, runBackendCheck, test, waitForBackend } from './fixtures';

// Each test crashes the GPU process (DevTools' Browser.crashGpuProcess), so each runs in a browser of its own: the
// other specs' browser keeps its GPU process, and Chromium's count of GPU crashes.
let browser: Browser;
test.beforeEach(async ({ playwright: _ }, testInfo) => {
  browser = await chromium.launch(testInfo.project.use.launchOptions);
});
test.afterEach(async () => {
  await browser.close();
});

for (const [backend, what] of [
  ['webgl', 'WebGL context'],
  ['webgpu', 'WebGPU device'],
] as const) {
  test(`a GPU process that crashes during the ${backend} check: the page says the ${what} was lost, the check fails, cpu takes over`, async ({ baseURL }) => {
    const page = await browser.newPage({ baseURL });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`/?backend=${backend}`);
    expect(await waitForBackend(page)).toBe(backend);
    await openBackendPanel(page);
    await page.getByTestId('run-check').click();
    await expect(page.getByTestId('check-progress')).toContainText(`tiny GPT loss on ${backend}`, { timeout: 60_000 });
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.crashGpuProcess');

    await expect(page.getByTestId('device-lost')).toContainText(`The ${what} was lost`, { timeout: 30_000 });
    await expect(page.getByTestId('device-lost')).toContainText('Choose a backend to continue');
    await expect(page.getByTestId('check-failed')).toContainText(`The ${what} was lost`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'failed');

    // The worker is not stuck behind the lost run: another backend starts, and its check passes.
    await page.getByTestId('backend-select').selectOption('cpu');
    expect(await waitForBackend(page)).toBe('cpu');
    await expect(page.getByTestId('device-lost')).toHaveCount(0);
    const { backend: checked, maxAbsDiff } = await runBackendCheck(page);
    expect(checked).toBe('cpu');
    expect(maxAbsDiff).toBe(0);
    expect(errors).toEqual([]);
  });
}
