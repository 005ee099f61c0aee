/**
 * Times the Quick demo as a user runs it: the production build in headless Debian Chromium, auto backend, the
 * Quick demo button, until RTO is done. Prints when each stage ended (two may run at once: src/worker/sideRuns.ts),
 * the CPU the page's workers, its main thread and the rest of Chromium used (scripts/chromiumCpu.ts) and the total.
 * A benchmark, not a test.
 * Also writes the README's pictures to e2e/screenshots/: the first screen (1280×900, before the demo starts), the
 * curves, the heatmap's default view and two of its channels, the stage cards and the theory panel.
 * The page stays at its first screen, as a visitor's who has just pressed the button, so the charts below it are not
 * redrawn during the run (src/ui/useInView.ts). With --watch the script follows the card's "Watch the stages" link
 * once the demo starts, and the RL curves' heading once PPO starts, as a teacher showing the run would: the charts on
 * screen are then drawn once a second.
 * Times run from the click, which comes as soon as the Quick demo's button is ready (and the first screen's picture is
 * taken), or --read SECONDS later, as a visitor who reads the first screen first: a page that starts empty gets the
 * demo ready meanwhile (src/worker/quickDemo.ts, prepareQuickDemo).
 * With --hidden the page's sections are hidden (display: none) once the demo starts, so the page draws nothing: what
 * is left is the worker's time (docs/performance.md, "The Quick demo's floor"); no pictures are written then.
 *   npm run build && npx tsx scripts/quickDemoTime.ts [--backend wasm] [--hash "#preset=tiny"] [--dist dist] [--port 4175] [--hidden | --watch] [--read 3]
 */
import { parseArgs } from 'node:util';
import { chromiumThreadCpu, describeCpu, stolenSeconds } from './chromiumCpu';
import { openPreview } from './previewBrowser';

const { values } = parseArgs({ options: { backend: { type: 'string' }, hash: { type: 'string', default: '' }, port: { type: 'string', default: '4175' }, dist: { type: 'string', default: 'dist' }, hidden: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, read: { type: 'string', default: '0' } } });
const readSeconds = Number(values.read);
if (!(readSeconds >= 0)) throw new Error(`--read takes seconds ≥ 0, got ${values.read}`);
/**
 * Times each stage's end as the page shows it, run in the page before the click: from the Quick demo's click event to
 * the frame after its card said done (with no report on its way), both on the page's clock. Playwright's own wait sees
 * the card later when the page's main thread is busy: the charts drawn once the runs end held it for 0.5–0.7 s after
 * RTO's card said done (docs/performance.md, "When the page shows it").
 */
const SHOWN_AT = `(() => {
  const at = { click: NaN, shown: {} };
  window.__shownAt = at;
  document.addEventListener('click', (e) => {
    if (Number.isNaN(at.click) && e.target instanceof Element && e.target.closest('[data-testid="quick-demo"]')) at.click = performance.now();
  }, true);
  const seen = new Set();
  const check = () => {
    for (const stage of ['rm', 'dpo', 'ppo', 'rto']) {
      if (seen.has(stage) || !document.querySelector('[data-testid="stage-' + stage + '"][data-status="done"]:not([data-report="pending"])')) continue;
      seen.add(stage);
      // The frame that paints it (its requestAnimationFrame callbacks run just before its paint).
      requestAnimationFrame(() => { at.shown[stage] = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-report'] });
})()`;

