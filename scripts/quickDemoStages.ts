/**
 * The Quick demo's work without the page (a benchmark, not a test): the page worker's own code (session.ts's
 * loadQuickDemo, rlhfJobs.ts's runStage) on tfjs-wasm under Node, with the jobs the Quick demo posts (the tiny preset
 * and the demo's own settings, src/lab/quickDemoSettings.ts), so the results are the page's to the digit. Prints each
 * stage's time and results.
 *
 *   npx tsx scripts/quickDemoStages.ts            the four stages one after another, in this process
 *   npx tsx scripts/quickDemoStages.ts --pairs    then what two cores give: RM and DPO, then PPO and RTO, each
 *                                                 first alone and then two at once, each in its own process
 *   npx tsx scripts/quickDemoStages.ts --prepared  first what the page does while its visitor reads (quickDemo.ts's
 *                                                 prepareQuickDemo and its work ahead), timed apart from the stages
 *   npx tsx scripts/quickDemoStages.ts --events F  writes every event the four stages post to F (JSON lines, the
 *                                                 stages' `seconds` left out), to compare two runs to the bit
 *
 * With --pairs every timed stage runs in a child process (`--only STAGE`) that first makes the stages it needs
 * (untimed), says it is ready, and starts when told to, so the two of a pair start together. The page runs the
 * stages one after another in one worker; this measures what running two at once would give on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { useNodeBackend } from '../src/cli/nodeBackend';
import type { RlhfStage, RunJob } from '../src/worker/protocol';
import { runStage } from '../src/worker/rlhfJobs';
import { writeFileSync } from 'node:fs';
import { loadQuickDemo, prepareQuickDemo, settleQuickDemo } from '../src/worker/quickDemo';
import { serveFolder } from './staticServer';
import { QUICK_DEMO_SETTINGS } from '../src/lab/quickDemoSettings';

type TimedStage = Exclude<RlhfStage, 'preferences'>;
const STAGES: readonly TimedStage[] = ['rm', 'dpo', 'ppo', 'rto'];
const NEEDS: Record<TimedStage, TimedStage[]> = { rm: [], dpo: [], ppo: ['rm'], rto: ['rm', 'dpo'] };
const PAIRS: readonly [TimedStage, TimedStage][] = [
  ['rm', 'dpo'],
  ['ppo', 'rto'],
];


const jobOf = (stage: TimedStage, dataUrl: string): Extract<RunJob, { kind: 'stage' }> => ({ kind: 'stage', stage, preset: 'tiny', overrides: { ...QUICK_DEMO_SETTINGS }, dataUrl, ...(stage === 'rto' ? { method: 'rto' as const } : {}) });

/** Every event the stages posted, and each stage's result values (--events). */
const events: string[] = [];

/** One stage as the worker runs it; its seconds (wall) and result values. */
async function timeStage(stage: TimedStage, dataUrl: string): Promise<{ seconds: number; values: Record<string, number> }> {
  const started = performance.now();
  const post = (event: unknown) => events.push(JSON.stringify(event));
  const result = await runStage({ runId: `bench-${stage}`, backend: 'wasm', post, cancelled: () => false, pauseGate: () => Promise.resolve() }, jobOf(stage, dataUrl));
  if (result.kind !== 'stage') throw new Error(`stage ${stage} gave a ${result.kind} result`);
  events.push(JSON.stringify({ stage, values: result.values }));
  return { seconds: (performance.now() - started) / 1000, values: result.values };
}

const shown = (v: Record<string, number>) =>
  ['heldOutAccuracy', 'gold', 'kl', 'length']
    .filter((k) => v[k] !== undefined)
    .map((k) => `${k} ${v[k]!.toFixed(3)}`)
    .join(', ');

/** A child of --pairs: makes what `stage` needs, says "ready", waits for "go" on stdin, then times the stage. */
async function child(stage: TimedStage, dataUrl: string): Promise<void> {
  for (const need of NEEDS[stage]) await timeStage(need, dataUrl);
  console.log('ready');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  const { seconds } = await timeStage(stage, dataUrl);
  console.log(JSON.stringify({ stage, seconds }));
}

/** Runs children for `stages` (one or two), started together once all are ready; each one's seconds. */
async function together(stages: readonly TimedStage[]): Promise<number[]> {
  const children: ChildProcess[] = stages.map((s) => spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--only', s], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((c) => createInterface({ input: c.stdout! }));
  const next = (i: number, match: (line: string) => boolean) => new Promise<string>((resolve, reject) => {
    lines[i]!.on('line', (line) => match(line) && resolve(line));
    children[i]!.once('exit', (code) => reject(new Error(`the ${stages[i]} process ended (code ${code}) before it finished`)));
  });
  try {
    await Promise.all(stages.map((_, i) => next(i, (l) => l === 'ready')));
    const results = stages.map((_, i) => next(i, (l) => l.startsWith('{')));
    for (const c of children) c.stdin!.write('go\n');
    return (await Promise.all(results)).map((line) => (JSON.parse(line) as { seconds: number }).seconds);
  } finally {
    for (const c of children) c.kill();
  }
}

const { values: args } = parseArgs({ options: { only: { type: 'string' }, pairs: { type: 'boolean', default: false }, prepared: { type: 'boolean', default: false }, events: { type: 'string' } } });
await useNodeBackend('wasm');
// The worker's code fetches the app's files (public/) as in the page.
const { base, close } = await serveFolder(join(process.cwd(), 'public'));
try {
  const dataUrl = `${base}data/brown.json`;
  const files = [`${base}quick/sft.ckpt`, `${base}quick/prefs.json`] as const;
  let ahead = '';
  if (args.prepared) {
    const t = performance.now();
    await prepareQuickDemo(...files, dataUrl, 'wasm');
    await settleQuickDemo();
    ahead = `; before the click ${((performance.now() - t) / 1000).toFixed(1)} s`;
  }
  const t0 = performance.now();
  await loadQuickDemo(...files, 'wasm', dataUrl);
  const load = (performance.now() - t0) / 1000;
  const only = args.only;
  if (only) {
    if (!(STAGES as readonly string[]).includes(only)) throw new Error(`--only takes one of ${STAGES.join(', ')}, got ${only}`);
    await child(only as TimedStage, dataUrl);
  } else {
    console.log(`Quick demo's stages under Node (tfjs-wasm, one thread), ${new Date().toISOString()}${ahead}; load ${load.toFixed(1)} s`);
    let total = load;
    for (const stage of STAGES) {
      const { seconds, values } = await timeStage(stage, dataUrl);
      total += seconds;
      console.log(`${stage}: ${seconds.toFixed(1)} s (${shown(values)})`);
    }
    console.log(`one after another, with the load: ${total.toFixed(1)} s`);
    if (args.events) writeFileSync(args.events, `${events.join('\n')}\n`);
    if (args.pairs) {
      for (const pair of PAIRS) {
        const alone: [number, number] = [(await together([pair[0]]))[0]!, (await together([pair[1]]))[0]!];
        const both = await together(pair);
        const serial = alone[0] + alone[1];
        const parallel = Math.max(...both);
        console.log(
          `${pair.join(' and ')}: alone ${alone.map((s) => s.toFixed(1)).join(' + ')} = ${serial.toFixed(1)} s; two at once ${both.map((s) => s.toFixed(1)).join(' and ')} s, so ${parallel.toFixed(1)} s for both (×${(parallel / serial).toFixed(2)})`,
        );
      }
    }
  }
} finally {
  await close();
}
