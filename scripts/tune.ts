/**
 * `npm run tune`: the same tuning budget for every method, then one rule to pick each method's setting.
 *   npm run tune -- --task sentiment --preset tiny --seeds 1,2,3 --budget 12 --kl-max dpo|K [--methods ppo,rto] [--parallel 2] [--reuse]
 * Each method draws `budget` settings from its search space (seeded, log-uniform around the task's defaults), runs
 * each on every tuning seed with the experiment runner (one process per setting; the chain of a seed — SFT, pairs,
 * RM, DPO — is trained once, before, and reused), and picks the setting with the highest mean final gold among those
 * whose mean final KL to SFT is at most --kl-max: a number, or `dpo` for the DPO model's own KL to SFT on the same
 * seeds and prompts (a method that beats DPO's gold at DPO's KL uses its KL better than DPO alone). --reuse keeps the
 * results of settings already run (same names, same draws). Report seeds are never tuned on: run them afterwards with
 * `npm run experiment -- --seed-list 4,5,6,7,8 --set ...` and the settings this prints.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveSettings, type Settings } from '../src/lab/config';
import { createRng } from '../src/lab/rng';
import type { ExperimentResults } from '../src/cli/experimentReport';

/** log-uniform in [lo, hi] as multiples of the task's default of `key`. */
interface Dimension {
  key: string;
  lo: number;
  hi: number;
}

/** What each method tunes: PPO its own β2 and actor LR (ppoBeta2, ppoActorLr); RTO β1, c, β2 and the actor LR. */
const SPACES: Record<string, Dimension[]> = {
  ppo: [
    { key: 'ppoBeta2', lo: 0.25, hi: 4 },
    { key: 'ppoActorLr', lo: 0.5, hi: 2 },
  ],
  rto: [
    { key: 'beta2', lo: 0.25, hi: 4 },
    { key: 'beta1', lo: 0.25, hi: 4 },
    { key: 'rtoClip', lo: 0.5, hi: 2 },
    { key: 'actorLr', lo: 0.5, hi: 2 },
  ],
};

const round = (x: number) => Number(x.toPrecision(2));

export function drawSettings(method: string, defaults: Settings, budget: number, seed: string): Record<string, number>[] {
  const space = SPACES[method];
  if (!space) throw new Error(`no search space for ${method} (known: ${Object.keys(SPACES).join(', ')})`);
  const rng = createRng(`${seed}:tune:${method}`);
  return Array.from({ length: budget }, () => {
    const out: Record<string, number> = {};
    for (const d of space) {
      const u = rng.next();
      const factor = Math.exp(Math.log(d.lo) + u * (Math.log(d.hi) - Math.log(d.lo)));
      out[d.key] = round(defaults[d.key as keyof Settings] * factor);
    }
    return out;
  });
}