const { base, page, close } = await openPreview(Number(values.port), values.dist);
try {
  const t0 = performance.now();
  await page.goto(`${base}${values.backend ? `?backend=${values.backend}` : ''}${values.hash}`);
  await page.getByTestId('quick-demo').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="quick-demo"]')?.hasAttribute('disabled'), null, { timeout: 120_000 });
  const backend = (await page.getByTestId('backend-badge').textContent().catch(() => '')) ?? '';
  const tReady = performance.now();
  console.log(`page loaded and backend chosen in ${((tReady - t0) / 1000).toFixed(1)} s (${backend.trim()})`);
  await page.mouse.move(0, 0);
  if (!values.hidden) await page.screenshot({ path: 'e2e/screenshots/first-screen.png' }); // the viewport only: what a visitor sees first
  // A visitor reads the first screen before the click; meanwhile the page gets the demo ready (prepareQuickDemo).
  if (readSeconds > 0) await page.waitForTimeout(readSeconds * 1000);
  await page.evaluate(SHOWN_AT);
  const tClick = performance.now();
  await page.getByTestId('quick-demo').click();
  console.log(`clicked ${((tClick - tReady) / 1000).toFixed(1)} s after the button was ready`);
  if (values.hidden) await page.evaluate(() => document.querySelectorAll<HTMLElement>('section').forEach((el) => (el.style.display = 'none')));
  if (values.watch) {
    await page.getByRole('link', { name: /Watch the stages/ }).click();
    // The RL curves appear when PPO starts: then to them.
    void page
      .locator('#rl-curves-title')
      .waitFor({ timeout: 600_000 })
      .then(() => page.locator('#rl-curves-title').scrollIntoViewIfNeeded())
      .catch(() => {});
  }
  // Two stages may run at once (src/worker/sideRuns.ts), so each stage's end is timed from the click: when its card says done
  // and any report it left to the second worker (DPO's) has come.
  const cpu = chromiumThreadCpu();
  const stolen = stolenSeconds();
  const ends = await Promise.all(
    ['rm', 'dpo', 'ppo', 'rto'].map(async (stage) => {
      await page.waitForSelector(`[data-testid="stage-${stage}"][data-status="done"]:not([data-report="pending"])`, { timeout: 600_000, state: 'attached' });
      const at = performance.now();
      const beside = (await page.getByTestId(`stage-${stage}`).getAttribute('data-beside')) === 'yes';
      console.log(`${stage}: done ${((at - tClick) / 1000).toFixed(1)} s after the click${beside ? ' (in the second worker)' : ''}`);
      return at;
    }),
  );
  const last = Math.max(...ends);
  const stolenNow = stolenSeconds();
  console.log(`the whole demo: ${describeCpu(cpu, chromiumThreadCpu())}${stolen !== null && stolenNow !== null ? `; taken by the hypervisor (steal): ${(stolenNow - stolen).toFixed(1)} s` : ''}`);
  const shown = (await page.evaluate('window.__shownAt')) as { click: number; shown: Record<string, number> };
  const shownLast = Math.max(...Object.values(shown.shown)) - shown.click;
  console.log(`as the page showed them (from the click's event to the frame after each card said done): ${['rm', 'dpo', 'ppo', 'rto'].map((stage) => `${stage} ${(((shown.shown[stage] ?? NaN) - shown.click) / 1000).toFixed(1)} s`).join(', ')}`);
  console.log(`Quick demo (load → RM → DPO → PPO → RTO): ${(shownLast / 1000).toFixed(1)} s from the click until the page showed it done (${((last - tClick) / 1000).toFixed(1)} s until Playwright saw it); with page load and backend choice ${((shownLast + tClick - t0) / 1000).toFixed(1)} s`);
  for (const stage of ['dpo', 'ppo', 'rto']) console.log(`${stage}: ${await page.getByTestId(`summary-${stage}`).textContent()}`);
  if (!values.hidden) await pictures();
} finally {
  await close();
}

/** The README's pictures of a real run, from the page as the demo left it. */
async function pictures(): Promise<void> {
  await page.screenshot({ path: 'test-results/quick-demo.png', fullPage: true });
  // The README's pictures of a real run: the curves, the heatmaps (total and DPO channels), and the theory panel.
  await page.mouse.move(0, 0); // no tooltip left open in the pictures
  await page.locator('.rl-charts').screenshot({ path: 'e2e/screenshots/curves.png' });
  await page.locator('.heatmap').screenshot({ path: 'e2e/screenshots/heatmap-terms.png' }); // the default view
  // A tooltip of the right-most token of the last RTO row, to see it kept inside the page.
  await page.getByTestId('heatmap-rto').getByTestId('heat-row').last().getByTestId('heat-token').last().hover();
  await page.screenshot({ path: 'test-results/heatmap-tooltip.png' });
  await page.mouse.move(0, 0);
  await page.getByLabel('Heatmap channel').selectOption('total');
  await page.locator('.heatmap').screenshot({ path: 'e2e/screenshots/heatmap-total.png' });
  await page.getByLabel('Heatmap channel').selectOption('dpo');
  await page.locator('.heatmap').screenshot({ path: 'e2e/screenshots/heatmap-dpo.png' });
  await page.getByTestId('theory-panel').screenshot({ path: 'e2e/screenshots/theory.png' });
  await page.locator('.stage-cards').screenshot({ path: 'e2e/screenshots/stages.png' });
  console.log('wrote e2e/screenshots/first-screen.png, curves.png, heatmap-terms.png, heatmap-total.png, heatmap-dpo.png, theory.png and stages.png');
}
