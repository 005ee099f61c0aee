import { expect, test, waitForBackend } from './fixtures';

// One setup for the page: task, preset and settings come from the address, both panels show and change the same
// values, every change goes back into the address, and "Run the whole chain" trains SFT on it, then every stage.

test('both panels show the setup of the address, and a change in either goes to the other and to the address', async ({ page }) => {
  await page.goto('/#preset=small&task=oracle');
  for (const panel of ['sft', 'rlhf']) {
    await expect(page.getByTestId(`${panel}-task`)).toHaveValue('oracle');
    await expect(page.getByTestId(`${panel}-preset`)).toHaveValue('small');
  }
  await expect(page.getByTestId('sft-steps')).toHaveValue('600');

  await page.getByTestId('rlhf-task').selectOption('sentiment');
  await expect(page.getByTestId('sft-task')).toHaveValue('sentiment');
  await expect(page).toHaveURL(/task=sentiment/);
  await page.locator('#sft-preset').selectOption('tiny');
  await expect(page.locator('#rlhf-preset')).toHaveValue('tiny');
  await expect(page.getByTestId('sft-steps')).toHaveValue('300');
  await expect(page).toHaveURL(/preset=tiny/);
  await page.getByTestId('sft-steps').fill('5');
  await expect(page).toHaveURL(/sftSteps=5/);
  await page.reload();
  await expect(page.getByTestId('sft-steps')).toHaveValue('5');
  await expect(page.getByTestId('rlhf-task')).toHaveValue('sentiment');
  // A changed setting makes the setup "custom"; "Back to the preset" drops it, here and in the address.
  await expect(page.getByTestId('rlhf-custom')).toHaveText('custom: SFT steps changed');
  await page.getByTestId('rlhf-reset').click();
  await expect(page.getByTestId('sft-steps')).toHaveValue('300');
  await expect(page.getByTestId('sft-custom')).toHaveCount(0);
  await expect(page).not.toHaveURL(/sftSteps/);

  // A link with hide=preset fixes the setup: no pickers, the panels name it.
  await page.goto('/#preset=small&task=oracle&hide=preset');
  await page.reload();
  await expect(page.locator('#sft-preset, #rlhf-preset, #sft-task, #rlhf-task')).toHaveCount(0);
  await expect(page.getByTestId('sft-setup')).toHaveText('Task oracle, preset small (set by the link)');
});

test('"Run the whole chain" with no SFT model trains SFT on the setup, then runs every later stage', async ({ page, watch }) => {
  await page.goto(
    '/?backend=wasm#preset=tiny&task=oracle&sftSteps=3&prefPrompts=100&prefHeldOutPrompts=40&rmEpochs=1&dpoEpochs=1&rlIterations=2&rlPrompts=8&rlMinibatches=2&rlEvalPrompts=8&rlEvalEvery=1&rlTokensEvery=1',
  );
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('sft-task')).toHaveValue('oracle');
  await expect(page.getByTestId('rlhf-task')).toHaveValue('oracle');
  await expect(page.locator('#sft-preset')).toHaveValue('tiny');
  await expect(page.locator('#rlhf-preset')).toHaveValue('tiny');
  await expect(page.getByTestId('sft-steps')).toHaveValue('3');

  const runAll = page.getByTestId('run-all');
  await expect(runAll).toHaveText('Run the whole chain (SFT → RTO)');
  await runAll.click();
  await expect(page.getByTestId('sft-run')).toBeVisible();
  const summary = page.getByTestId('sft-summary');
  await expect(summary).toHaveAttribute('data-steps', '3', { timeout: 60_000 });
  await expect(page.locator('[data-stage="sft"]')).toHaveAttribute('data-status', 'done');
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) {
    await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  }
  await expect(runAll).toHaveText('All stages done');
  await expect(runAll).toBeDisabled();
  // The oracle's true token reward is there: the chain ran on the address's task.
  await expect(page.getByLabel('Heatmap channel').locator('option[value="trueReward"]')).toHaveCount(1);

  // Another task in the picker goes into the address; the stages say they still use the model's.
  await page.getByTestId('sft-task').selectOption('sentiment');
  await expect(page).toHaveURL(/task=sentiment/);
  await expect(page.getByTestId('rlhf-task')).toHaveValue('sentiment');
  await expect(page.getByTestId('task-mismatch')).toContainText('trained on the oracle task');
  expect(watch.consoleErrors).toEqual([]);
});
