import { writeFileSync } from 'node:fs';
import type { Locator } from '@playwright/test';
import { expect, test, waitForBackend } from './fixtures';

// The rollout viewer: a lab run's downloaded rollouts reopen with the live heatmap's numbers; a file's bad lines are
// listed by number; a text-only log shows the reward views and says what the token views need; a large file shows
// its progress and can be cancelled.

/** Every heat row's token values and row sum (and RM chip) in a heatmap section. */
async function heatNumbers(section: Locator) {
  return section.getByTestId('heat-row').evaluateAll((rows) =>
    rows.map((row) => ({
      tokens: Array.from(row.querySelectorAll('[data-testid="heat-token"]'), (t) => `${t.textContent}:${t.getAttribute('data-value')}`),
      sum: row.getAttribute('data-sum'),
      chip: row.querySelector('[data-testid="score-chip"]')?.getAttribute('data-value') ?? null,
    })),
  );
}

async function shownFor(scope: Locator, channels: readonly string[]) {
  // The slider's unit is "iteration" in the lab and "step" in a log: the same number.
  const out: Record<string, unknown> = { step: /\d+/.exec(await scope.getByTestId('heat-step').innerText())?.[0] };
  const select = scope.getByLabel('Heatmap channel');
  for (const channel of channels) {
    await select.selectOption(channel);
    await expect(scope.getByTestId('heat-legend')).toHaveAttribute('data-view', channel);
    for (const run of ['ppo', 'rto']) out[`${run}:${channel}`] = await heatNumbers(scope.getByTestId(`heatmap-${run}`));
  }
  await select.selectOption(channels[0]!);
  return out;
}

const CHANNELS = ['terms', 'total', 'dpo', 'kl', 'score', 'value', 'logpPolicy', 'logpRef', 'logpDpo', 'logRatio'] as const;

