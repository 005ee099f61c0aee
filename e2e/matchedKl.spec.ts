import AxeBuilder from '@axe-core/playwright';
import { expect, runTinyChain, test } from './fixtures';
import { recordWorkerEvents, workerEvents } from './workerEvents';

// The matched-KL table under the reward–KL frontier, after the whole chain with tiny settings (as e2e/rlhf.spec.ts):
// SFT 3 steps → 200 preference prompts → RM and DPO one epoch → PPO and RTO two iterations of 8 prompts.
test('the matched-KL view reads each run at its best gold within each KL budget, with length, and says who is ahead', async ({ page, watch }) => {
  await recordWorkerEvents(page);
  await runTinyChain(page);

  const view = page.getByTestId('matched-kl-view');
  await expect(view).toBeVisible();
  const table = view.getByRole('table');
  const headers = (await table.getByRole('columnheader').allTextContents()).map((t) => t.trim());
  expect(headers[0]).toBe('KL budget');
  const ppoCol = headers.findIndex((h) => h.startsWith('PPO'));
  const rtoCol = headers.findIndex((h) => h.startsWith('RTO'));
  expect(ppoCol, headers.join(' | ')).toBeGreaterThan(0);
  expect(rtoCol, headers.join(' | ')).toBeGreaterThan(0);

  const rows = view.getByTestId('matched-kl-row');
  const sentences = view.getByTestId('matched-kl-sentence');
  const n = await rows.count();
  expect(n).toBeGreaterThan(0);
  await expect(sentences).toHaveCount(n);
  const said = await sentences.allTextContents();
  for (const s of said) expect(s).toMatch(/^(At KL ≤ [\d.]+,? .*(ahead of|within one standard error|has an evaluation)|No run reaches KL ≤ [\d.]+\.)/);
  console.log(`matched KL sentences:\n${said.join('\n')}`);

  // Each cell is the best gold among the run's evaluations with eval/kl ≤ the budget, from the worker's own
  // metrics events, and shows its length.
  const events = await workerEvents(page);
  const evals = (stage: 'ppo' | 'rto') => {
    const started = events.filter((e) => e.type === 'runStarted' && e.job.kind === 'stage' && e.job.stage === stage).at(-1);
    if (!started || started.type !== 'runStarted') throw new Error(`no ${stage} run`);
    return events.flatMap((e) =>
      e.type === 'stage' && e.runId === started.runId && e.event.type === 'metrics' && Number.isFinite(e.event.values['gold/reward']) ? [e.event.values] : [],
    );
  };
  const byRun = { ppo: evals('ppo'), rto: evals('rto') };
  expect(byRun.ppo.length).toBe(3); // iterations 0, 1 and 2
  for (let r = 0; r < n; r++) {
    const row = rows.nth(r);
    const budget = Number(await row.getAttribute('data-budget'));
    await expect(row.getByRole('rowheader')).toHaveText(`KL ≤ ${budget}`);
    for (const [stage, col] of [['ppo', ppoCol], ['rto', rtoCol]] as const) {
      const cell = row.getByRole('cell').nth(col - 1);
      const fits = byRun[stage].filter((v) => (v['eval/kl'] ?? NaN) <= budget);
      const best = fits.length ? Math.max(...fits.map((v) => v['gold/reward'] ?? NaN)) : NaN;
      if (Number.isNaN(best)) await expect(cell).toHaveText('none within it');
      else {
        expect(Number(await cell.getAttribute('data-gold')), `${stage} at KL ≤ ${budget}`).toBe(best);
        await expect(cell).toContainText('tokens');
      }
    }
  }
  // The last budget covers every evaluation: each run's best gold overall.
  const last = rows.nth(n - 1);
  expect(Number(await last.getByRole('cell').nth(ppoCol - 1).getAttribute('data-gold'))).toBe(Math.max(...byRun.ppo.map((v) => v['gold/reward'] ?? NaN)));
  // The table's markup passes axe's WCAG 2.1 A/AA rules (all findings, not only serious ones).
  const axe = await new AxeBuilder({ page }).include('[data-testid="matched-kl-view"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await page.mouse.move(0, 0);
  await view.screenshot({ path: `${process.env.E2E_RESULTS ?? 'test-results'}/matched-kl.png` });
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.foreignRequests).toEqual([]);
});
