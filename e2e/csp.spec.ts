import type { Page } from '@playwright/test';
import { expect, runBackendCheck, test, waitForBackend } from './fixtures';

/**
 * The Content-Security-Policy (vite.config.ts: a <meta> in index.html and a response header from `vite preview`)
 * is in force, and the lab runs under it: wasm (which needs 'wasm-unsafe-eval' in the worker), webgl and webgpu,
 * Recharts' charts and React's styles, with no violation reported by the page or the worker.
 */

interface CspWatch {
  /** Console lines (page and worker) that mention the policy. */
  messages: string[];
}

/** Records every securitypolicyviolation the page sees, and every console line about the policy. */
async function watchCsp(page: Page): Promise<CspWatch> {
  const watch: CspWatch = { messages: [] };
  page.on('console', (m) => {
    if (/content security policy|refused to/i.test(m.text())) watch.messages.push(`${m.type()}: ${m.text()}`);
  });
  page.on('worker', (w) =>
    w.on('console', (m) => {
      if (/content security policy|refused to/i.test(m.text())) watch.messages.push(`worker ${m.type()}: ${m.text()}`);
    }),
  );
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener(
      'securitypolicyviolation',
      // Which policy: the header carries frame-ancestors, the <meta> cannot.
      (e) => seen.push(`${e.originalPolicy.includes('frame-ancestors') ? 'header' : 'meta'}: ${e.effectiveDirective} blocked ${e.blockedURI}`),
      true,
    );
  });
  return watch;
}

const violations = (page: Page): Promise<string[]> =>
  page.evaluate(() => [...(window as unknown as { __cspViolations: string[] }).__cspViolations]);

test('the policy is in force: meta and header on the page, header on the worker; inline script and eval are refused', async ({ page }) => {
  const csp = await watchCsp(page);
  const workerResponse = page.waitForResponse(/lab\.worker-[^/]*\.js$/);
  const response = await page.goto('/?backend=cpu');
  const header = response?.headers()['content-security-policy'] ?? '';
  expect(header).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(header).toContain("default-src 'self'");
  expect(header).not.toContain("'unsafe-eval'");
  expect(header).not.toContain("'unsafe-inline'");
  expect((await workerResponse).headers()['content-security-policy']).toBe(header);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self';");
  expect(meta).not.toContain('unsafe');
  expect(await waitForBackend(page)).toBe('cpu');
  expect(await violations(page)).toEqual([]);

  // An inline script put into the page does not run, and is reported.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.body.append(script);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  expect(ran).toBe(false);
  // A string turned into code is refused too (no 'unsafe-eval'). Code that page.evaluate runs directly is exempt from
  // the policy (DevTools), so the string goes through setTimeout, which compiles it later, as the page.
  const evalRan = await page.evaluate(async () => {
    setTimeout('window.__evalRan = true;', 0);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __evalRan?: boolean }).__evalRan === true;
  });
  expect(evalRan).toBe(false);
  const seen = await violations(page);
  // Each is refused by both policies, the header's and the <meta>'s: both are in force on the page.
  expect([...seen].sort()).toEqual([
    'header: script-src blocked eval',
    'header: script-src-elem blocked inline',
    'meta: script-src blocked eval',
    'meta: script-src-elem blocked inline',
  ]);
  expect(csp.messages.length).toBeGreaterThan(0); // the browser says so on the console, so the listener works
});

test('the worker turns zod\'s JIT off, so it never probes eval (a violation in the worker is not visible to the page)', async ({ page }) => {
  const worker = page.waitForEvent('worker');
  await page.goto('/?backend=cpu');
  expect(await waitForBackend(page)).toBe('cpu');
  expect(await page.evaluate(() => (globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig?.jitless)).toBe(true);
  // The worker must do the same (src/worker/lab.worker.ts importing ../lab/zodJitless first).
  const config = await (await worker).evaluate(() => (globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig ?? null);
  expect(config?.jitless).toBe(true);
});

test('wasm under the policy: SFT trains, the loss chart draws, no violation anywhere', async ({ page, watch }) => {
  const csp = await watchCsp(page);
  await page.goto('/?backend=wasm');
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('sft-steps').fill('2');
  await page.getByTestId('sft-start').click();
  await expect(page.getByTestId('sft-summary')).toBeVisible({ timeout: 170_000 });
  await expect(page.getByTestId('sft-loss-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('sft-loss-chart').locator('svg path').first()).toBeVisible();
  expect(await violations(page)).toEqual([]);
  expect(csp.messages).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
});

for (const name of ['webgl', 'webgpu'] as const) {
  test(`${name} under the policy: the check against cpu passes with no violation`, async ({ page, watch }) => {
    const csp = await watchCsp(page);
    await page.goto(`/?backend=${name}`);
    const badge = page.getByTestId('backend-badge');
    await expect(badge).not.toHaveAttribute('data-status', 'selecting', { timeout: 120_000 });
    test.skip((await badge.getAttribute('data-backend')) !== name, `${name} is not available in this browser`);
    expect(await waitForBackend(page)).toBe(name);
    const { backend, maxAbsDiff } = await runBackendCheck(page);
    expect(backend).toBe(name);
    expect(maxAbsDiff).toBeLessThan(1e-4);
    expect(await violations(page)).toEqual([]);
    expect(csp.messages).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  });
}
