import AxeBuilder from '@axe-core/playwright';
import { expect, runTinyChain, test } from './fixtures';

// The response table after the tiny chain (settings in the hash, as rlhf.spec.ts): the latest evaluation's
// responses beside SFT's, sortable, filterable, with the reward-hacking counts.
test('the response table shows each evaluation prompt with SFT beside it, sorts, filters and counts the hacking signs', async ({ page }) => {
  await runTinyChain(page);

  const table = page.getByTestId('response-table');
  const rows = table.getByTestId('response-row');
  // 8 evaluation prompts: one row each, and each row has SFT's response with its gold and length.
  await expect(rows).toHaveCount(8);
  await expect(table).toContainText('iteration 2');
  const sftCells = await table.getByTestId('sft-response').allInnerTexts();
  expect(sftCells).toHaveLength(8);
  for (const cell of sftCells) expect(cell).toMatch(/\(gold -?\d+\.\d{3}, \d+ tokens\)/);
  const lengths = (await table.locator('td[data-col="length"]').allInnerTexts()).map(Number);
  expect(lengths.every((n) => Number.isInteger(n) && n >= 1)).toBe(true);

  // Sorting by gold orders the rows by their gold cells, ascending then descending; aria-sort says which.
  const golds = async () => (await table.locator('td[data-col="gold"]').allInnerTexts()).map(Number);
  const goldHeader = table.locator('th', { has: page.getByTestId('sort-gold') });
  await expect(goldHeader).toHaveAttribute('aria-sort', 'none');
  await page.getByTestId('sort-gold').click();
  await expect(goldHeader).toHaveAttribute('aria-sort', 'ascending');
  const up = await golds();
  expect(up).toEqual([...up].sort((a, b) => a - b));
  await page.getByTestId('sort-gold').click();
  await expect(goldHeader).toHaveAttribute('aria-sort', 'descending');
  const down = await golds();
  expect(down).toEqual([...up].sort((a, b) => b - a));

  // The filter keeps the rows whose prompt or response has the word: a word of one response that not all rows have.
  const texts = await table.locator('td[data-col="response"]').allInnerTexts();
  const prompts = await table.locator('td[data-col="prompt"]').allInnerTexts();
  const hay = texts.map((t, i) => `${prompts[i]} ${t}`.toLowerCase());
  const words = [...new Set(texts.join(' ').toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 2))];
  const word = words.find((w) => hay.some((h) => !h.includes(w)));
  expect(word, `a word of the responses that some row lacks (responses: ${texts.join(' | ')})`).toBeDefined();
  const expected = hay.filter((h) => h.includes(word!)).length;
  await page.getByLabel('Filter by words').fill(word!);
  await expect(rows).toHaveCount(expected);
  expect(expected).toBeLessThan(8);
  for (const t of await rows.allInnerTexts()) expect(t.toLowerCase()).toContain(word!);
  await page.getByLabel('Filter by words').fill('');
  await expect(rows).toHaveCount(8);

  // The counts line of the hacking signs, for the run shown; with PPO and RTO both done there is a run selector.
  await expect(page.getByTestId('hacking-counts')).toContainText(/Signs of reward hacking at iteration 2, 8 prompts: \d+ at the length cap \(\d+\+ of \d+ tokens; SFT: \d+\), \d+ with a repeated word, \d+ giving a response shared/);
  const runSelect = page.getByLabel('Run', { exact: true });
  await expect(runSelect.locator('option')).toHaveCount(2);
  const first = await runSelect.locator('option').first().innerText();
  await runSelect.selectOption({ index: 0 });
  await expect(page.getByTestId('hacking-counts')).toContainText(`${first}: Signs of reward hacking`);
  await expect(rows).toHaveCount(8);

  // axe-core's WCAG 2.1 A/AA rules on the table's area: no serious or critical finding.
  const axe = await new AxeBuilder({ page }).include('.response-table-area').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
