import { readFileSync } from 'node:fs';
import { readRolloutText } from '../src/lab/rollouts/fileReader';
import { methodOf, type MethodName } from '../src/lab/train/methods';
import { expect, runTinyChain, test } from './fixtures';

const methodHelp = (m: MethodName) => methodOf(m).help;

// Methods are rows of one table (src/lab/train/methods.ts): the method card runs any of them, and the runs sit side
// by side with PPO's. Tiny settings, as e2e/rlhf.spec.ts: SFT 3 steps, then the chain, then two more methods.
test('PPO, RTO, dense GRPO and an ablation (dDPO) run in the page and sit side by side', async ({ page, watch }) => {
  await runTinyChain(page);

  const card = page.getByTestId('stage-rto');
  const summaries = page.getByTestId('run-summary');
  await expect(summaries).toHaveCount(2);
  for (const [i, [method, label]] of ([['grpo-dense', 'GRPO (dense)'], ['ddpo', 'dDPO']] as const).entries()) {
    await page.getByTestId('method-picker').selectOption(method);
    await expect(card.getByText(methodHelp(method))).toBeVisible(); // the card says what the method isolates
    await page.getByTestId('start-rto').click();
    // The earlier run moves beside the new one when it has finished.
    await expect(summaries).toHaveCount(3 + i, { timeout: 120_000 });
    await expect(card).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('note-rto')).toHaveText(`last run: ${label}`);
  }
  const legend = page.locator('.rl-charts-legend li label');
  const names = (await legend.allTextContents()).map((t) => t.trim().replace(/\s*\(.*$/, ''));
  expect(names).toEqual(expect.arrayContaining(['PPO', 'RTO', 'GRPO', 'dDPO']));
  await expect(page.getByTestId('run-summary')).toHaveCount(4);

  // Every run's heatmap rows as RL Logging Board JSONL: read back by the lab's own reader, no bad line, every method.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-rollouts').click()]);
  const { records, summary } = readRolloutText(readFileSync(await download.path(), 'utf8'));
  expect(summary.badLineCount).toBe(0);
  expect(new Set(records.map((r) => (r as { method?: string }).method))).toEqual(new Set(['ppo', 'rto', 'grpo-dense', 'ddpo']));
  expect(summary.views).toContain('token-rto-channels');
  expect(watch.consoleErrors).toEqual([]);
});
