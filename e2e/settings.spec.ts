import { HIDEABLE } from '../src/ui/urlConfig';
import { expect, test } from './fixtures';

// Bad settings, once: a cross-field rule (src/lab/config.ts CROSS_FIELD_RULES) is reported when the setting enters.

test('heads that do not divide the width are reported at load, before any stage, with the rule message', async ({ page, watch }) => {
  await page.goto('/#preset=tiny&heads=3');
  await expect(page.getByTestId('notice').filter({ hasText: 'Address:' })).toHaveText('Address: Width (32) must be divisible by Heads (3); heads=3 ignored');
  await expect(page.getByTestId('pipeline')).toBeVisible();
  expect(await page.evaluate(() => window.location.hash)).toBe('#preset=tiny&heads=3');
  expect(watch.consoleErrors).toEqual([]);
});

test('the settings editor shows a broken rule next to both fields as the user types, and clears it when fixed', async ({ page }) => {
  await page.goto('/#preset=tiny');
  const ppo = page.getByTestId('stage-ppo');
  await ppo.getByText('Settings').click();
  const minibatches = ppo.locator('[data-setting="rlMinibatches"]');
  const prompts = ppo.locator('[data-setting="rlPrompts"]');
  await minibatches.fill('3');
  const message = 'Prompts per rollout (64) must be divisible by Minibatches (3)';
  for (const field of [minibatches, prompts]) {
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator(`#${await field.getAttribute('aria-describedby')}`)).toHaveText(message);
  }
  await prompts.fill('48'); // divisible by 3, and by the group size (4) of the other rule on this field
  await expect(minibatches).toHaveAttribute('aria-invalid', 'false');
  await expect(prompts).toHaveAttribute('aria-invalid', 'false');
});

test('a 300-character bogus value in the address wraps instead of widening the page', async ({ page }) => {
  await page.goto(`/#seed=${'x'.repeat(300)}`);
  await expect(page.getByTestId('notice').filter({ hasText: 'is not a number; ignored' })).toBeVisible();
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
  // Without the wrapping rule the same line runs off the page (the check above could not pass by accident).
  const widened = await page.evaluate(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="notice"]')) el.style.setProperty('overflow-wrap', 'normal', 'important');
    return document.documentElement.scrollWidth > document.documentElement.clientWidth;
  });
  expect(widened).toBe(true);
});

test('hiding every part leaves a note saying how to show them again, and its button does', async ({ page }) => {
  await page.goto(`/#preset=small&hide=${HIDEABLE.join(',')}`);
  const note = page.getByTestId('hidden-parts-note');
  await expect(note).toContainText('remove hide= from the address');
  await expect(page.getByTestId('pipeline')).toHaveCount(0);
  await note.getByRole('button', { name: 'Show every part' }).click();
  await expect(page.getByTestId('pipeline')).toBeVisible();
  await expect(page.getByTestId('hidden-parts-note')).toHaveCount(0);
  expect(await page.evaluate(() => window.location.hash)).toBe('#preset=small');
  await page.goto('/#hide=backend,score');
  await expect(page.getByTestId('pipeline')).toBeVisible();
  await expect(page.getByTestId('hidden-parts-note')).toHaveCount(0);
});
