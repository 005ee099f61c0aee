/**
 * `npm test`: typecheck, lint, unit tests (Vitest, Node), the Python module's tests (python/, unittest through
 * python3), then e2e (Playwright, Debian Chromium, production build), in that order. Every step runs even if an earlier one failed, so one run shows everything that is wrong; the last
 * line sums the test counts ("N passed, N failed") and the exit code is non-zero if anything failed.
 * Before the e2e step it makes sure there is a Chromium (chromium.ts: installs Debian's where it can, otherwise the
 * step fails with a message saying how to get one), so `npm ci && npm test` is all a fresh machine needs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium, machineFacts, runNonInteractive } from './chromium';

interface Step {
  name: string;
  command: string;
  /** Set-up before the command; returns null when the command can run, else why it cannot (the step fails). */
  prepare?: () => string | null;
  /** Reads passed/failed test counts from the step's JSON report, for steps that run tests. */
  counts?: () => { passed: number; failed: number; skipped: number };
}

const readJson = (path: string): unknown => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

/** Counts from unittest's summary ("Ran 13 tests", then "OK (skipped=1)" or "FAILED (failures=1, errors=2)"); no summary is a failure. */
function unittestCounts(text: string): { passed: number; failed: number; skipped: number } {
  const ran = /^Ran (\d+) tests?/m.exec(text);
  if (!ran) return { passed: 0, failed: 1, skipped: 0 };
  const tally = (key: string) => Number(new RegExp(`^(?:OK|FAILED) \\(.*\\b${key}=(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const failed = tally('failures') + tally('errors') + tally('unexpected successes');
  const skipped = tally('skipped');
  return { passed: Number(ran[1]) - failed - skipped, failed, skipped };
}

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
    // python/*: the RL Logging Board writer (standard library only). -B keeps __pycache__ out of the tree; unittest
    // reports on stderr, kept in a file for the counts and then shown.
    name: 'python',
    command: 'python3 -B -m unittest discover -s python -p "test_*.py" -v 2> test-results/python.txt; status=$?; cat test-results/python.txt; exit $status',
    prepare: () =>
      spawnSync('python3', ['--version']).status === 0 ? null : 'python3 was not found on PATH; this step runs python/test_*.py with it (install Python 3, e.g. apt-get install python3)',
    counts: () => unittestCounts(existsSync('test-results/python.txt') ? readFileSync('test-results/python.txt', 'utf8') : ''),
  },
  {
    name: 'e2e',
    command: 'npm run build && npx playwright test',
    prepare: () => ensureChromium(machineFacts(), runNonInteractive),
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
  const blocked = step.prepare?.() ?? null;
  if (blocked) process.stdout.write(`${step.name} cannot run: ${blocked}\n`);
  const ok = !blocked && spawnSync(step.command, { shell: true, stdio: 'inherit' }).status === 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  anyFailed ||= !ok;
  if (step.counts) {
    const c = step.counts();
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
    summary.push(`${step.name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} (${seconds} s)${ok ? '' : blocked ? ` — FAILED: ${blocked}` : ' — FAILED'}`);
  } else {
    summary.push(`${step.name}: ${ok ? 'ok' : 'FAILED'} (${seconds} s)`);
  }
}
process.stdout.write(`\n=== summary\n${summary.join('\n')}\n`);
// A step that failed outside its tests (a crash, a build error) still counts as a failure.
if (anyFailed && totals.failed === 0) totals.failed = 1;
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exit(anyFailed ? 1 : 0);
