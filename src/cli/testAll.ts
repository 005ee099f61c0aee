/**
 * `npm test`: typecheck, lint, unit tests (Vitest, Node), then e2e (Playwright, Debian Chromium, production build),
 * in that order. Every step runs even if an earlier one failed, so one run shows everything that is wrong; the last
 * line sums the test counts ("N passed, N failed") and the exit code is non-zero if anything failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

interface Step {
  name: string;
  command: string;
  /** Reads passed/failed test counts from the step's JSON report, for steps that run tests. */
  counts?: () => { passed: number; failed: number; skipped: number };
}

const readJson = (path: string): unknown => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

const steps: Step[] = [
  { name: 'typecheck', command: 'npx tsc -p tsconfig.json --noEmit' },
  { name: 'lint', command: 'npx eslint . --max-warnings 0' },
  {
    name: 'unit',
    command: 'npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json',
    counts: () => {
      const r = readJson('test-results/unit.json') as { numPassedTests: number; numFailedTests: number; numPendingTests: number } | null;
      return r ? { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests } : { passed: 0, failed: 1, skipped: 0 };
    },
  },
  {
    name: 'e2e',
    command: 'npm run build && npx playwright test',
    counts: () => {
      const r = readJson('test-results/e2e.json') as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } } | null;
      return r
        ? { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped }
        : { passed: 0, failed: 1, skipped: 0 };
    },
  },
];

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const summary: string[] = [];
let anyFailed = false;
for (const step of steps) {
  process.stdout.write(`\n=== ${step.name}: ${step.command}\n`);
  const started = Date.now();
  const run = spawnSync(step.command, { shell: true, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = run.status === 0;
  anyFailed ||= !ok;
  if (step.counts) {
    const c = step.counts();
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
    summary.push(`${step.name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} (${seconds} s)${ok ? '' : ' — FAILED'}`);
  } else {
    summary.push(`${step.name}: ${ok ? 'ok' : 'FAILED'} (${seconds} s)`);
  }
}
process.stdout.write(`\n=== summary\n${summary.join('\n')}\n`);
// A step that failed outside its tests (a crash, a build error) still counts as a failure.
if (anyFailed && totals.failed === 0) totals.failed = 1;
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exit(anyFailed ? 1 : 0);
