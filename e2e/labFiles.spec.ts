import { resolveSettings } from '../src/lab/config';
import { encodeLabFile } from '../src/lab/lab/labFile';
import { makeSnapshot, splitLabFile, withHeader } from '../src/lab/lab/labFileFixture';
import { oracleTask } from '../src/lab/tasks/oracle';
import { expect, test, waitForBackend } from './fixtures';

// Open lab with good and bad files. A good one opens (its SFT loss and RM accuracy measured again, not taken from the file); every
// kind of bad one is refused with its own message, and neither the open lab nor the saved labs change.
function validLab(): Uint8Array {
  const task = oracleTask({ seed: 1 });
  const config = { vocabSize: task.tokenizer.size, contextLength: task.maxPromptLength + task.horizon, layers: 1, heads: 2, width: 16, scalarHead: false };
  const s = makeSnapshot({ config, seed: 3 });
  const settings = resolveSettings('tiny', { seed: 1 }, 'oracle');
  // The file claims a held-out loss of 9.99: the page must show the loss it measures itself.
  const summary = { task: 'oracle', steps: 300, stopped: false, heldOutLoss: 9.99, heldOutPerplexity: 21_807, unigramLoss: 2.9, parameters: 0, seconds: 1, settings, backend: 'wasm' };
  // A finished reward-model stage whose file claims a held-out accuracy of 0.999: the card must show the measured one.
  const rmJob = { kind: 'stage', stage: 'rm', preset: 'tiny', overrides: {}, dataUrl: '' };
  const rmRun = { runId: 'cli-rm-1', job: rmJob, status: 'finished' as const, resume: null, events: [{ type: 'runFinished', runId: 'cli-rm-1', result: { kind: 'stage', stage: 'rm', seconds: 1, values: { heldOutAccuracy: 0.999, steps: 10 } } }] };
  // Pairs the oracle task's policy can produce (responses of the task's fixed length), from its own examples.
  const pairsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => {
    const a = task.heldOut[from + i]!;
    const b = task.heldOut[from + i + 1]!;
    return { prompt: a.prompt, chosen: a.response, rejected: b.response, goldChosen: task.goldReward(a.response), goldRejected: task.goldReward(b.response) };
  });
  const pairs = { ...s.pairs!, train: pairsOf(0, 6), heldOut: pairsOf(10, 4) };
  return encodeLabFile({ ...s, id: 'lab-good', task: 'oracle', preset: 'tiny', vocab: [...task.tokenizer.vocab], sft: { ...s.sft!, summary }, pairs, runs: [rmRun] });
}

const file = (name: string, bytes: Uint8Array) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });

test('a good lab file opens with its numbers measured again; each kind of bad file gets its message and changes nothing', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await waitForBackend(page);
  const good = validLab();
  await page.getByTestId('open-lab').setInputFiles(file('good.rtolab', good));
  await expect(page.getByTestId('saved-labs-message')).toContainText('Opened good.rtolab');
  const summary = page.getByTestId('sft-summary');
  await expect(summary).toHaveAttribute('data-steps', '300');
  const measured = Number(await summary.getAttribute('data-heldout-loss'));
  expect(Number.isFinite(measured) && Math.abs(measured - 9.99) > 0.5).toBe(true);
  await expect(page.getByTestId('summary-rm')).toContainText('held-out accuracy');
  await expect(page.getByTestId('summary-rm')).not.toContainText('0.999');
  await expect(page.getByTestId('saved-lab')).toHaveCount(1);
  const listed = await page.getByTestId('saved-labs-list').textContent();

  const nan = (() => {
    const out = good.slice();
    const { data } = splitLabFile(good);
    new DataView(out.buffer).setFloat32(out.length - data.length, Number.NaN, true); // the SFT model's first weight
    return out;
  })();
  const cases: [string, Uint8Array, RegExp][] = [
    ['signature', new TextEncoder().encode('hello, this is not a lab'), /not an RTO Lab lab file \(it starts with/],
    ['version', withHeader(good, (h) => (h.version = 2)), /made by a newer RTO Lab \(version 2\); this one reads version 1/],
    ['missing field', withHeader(good, (h) => delete h.preset), /preset/],
    ['extra field', withHeader(good, (h) => (h.surprise = 1)), /surprise/],
    ['shape', withHeader(good, (h) => (h.sft.model.config.width = 32)), /SFT model/],
    ['vocabulary', withHeader(good, (h) => (h.vocab[5] = 'zebra')), /another vocabulary than the oracle task's: token id 5 is "zebra"/],
    ['non-finite', nan, /NaN/],
    ['truncated', good.slice(0, good.length - 100), /truncated/],
  ];
  for (const [what, bytes, message] of cases) {
    await page.getByTestId('open-lab').setInputFiles(file(`${what}.rtolab`, bytes));
    await expect(page.getByTestId('saved-labs-message'), what).toHaveText(message);
    await expect(page.getByTestId('saved-labs-message')).toHaveAttribute('role', 'alert');
    // Nothing changed: the open lab, its measured loss, the saved labs.
    await expect(summary).toHaveAttribute('data-heldout-loss', String(measured));
    await expect(page.getByTestId('saved-lab')).toHaveCount(1);
    expect(await page.getByTestId('saved-labs-list').textContent()).toBe(listed);
  }
});