test("a lab run's downloaded rollouts reopen in the viewer with the live heatmap's numbers", async ({ page, watch }) => {
  await page.goto('/?backend=wasm#preset=small&lab=labs/sentiment-small.rtolab');
  await waitForBackend(page);
  await expect(page.getByTestId('stage-rto')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  // The lab's heatmap comes first in the page (the viewer's is inside its panel, further down).
  const lab = page.locator('.heatmap').first();
  await expect(lab.getByTestId('heatmap-rto').getByTestId('heat-token').first()).toBeVisible();
  const live = await shownFor(lab, CHANNELS);
  expect((live['rto:terms'] as unknown[]).length).toBeGreaterThan(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-rollouts').click()]);
  const viewer = page.getByTestId('rollout-viewer');
  await viewer.getByTestId('rollout-files').setInputFiles(await download.path());
  await expect(viewer.getByTestId('rollout-summary')).toContainText('Read');
  await expect(viewer.getByTestId('bad-line-count')).toHaveText('0 bad');
  await expect(viewer.getByTestId('file-views')).toContainText("RTO's DPO and KL channels per token");
  expect(await shownFor(viewer.locator('.heatmap'), CHANNELS)).toEqual(live);
  // The reward views are there too, a series per method.
  await expect(viewer.getByTestId('rollout-reward-chart')).toBeVisible();
  await expect(viewer.getByTestId('rollout-gold-chart')).toBeVisible();
  await expect(viewer.getByTestId('rollout-table').getByTestId('response-row').first()).toBeVisible();
  await expect(viewer.getByTestId('token-views-note')).toHaveCount(0);
  expect(watch.foreignRequests).toEqual([]);
});

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

test('a file with bad lines lists them by number and uses only the good ones', async ({ page }) => {
  await page.goto('/#hide=intro,labs,pipeline,sft,rlhf,score,scale,theory');
  const good = (step: number, reward: number) => line({ step, prompt: 'p', response: 'r', response_tokens: ['r', '<eos>'], reward, logprobs: [-1, -2], ref_logprobs: [-1.5, -2] });
  const text = [
    good(0, 1),
    'this is not json\n',
    '{"step": 0, "reward": NaN}\n',
    line({ step: 0, reward: 'high' }),
    line({ step: 1, response_tokens: ['a', 'b', 'c'], logprobs: [-1] }),
    '\n',
    good(1, 3),
    '[1, 2]\n',
  ].join('');
  const viewer = page.getByTestId('rollout-viewer');
  await viewer.getByTestId('rollout-files').setInputFiles({ name: 'bad.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await expect(viewer.getByTestId('rollout-summary')).toContainText('Read 2 records from 1 file');
  await expect(viewer.getByTestId('bad-line-count')).toHaveText('5 bad');
  const listed = viewer.getByTestId('bad-lines').locator('li');
  await expect(listed).toHaveCount(5);
  expect(await listed.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).toEqual([2, 3, 4, 5, 8]);
  await expect(listed.nth(0)).toContainText('line 2: not JSON');
  await expect(listed.nth(1)).toContainText('NaN or Infinity');
  await expect(listed.nth(2)).toContainText('reward must be a number, got a string');
  await expect(listed.nth(3)).toContainText('logprobs has 1 values for 3 response_tokens');
  await expect(listed.nth(4)).toContainText('not a JSON object');
  // The good lines alone make the views: two steps, one response each.
  await expect(viewer.getByTestId('rollout-reward-chart')).toHaveAttribute('data-points', '2');
  await expect(viewer.getByTestId('rollout-table').getByTestId('response-row')).toHaveCount(1);
});

test('a text-only log shows the reward views and says the token views need token arrays', async ({ page }) => {
  await page.goto('/#hide=intro,labs,pipeline,sft,rlhf,score,scale,theory');
  const rows: string[] = [];
  for (let step = 0; step < 3; step++) {
    for (let i = 0; i < 4; i++) rows.push(line({ prompt: `问题 ${i}`, response: `ответ ${i} مرحبا 👋`, reward: step + i / 10, step, ref_response: `réf ${i}`, ref_reward: i / 10 }));
  }
  const viewer = page.getByTestId('rollout-viewer');
  await viewer.getByTestId('rollout-files').setInputFiles({ name: 'text-only.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(rows.join('')) });
  await expect(viewer.getByTestId('rollout-summary')).toContainText('Read 12 records');
  await expect(viewer.getByTestId('rollout-reward-chart')).toHaveAttribute('data-points', '3');
  await expect(viewer.getByTestId('reward-histogram')).toHaveAttribute('data-count', '4');
  await expect(viewer.getByTestId('minus-ref-histogram')).toHaveAttribute('data-count', '4');
  const table = viewer.getByTestId('rollout-table');
  await expect(table.getByTestId('response-row')).toHaveCount(4);
  // Text of any script as it is; sorted by reward, highest first.
  await table.getByTestId('sort-score').click();
  await table.getByTestId('sort-score').click();
  expect(await table.locator('td[data-col="response"]').allInnerTexts()).toEqual([3, 2, 1, 0].map((i) => `ответ ${i} مرحبا 👋`));
  expect(await table.locator('td[data-col="prompt"]').first().innerText()).toBe('问题 3');
  await expect(table.getByTestId('ref-response').first()).toHaveText('réf 3');
  await expect(viewer.getByTestId('token-views-note')).toContainText('need token arrays');
  await expect(viewer.getByTestId('token-views-note')).toContainText('response_tokens and one of logprobs');
  await expect(viewer.locator('[data-testid^="heatmap-"]')).toHaveCount(0);
  // An earlier step from the picker.
  await viewer.getByTestId('rollout-step').selectOption('0');
  await expect(viewer.getByRole('heading', { name: 'Responses at step 0' })).toBeVisible();
});

test('a large log shows its progress and Cancel keeps what was read', async ({ page }, testInfo) => {
  await page.goto('/#hide=intro,labs,pipeline,sft,rlhf,score,scale,theory');
  // About 150 MB: lines with 512-token arrays, so parsing (not the disk) is what takes the time.
  const tokens = Array.from({ length: 512 }, (_, i) => `t${i}`);
  const values = tokens.map((_, i) => -1 - (i % 7) / 10);
  const path = testInfo.outputPath('large.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 16_000; i++) lines.push(line({ step: Math.floor(i / 64), prompt: 'p', response: 'r', response_tokens: tokens, reward: i % 5, logprobs: values, ref_logprobs: values }));
  writeFileSync(path, lines.join(''));
  const viewer = page.getByTestId('rollout-viewer');
  await viewer.getByTestId('rollout-files').setInputFiles(path);
  const progress = viewer.getByTestId('rollout-progress');
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('value')), { timeout: 30_000 }).toBeGreaterThan(0);
  await viewer.getByTestId('rollout-cancel').click();
  await expect(viewer.getByTestId('rollout-summary')).toContainText('Cancelled: showing what was read', { timeout: 30_000 });
  await expect(viewer.getByTestId('rollout-file')).toContainText('Read in part: cancelled after');
  const read = Number(/showing what was read, ([\d,]+) records/.exec(await viewer.getByTestId('rollout-summary').innerText())![1]!.replace(/,/g, ''));
  expect(read).toBeGreaterThan(0);
  expect(read).toBeLessThan(16_000);
});

test('files of one run dropped together merge by step, and the pad token is stripped on request', async ({ page }) => {
  await page.goto('/#hide=intro,labs,pipeline,sft,rlhf,score,scale,theory');
  const rec = (step: number, reward: number) => line({ step, prompt: 'p', response: 'ok<pad><pad>', response_tokens: ['ok', '<pad>', '<pad>'], reward, logprobs: [-1, -3, -3], ref_logprobs: [-1.5, -3, -3] });
  const rank0 = rec(0, 1) + rec(1, 2);
  const rank1 = rec(0, 3) + rec(1, 4) + rec(2, 5);
  const viewer = page.getByTestId('rollout-viewer');
  await viewer.getByTestId('rollout-pad').fill('<pad>');
  const drop = await page.evaluateHandle(([a, b]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([a!], 'rank0.jsonl', { type: 'application/x-ndjson' }));
    dt.items.add(new File([b!], 'rank1.jsonl', { type: 'application/x-ndjson' }));
    return dt;
  }, [rank0, rank1]);
  await viewer.dispatchEvent('drop', { dataTransfer: drop });
  await expect(viewer.getByTestId('rollout-summary')).toContainText('Read 5 records from 2 files');
  await expect(viewer.getByTestId('rollout-file')).toHaveCount(2);
  await expect(viewer.getByTestId('rollout-file').nth(1)).toContainText('rank1.jsonl');
  await expect(viewer.getByTestId('file-tokens').nth(1)).toContainText('6 trailing pad tokens “<pad>” stripped');
  await expect(viewer.getByTestId('rollout-reward-chart')).toHaveAttribute('data-points', '3');
  // Step 0 holds a response of each file; the table's lengths are the tokens left after stripping.
  await viewer.getByTestId('rollout-step').selectOption('0');
  const table = viewer.getByTestId('rollout-table');
  expect(await table.locator('td[data-col="score"]').allInnerTexts()).toEqual(['1.000', '3.000']);
  expect(await table.locator('td[data-col="length"]').allInnerTexts()).toEqual(['1', '1']);
  // The two responses are the same text: flagged as shared, as in the lab's table.
  expect((await table.locator('td[data-col="response"]').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '))).toEqual(['ok shared response', 'ok shared response']);
  // The heatmap at the latest step: rank1's one response, its one token left.
  await expect(viewer.locator('.heatmap').getByTestId('heat-token')).toHaveCount(1);
});
