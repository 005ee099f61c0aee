/**
 * `npm run bench` (a benchmark, not a test): scripts/bench/core.ts's measurements under Node on tfjs-wasm (one thread,
 * SIMD), and the PyTorch reference step (scripts/bench/torch_tiny_gpt.py, /usr/bin/python3) interleaved with the
 * tfjs one in the same run when torch imports. Writes .lab-out/bench/node-<backend>.json, prints a markdown table;
 * the last line is the reference step's ratio tfjs/pytorch.
 *   npm run bench -- [--quick] [--only ref] [--backend wasm|cpu] [--lab FILE] [--write-estimates]
 * --write-estimates writes the per-unit costs of this run into src/ui/expectedTimeFigures.json (expectedTime.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadCorpusAssetFromDisk } from '../../src/cli/assets';
import { readLabFile } from '../../src/cli/labFolder';
import { isNodeBackendName, useNodeBackend } from '../../src/cli/nodeBackend';
import { oracleTask } from '../../src/lab/tasks/oracle';
import { sentimentTask } from '../../src/lab/tasks/sentiment';
import { resolveSettings, type Settings } from '../../src/lab/config';
import { benchLab, refStepTimes } from './core';
import { figuresOf, writeFigures } from './estimates';
import { markdownTable, summarise, type Timing } from './stats';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    lab: { type: 'string', default: 'public/labs/sentiment-small.rtolab' },
    'write-estimates': { type: 'boolean', default: false },
  },
});
const backend = values.backend!;
if (!isNodeBackendName(backend)) throw new Error(`--backend must be wasm or cpu, got ${backend}`);
await useNodeBackend(backend);
const quick = values.quick!;
const log = (line: string) => console.log(`  ${line}`);

function machine() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return { nproc: Number(execFileSync('nproc').toString().trim()), cpu, node: process.version, loadAverageAtStart: load, date: new Date().toISOString() };
}
const info = machine();
console.log(`bench: Node ${info.node}, tfjs ${backend}, ${info.nproc} cores (${info.cpu}), load average ${info.loadAverageAtStart}${quick ? ', quick' : ''}`);

// The reference step, interleaved with PyTorch's in rounds so both see the same machine.
const torchOk = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const rounds = quick ? 1 : 3;
const steps = quick ? 10 : 20;
const tfjsTimes: number[] = [];
const torchTimes: Record<1 | 2, number[]> = { 1: [], 2: [] };
let torchVersion = '';
for (let r = 0; r < rounds; r++) {
  tfjsTimes.push(...(await refStepTimes(3, steps, r)));
  if (!torchOk) continue;
  for (const threads of [1, 2] as const) {
    const out = execFileSync('/usr/bin/python3', ['scripts/bench/torch_tiny_gpt.py', '64', '64', '2', '4', '32', '32', String(steps), '3', String(threads)]).toString();
    const parsed = JSON.parse(out) as { torch: string; samples_ms: number[] };
    torchVersion = parsed.torch;
    torchTimes[threads].push(...parsed.samples_ms);
  }
}
const rows: Timing[] = [summarise(`ref step, tfjs-${backend}`, 'step', tfjsTimes)];
if (torchOk) {
  rows.push(summarise(`ref step, PyTorch ${torchVersion} 1 thread`, 'step', torchTimes[1]));
  rows.push(summarise(`ref step, PyTorch ${torchVersion} 2 threads`, 'step', torchTimes[2]));
}
for (const t of rows) log(`${t.name}: median ${t.median} ms (${t.min}–${t.max}, n ${t.n})`);

let settings: Settings | null = null;
let labInfo: { task: 'sentiment' | 'oracle'; pairsPerPrompt: number } | null = null;
if (values.only !== 'ref') {
  const snapshot = await readLabFile(values.lab!);
  if (!snapshot) throw new Error(`${values.lab} is missing (npm run lab -- prepare-lab)`);
  settings = resolveSettings(snapshot.preset, snapshot.sft?.summary.settings as Partial<Settings>, snapshot.task);
  const task = snapshot.task === 'sentiment' ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed }) : oracleTask({ seed: settings.seed });
  console.log(`lab ${values.lab}: ${snapshot.task}, ${snapshot.preset} preset`);
  if (snapshot.pairs) labInfo = { task: snapshot.task, pairsPerPrompt: snapshot.pairs.train.length / snapshot.pairs.stats.train.prompts };
  rows.push(...(await benchLab(task, snapshot, { quick, log })).rows);
}

const ratio = (a: Timing | undefined, b: Timing | undefined) => (a && b ? a.median / b.median : NaN);
const ref = rows[0];
const result = {
  kind: 'rto-lab bench',
  shell: 'node',
  backend,
  quick,
  machine: { ...info, loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') },
  lab: values.only === 'ref' ? null : values.lab,
  settings,
  rows,
  ratio: torchOk ? { torch1Thread: ratio(ref, rows[1]), torch2Threads: ratio(ref, rows[2]) } : null,
};
mkdirSync('.lab-out/bench', { recursive: true });
const out = `.lab-out/bench/node-${backend}${quick ? '-quick' : ''}.json`;
writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
console.log(`\n${markdownTable(`Node, tfjs-${backend}`, rows)}\n`);
console.log(`machine: ${info.nproc} cores, ${info.cpu}, Node ${info.node}; load average ${info.loadAverageAtStart} at start, ${result.machine.loadAverageAtEnd} at the end. JSON: ${out}`);
if (values['write-estimates']) {
  if (quick || values.only === 'ref' || !settings || !labInfo) throw new Error('--write-estimates needs a full run (no --quick, no --only ref)');
  const written = writeFigures(backend, figuresOf('node', info, settings, labInfo.task, labInfo.pairsPerPrompt, rows));
  console.log(`estimates for ${backend} written to ${written}`);
}
if (torchOk) {
  const r1 = result.ratio!.torch1Thread;
  console.log(`ratio tfjs/pytorch ${r1.toFixed(2)} (tfjs-${backend} ${ref!.median} ms, PyTorch 1 thread ${rows[1]!.median} ms; against 2 threads ${rows[2]!.median} ms: ${result.ratio!.torch2Threads.toFixed(2)})`);
} else {
  console.log(`ratio tfjs/pytorch: not measured (/usr/bin/python3 -c "import torch" fails); tfjs-${backend} ${ref!.median} ms`);
}
