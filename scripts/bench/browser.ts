/**
 * `npm run bench:browser` (a benchmark, not a test): scripts/bench/core.ts's measurements in headless Debian Chromium
 * (/usr/bin/chromium, WebGPU allowed: SwiftShader here), one page load per backend, on the benchmark page's build
 * (scripts/bench/vite.bench.config.ts → dist-bench/) served by vite preview. A backend that fails to start or runs
 * past --timeout is reported and skipped. Writes .lab-out/bench/browser.json and prints a markdown table per backend.
 * webgl and webgpu run on SwiftShader (the CPU) here, seconds per reference step: by default they time the reference
 * step only (--ref-steps-gpu, one session after 3 warm-up steps); --lab-backends names those that run everything.
 *   npm run bench:browser -- [--backends wasm,webgl,webgpu] [--lab-backends wasm] [--quick] [--only ref]
 *     [--timeout 600] [--write-estimates] [--wasm-threads N]
 * --wasm-threads N runs wasm on tfjs-backend-wasm's threaded SIMD build with N threads (the bench page is served
 * cross-origin isolated by vite.bench.config.ts for it); the JSON then goes to browser-wasm<N>t.json.
 * cpu is left out unless named: the pure-JS backend is about 9× slower than wasm on the same step.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Settings } from '../../src/lab/config';
import { openPreview } from '../previewBrowser';
import { figuresOf, writeFigures } from './estimates';
import { markdownTable, type Timing } from './stats';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,webgl,webgpu' },
    // The lab's measurements (SFT … RL) run on these; the others time the reference step only, fewer steps.
    'lab-backends': { type: 'string', default: 'wasm' },
    'ref-steps-gpu': { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    timeout: { type: 'string', default: '600' },
    port: { type: 'string', default: '4181' },
    dist: { type: 'string', default: 'dist-bench' },
    'write-estimates': { type: 'boolean', default: false },
    'wasm-threads': { type: 'string', default: '0' },
  },
});
const backends = values.backends!.split(',').filter(Boolean);
const labBackends = values['lab-backends']!.split(',').filter(Boolean);
const timeoutMs = Number(values.timeout) * 1000;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const machine = {
  nproc: Number(execFileSync('nproc').toString().trim()),
  cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
  node: process.version,
  chromium: execFileSync('/usr/bin/chromium', ['--version']).toString().trim(),
  loadAverageAtStart: loadavg(),
  date: new Date().toISOString(),
};
console.log(`bench:browser: ${machine.chromium}, ${machine.nproc} cores (${machine.cpu}), load average ${machine.loadAverageAtStart}${values.quick ? ', quick' : ''}`);

interface PageResult {
  backend: string;
  userAgent: string;
  settings: Settings | null;
  lab: { task: 'sentiment' | 'oracle'; pairsPerPrompt: number } | null;
  rows: Timing[];
}
const results: Record<string, PageResult | { error: string }> = {};
const wasmThreads = Number(values['wasm-threads']);
if (!Number.isInteger(wasmThreads) || wasmThreads < 0) throw new Error(`--wasm-threads must be a whole number, got ${values['wasm-threads']}`);
const { base, page, close } = await openPreview(Number(values.port), resolve(values.dist!), 'scripts/bench/vite.bench.config.ts');
try {
  for (const backend of backends) {
    const t0 = performance.now();
    const labToo = !values.only && labBackends.includes(backend);
    const refOnly: Record<string, string> = labToo ? {} : { only: 'ref', refSteps: values['ref-steps-gpu']!, refSessions: '1' };
    const query = new URLSearchParams({ backend, ...(values.quick ? { quick: '1' } : {}), ...(values.only ? { only: values.only } : {}), ...refOnly, ...(backend === 'wasm' && wasmThreads ? { threads: String(wasmThreads) } : {}) });
    await page.goto(`${base}?${query}`);
    let printed = 0;
    let outcome: PageResult | { error: string } | null = null;
    while (!outcome) {
      await new Promise((r) => setTimeout(r, 1000));
      const state = await page.evaluate(() => ({ done: window.__bench, error: window.__benchError, log: window.__benchLog ?? [] }));
      for (const line of state.log.slice(printed)) console.log(`  ${backend}: ${line}`);
      printed = state.log.length;
      if (state.error) outcome = { error: state.error.split('\n')[0] ?? state.error };
      else if (state.done) outcome = state.done as PageResult;
      else if (performance.now() - t0 > timeoutMs) outcome = { error: `still running after ${values.timeout} s (the page was left)` };
    }
    results[backend] = outcome;
    if ('error' in outcome) console.log(`  ${backend}: skipped: ${outcome.error}`);
    else console.log(`  ${backend}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await page.goto('about:blank').catch(() => {});
  await close();
}

mkdirSync('.lab-out/bench', { recursive: true });
const out = `.lab-out/bench/browser${wasmThreads ? `-wasm${wasmThreads}t` : ''}${values.quick ? '-quick' : ''}.json`;
writeFileSync(out, `${JSON.stringify({ kind: 'rto-lab bench', shell: 'chromium', quick: values.quick, machine: { ...machine, loadAverageAtEnd: loadavg() }, results }, null, 1)}\n`);
for (const [backend, r] of Object.entries(results)) {
  const threads = 'error' in r || r.backend !== 'wasm' || !wasmThreads ? '' : `, threaded build, ${wasmThreads} thread${wasmThreads > 1 ? 's' : ''}`;
  console.log(`\n${'error' in r ? `${backend}: ${r.error}` : markdownTable(`Chromium, tfjs-${r.backend}${threads}`, r.rows)}`);
}
console.log(`\nmachine: ${machine.nproc} cores, ${machine.cpu}, ${machine.chromium}; load average ${machine.loadAverageAtStart} at start, ${loadavg()} at the end. JSON: ${out}`);
if (values['write-estimates']) {
  if (values.quick || values.only) throw new Error('--write-estimates needs a full run (no --quick, no --only)');
  for (const [backend, r] of Object.entries(results)) {
    if ('error' in r || !r.settings || !r.lab) continue;
    console.log(`estimates for ${backend} written to ${writeFigures(backend, figuresOf('chromium', machine, r.settings, r.lab.task, r.lab.pairsPerPrompt, r.rows))}`);
  }
}