function runProcess(args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout.on('data', () => undefined);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${log} failed (${code}): ${err.slice(-800)}`))));
  });
}

async function pool<T>(items: T[], parallel: number, work: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await work(x);
  }));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      task: { type: 'string', default: 'sentiment' },
      preset: { type: 'string', default: 'tiny' },
      seeds: { type: 'string', default: '1,2,3' },
      budget: { type: 'string', default: '12' },
      'kl-max': { type: 'string' },
      methods: { type: 'string', default: 'ppo,rto' },
      parallel: { type: 'string', default: '2' },
      out: { type: 'string', default: '.lab-out/tune' },
      reuse: { type: 'boolean', default: false },
    },
  });
  const task = values.task as 'sentiment' | 'oracle';
  const preset = values.preset as 'tiny' | 'small';
  const klArg = values['kl-max'] ?? '';
  if (klArg !== 'dpo' && !(Number(klArg) > 0)) throw new Error('--kl-max K|dpo is required: the rule picks the best final gold among settings with mean final KL ≤ K');
  const budget = Number(values.budget);
  const parallel = Number(values.parallel);
  const seeds = values.seeds;
  const defaults = resolveSettings(preset, {}, task);
  const dir = join(values.out, `${task}-${preset}`);
  await mkdir(dir, { recursive: true });
  // The chain of every seed first, once, so that the parallel runs below only read it.
  process.stderr.write(`training the chain of seeds ${seeds} (reused when present)\n`);
  await runProcess(['src/cli/experiment.ts', '--task', task, '--preset', preset, '--seed-list', seeds, '--modes', 'ppo', '--set', 'rlIterations=1', '--out', dir, '--name', 'chain'], 'chain');
  const chain = JSON.parse(await readFile(join(dir, 'chain.json'), 'utf8')) as ExperimentResults;
  const dpoKl = chain.seeds.reduce((a, x) => a + x.dpo.kl, 0) / chain.seeds.length;
  const dpoGold = chain.seeds.reduce((a, x) => a + x.dpo.gold, 0) / chain.seeds.length;
  const sftGold = chain.seeds.reduce((a, x) => a + x.sft.gold, 0) / chain.seeds.length;
  const klMax = klArg === 'dpo' ? Number(dpoKl.toPrecision(3)) : Number(klArg);
  const jobs = values.methods.split(',').flatMap((method) => drawSettings(method, defaults, budget, `${task}-${preset}`).map((s, i) => ({ method, s, name: `${method}-${i}` })));
  let done = 0;
  await pool(jobs, parallel, async (j) => {
    if (values.reuse && existsSync(join(dir, `${j.name}.json`))) return;
    const sets = Object.entries(j.s).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    await runProcess(['src/cli/experiment.ts', '--task', task, '--preset', preset, '--seed-list', seeds, '--modes', j.method, ...sets, '--out', dir, '--name', j.name], j.name);
    process.stderr.write(`${++done}/${jobs.length} ${j.name} ${JSON.stringify(j.s)}\n`);
  });
  const rows = await Promise.all(jobs.map(async (j) => {
    const r = JSON.parse(await readFile(join(dir, `${j.name}.json`), 'utf8')) as ExperimentResults;
    const mean = (f: (x: ExperimentResults['runs'][number]) => number) => r.runs.reduce((a, x) => a + f(x), 0) / r.runs.length;
    return { ...j, gold: mean((x) => x.final.gold), winRate: mean((x) => x.final.winRate), kl: mean((x) => x.final.kl), length: mean((x) => (x.final as { length?: number }).length ?? NaN) };
  }));
  const lines = [
    `Tuning: ${task}, ${preset}, seeds ${seeds}, ${budget} settings per method; rule: best mean final gold with mean final KL ≤ ${klMax}${klArg === 'dpo' ? " (DPO's KL)" : ''}.`,
    `References on these seeds: SFT gold ${sftGold.toFixed(3)}; DPO gold ${dpoGold.toFixed(3)} at KL ${dpoKl.toFixed(2)}.`,
    '', '| method | settings | gold | win rate | KL | length | chosen |', '|---|---|---|---|---|---|---|'];
  const chosen: Record<string, Record<string, number>> = {};
  for (const method of values.methods.split(',')) {
    const mine = rows.filter((r) => r.method === method).sort((a, b) => b.gold - a.gold);
    const best = mine.find((r) => r.kl <= klMax);
    if (best) chosen[method] = best.s;
    for (const r of mine) {
      const s = Object.entries(r.s).map(([k, v]) => `${k}=${v}`).join(' ');
      lines.push(`| ${method} | ${s} | ${r.gold.toFixed(3)} | ${r.winRate.toFixed(3)} | ${r.kl.toFixed(2)} | ${r.length.toFixed(1)} | ${r === best ? '**yes**' : ''} |`);
    }
  }
  const table = lines.join('\n') + '\n';
  await writeFile(join(dir, 'tuning.md'), table);
  await writeFile(join(dir, 'chosen.json'), JSON.stringify({ task, preset, seeds, klMax, budget, chosen }, null, 1));
  process.stdout.write(table);
  process.stdout.write(`\nchosen: ${JSON.stringify(chosen)}\n(written to ${dir}/chosen.json and tuning.md)\n`);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
