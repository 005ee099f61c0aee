import { expect, test, waitForBackend } from './fixtures';

// The expected time before Start (src/ui/expectedTime.ts, figures from npm run bench:browser -- --write-estimates).
test('before Start, every stage card shows its expected time on the active backend, the tiny preset’s too, and none for an unmeasured model size', async ({ page, watch }) => {
  await page.goto('/?backend=wasm#preset=small&task=sentiment');
  expect(await waitForBackend(page)).toBe('wasm');
  const line = /^Expected time: about \d+ (min|s)( \d+ s)? on wasm \(measured on a \d+-core machine\)$/;
  await expect(page.getByTestId('expected-sft')).toHaveText(line);
  for (const stage of ['preferences', 'rm', 'dpo', 'ppo', 'rto']) await expect(page.getByTestId(`expected-${stage}`)).toHaveText(line);
  // The tiny preset's model (1 layer, width 32) was measured too (under Node, on its own prepared lab).
  await page.goto('/?backend=wasm#preset=tiny&task=sentiment');
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('expected-sft')).toHaveText(/^Expected time: about \d+ (min|s)( \d+ s)? on wasm \(measured on a \d+-core machine(, under Node)?\)$/);
  // A width nobody measured: no guess.
  await page.goto('/?backend=wasm#preset=tiny&task=sentiment&width=48');
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('expected-sft')).toHaveText(/^Expected time: no estimate for this model size on wasm yet \(measured: /);
  expect(watch.consoleErrors).toEqual([]);
});
