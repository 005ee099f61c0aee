import type { Page } from '@playwright/test';
import { loadCorpusAssetFromDisk } from '../src/cli/assets';
import { useNodeBackend } from '../src/cli/nodeBackend';
import { resolveSettings } from '../src/lab/config';
import { modelOf, sftSettingsOf } from '../src/lab/stageSettings';
import { disposeParams } from '../src/lab/model/gpt';
import { sentimentTask } from '../src/lab/tasks/sentiment';
import { runSft } from '../src/lab/train/sft';
import { expect, test, waitForBackend } from './fixtures';

const STEPS = 3;
let nodeReference: number | null = null;

/** The held-out loss after STEPS tiny SFT steps, computed by the same src/lab code under Node (wasm backend). */
async function referenceLoss(): Promise<number> {
  if (nodeReference !== null) return nodeReference;
  await useNodeBackend('wasm');
  const s = resolveSettings('tiny', { sftSteps: STEPS });
  const task = sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: s.vocabSize, seed: s.seed });
  const r = await runSft({
    task,
    model: modelOf(s),
    seed: s.seed,
    // As the worker's SFT job runs it (src/worker/jobs.ts); samples do not change the loss.
    settings: { ...sftSettingsOf(s, 0), evalExamples: 512 },
  });
  disposeParams(r.params);
  nodeReference = r.heldOutLoss;
  return nodeReference;
}

async function trainInPage(page: Page, backend: string): Promise<number> {
  await page.goto(`/?backend=${backend}`);
  expect(await waitForBackend(page)).toBe(backend);
  await page.getByTestId('sft-steps').fill(String(STEPS));
  await page.getByTestId('sft-start').click();
  const summary = page.getByTestId('sft-summary');
  await expect(summary).toBeVisible({ timeout: 170_000 });
  await expect(summary).toHaveAttribute('data-steps', String(STEPS));
  await expect(page.getByTestId('sft-loss-chart')).toHaveAttribute('data-points', String(STEPS));
  await expect(page.getByTestId('sft-samples')).toBeVisible();
  await expect(page.locator('[data-stage="sft"]')).toHaveAttribute('data-status', 'done');
  return Number(await summary.getAttribute('data-heldout-loss'));
}

for (const backend of ['webgpu', 'webgl', 'cpu'] as const) {
  test(`SFT trains in the worker on ${backend} and lands where Node's wasm run does (within 1e-4)`, async ({ page, watch }) => {
    const inPage = await trainInPage(page, backend);
    const reference = await referenceLoss();
    console.log(`${backend}: held-out loss after ${STEPS} tiny SFT steps ${inPage.toFixed(7)} (Node wasm ${reference.toFixed(7)})`);
    // Untrained the loss is ln(1439) ≈ 7.27; three steps (the first at LR 0) move it to 6.79 (Node wasm, seed 1).
    expect(inPage).toBeLessThan(7.0);
    expect(Math.abs(inPage - reference)).toBeLessThan(1e-4);
    expect(watch.consoleErrors).toEqual([]);
  });
}

test('SFT on wasm in the browser gives exactly the numbers of the same code under Node; its checkpoint round-trips', async ({ page, watch }) => {
  const inPage = await trainInPage(page, 'wasm');
  const reference = await referenceLoss();
  console.log(`wasm held-out loss: browser ${inPage}, Node ${reference}`);
  expect(Math.abs(inPage - reference)).toBeLessThan(1e-6);
  await page.getByRole('heading', { name: /Supervised fine-tuning/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/sft-panel.png', fullPage: true });

  // Save the checkpoint, load it back: the page reports the same model.
  const download = page.waitForEvent('download');
  await page.getByTestId('sft-save').click();
  const file = await (await download).path();
  await page.getByTestId('sft-load').setInputFiles(file);
  await expect(page.getByTestId('sft-summary')).toHaveAttribute('data-heldout-loss', String(inPage));
  // A file that is not a checkpoint is refused with a reason, and the model stays.
  await page.getByTestId('sft-load').setInputFiles({ name: 'notes.ckpt', mimeType: 'application/octet-stream', buffer: Buffer.from('not a checkpoint') });
  await expect(page.getByTestId('sft-file-error')).toContainText('could not load the checkpoint');
  await expect(page.getByTestId('sft-summary')).toBeVisible();
  expect(watch.consoleErrors).toEqual([]);
});
