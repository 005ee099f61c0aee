/**
 * The experiment runner (issue 5): per seed it trains (or reuses) SFT, the pairs, the RM and DPO once, then runs
 * every RL mode at every prompt fraction for the same number of iterations, and prints the markdown tables.
 *   npm run experiment -- --task sentiment --preset small --seeds 5 --fractions 0.125,0.25,0.5,1 --modes ppo,rto
 *   npm run experiment -- --merge a.json b.json      (tables from runs made by separate processes)
 * Progress goes to stderr; the tables to stdout; results JSON and CSV to --out (default .lab-out/experiments/).
 */
import * as tf from '@tensorflow/tfjs-core';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isPresetName, isRewardPresetName, resolveSettings, SETTINGS, type PresetName, type RewardPresetName } from '../lab/config';
import { disposeParams } from '../lab/model/gpt';
import { rlPromptsOf, rlSettingsOf } from '../lab/stageSettings';
import type { TaskName } from '../lab/tasks/task';
import { isMethodName, METHOD_NAMES, METHODS, methodOf, type MethodName } from '../lab/train/methods';
import { trainRl } from '../lab/train/rl';
import { evaluateLikeRl, sftBaseline } from '../lab/train/rlBaseline';
import { ensureDpo, ensurePairs, ensureRewardModel, ensureSft, makeContext } from './commands/pipeline';
import { resultsCsv, resultsMarkdown, type ExperimentResults, type RunRecord, type SeedRecord } from './experimentReport';
import { keyValue, parseSets } from './args';
import { useNodeBackend } from './nodeBackend';

type Estimator = 'gae' | 'reinforce++';

const USAGE = `usage: npm run experiment -- [--task sentiment|oracle] [--preset tiny|small] [--rewards lab|paper|hacking]
         [--seeds N | --seed-list 1,2] [--fractions 0.125,0.25,0.5,1] [--modes ppo,rto,...]
         [--set key=value ...] [--sweep key=v1,v2,...] [--estimators gae,reinforce++] [--out DIR] [--name NAME]
         [--quick-demo]
         --modes: any of the RL methods (src/lab/train/methods.ts), comma-separated (default ppo,rto):
${METHODS.map((m) => `           ${m.name.padEnd(12)}${m.label}: ${m.help} (arXiv ${m.paper.arxiv})`).join('\n')}
         --estimators runs every one-response method with each estimator (default: its own; the group methods
         always use theirs), labelled e.g. "rto (reinforce++)"
         episodes are responses for every method: a group method samples Prompts per rollout / groupSize prompts
         groupSize times each
         --sweep (repeatable; the grid of all combinations) runs every mode at every value, labelled e.g. "rto beta1=0.5"
         --quick-demo: every seed starts from the Quick demo's shipped SFT model and pairs (public/quick; sentiment,
         tiny) and trains RM, DPO and RL with its own seed, as the page's Quick demo does at #seed=S (evaluated every
         2nd iteration, the tiny preset's; the page's demo evaluates every 4th: the same final numbers)"
       npm run experiment -- --merge results1.json results2.json ... [--kl-budgets 1,2,4]
       (KL budgets of the matched-KL table default to the quartiles of the runs' final KLs)`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const list = (raw: string, what: string) =>
  raw.split(',').map((x) => {
    const n = Number(x);
    if (x.trim() === '' || !Number.isFinite(n)) fail(`--${what} takes numbers separated by commas, got "${raw}"`);
    return n;
  });

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      task: { type: 'string', default: 'sentiment' },
      preset: { type: 'string', default: 'small' },
      rewards: { type: 'string', default: 'lab' },
      seeds: { type: 'string', default: '1' },
      'seed-list': { type: 'string' },
      fractions: { type: 'string', default: '1' },
      modes: { type: 'string', default: 'ppo,rto' },
      set: { type: 'string', multiple: true, default: [] },
      sweep: { type: 'string', multiple: true, default: [] },
      estimators: { type: 'string' },
      out: { type: 'string', default: '.lab-out/experiments' },
      name: { type: 'string' },
      merge: { type: 'boolean', default: false },
      'kl-budgets': { type: 'string' },
      'quick-demo': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const budgets = values['kl-budgets'] ? list(values['kl-budgets'], 'kl-budgets') : undefined;
  if (values.merge) return merge(positionals, budgets);
  const task = values.task;
  if (task !== 'sentiment' && task !== 'oracle') fail(`--task must be sentiment or oracle, got "${task}"`);
  const preset = values.preset;
  if (!isPresetName(preset)) fail(`--preset must be tiny or small, got "${preset}"`);
  const rewards = values.rewards;
  if (!isRewardPresetName(rewards)) fail(`--rewards must be lab, paper or hacking, got "${rewards}"`);
  const seeds = values['seed-list'] ? list(values['seed-list'], 'seed-list') : Array.from({ length: list(values.seeds, 'seeds')[0] ?? 1 }, (_, i) => i + 1);
  const fractions = list(values.fractions, 'fractions').sort((a, b) => b - a);
  if (fractions.some((f) => !(f > 0 && f <= 1))) fail('--fractions must lie in (0, 1]');
  const modes = values.modes.split(',');
  for (const m of modes) if (!isMethodName(m)) fail(`--modes: unknown mode "${m}" (known: ${METHOD_NAMES.join(', ')})`);
  const sets = parseSets(values.set);
  if ('problem' in sets) fail(sets.problem);
  const overrides = sets.overrides;
  const sweeps = values.sweep.map((item) => {
    const kv = keyValue(item);
    if (!kv) fail(`--sweep takes key=v1,v2,..., got "${item}"`);
    const key = kv.key;
    const spec = SETTINGS.find((x) => x.key === key);
    if (!spec || spec.group !== 'rl') fail(`--sweep takes RL settings only (the chain is trained once per seed), and "${key}" is ${spec ? `a ${spec.group} setting` : 'not a setting'}`);
    return { key, values: list(kv.value, 'sweep') };
  });
  const grid = sweepGrid(sweeps);
  const estimators = values.estimators?.split(',') ?? [];
  for (const e of estimators) if (e !== 'gae' && e !== 'reinforce++') fail(`--estimators takes gae and/or reinforce++, got "${e}"`);
  try {
    for (const point of grid) resolveSettings(preset, { ...overrides, ...point.values }, task, rewards);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const name = values.name ?? `${task}-${preset}-${rewards}-${modes.join('+')}-seeds${seeds.join('_')}`;
  if (values['quick-demo'] && (task !== 'sentiment' || preset !== 'tiny')) fail('--quick-demo runs the Quick demo: sentiment, tiny');
  const results = await run(task, preset, rewards, seeds, fractions, modes as MethodName[], overrides, grid, estimators as Estimator[], values['quick-demo']);
  await mkdir(values.out, { recursive: true });
  const base = join(values.out, name);
  await writeFile(`${base}.json`, JSON.stringify(results, null, 1));
  await writeFile(`${base}.csv`, resultsCsv(results));
  process.stderr.write(`wrote ${base}.json and ${base}.csv\n`);
  process.stdout.write(resultsMarkdown(results, budgets));
  return 0;
}

interface GridPoint {
  label: string;
  values: Record<string, number>;
}

/** Every combination of the swept values; one empty point without sweeps. */
function sweepGrid(sweeps: { key: string; values: number[] }[]): GridPoint[] {
  let grid: GridPoint[] = [{ label: '', values: {} }];
  for (const { key, values } of sweeps) {
    grid = grid.flatMap((g) => values.map((v) => ({ label: `${g.label} ${key}=${v}`.trim(), values: { ...g.values, [key]: v } })));
  }
  return grid;
}

/** The Quick demo's shipped SFT model and pairs (seed 1), read from a copy of public/quick so nothing writes there. */
async function quickDemoStart(overrides: Record<string, number>) {
  const dir = '.lab-out/quick-demo-assets';
  await mkdir(dir, { recursive: true });
  for (const f of ['sft.ckpt', 'prefs.json']) await copyFile(join('public/quick', f), join(dir, f));
  const ctx = await makeContext('sentiment', 'tiny', resolveSettings('tiny', { ...overrides, seed: 1 }, 'sentiment'), dir);
  const log: string[] = [];
  const print = console.log;
  console.log = (...args: unknown[]) => (log.push(args.map(String).join(' ')), print(...args));
  const sft = await ensureSft(ctx);
  const pairs = await ensurePairs(ctx, sft);
  console.log = print;
  if (log.filter((l) => l.includes('reusing')).length !== 2) throw new Error(`the shipped Quick-demo files do not match these settings (${log.join('; ')}): run npm run lab -- quick-assets`);
  return { ctx, sft, pairs };
}

/** The runs of one method: with each asked estimator (a one-response method), else once with its own. */
function estimatorsOf(mode: MethodName, asked: readonly Estimator[]): (Estimator | undefined)[] {
  return asked.length && !methodOf(mode).usesGroups ? [...asked] : [undefined];
}

async function run(task: TaskName, preset: PresetName, rewards: RewardPresetName, seeds: number[], fractions: number[], modes: MethodName[], overrides: Record<string, number>, grid: GridPoint[], estimators: Estimator[], quickDemo = false): Promise<ExperimentResults> {
  await useNodeBackend('wasm');
  // The stage chain reports on stdout; here stdout is kept for the tables, so it goes to stderr.
  console.log = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  const seedRecords: SeedRecord[] = [];
  const runs: RunRecord[] = [];
  let settingsShown: Record<string, number> = {};
  const started = performance.now();
  const total = seeds.length * fractions.length * grid.length * modes.reduce((a, m) => a + estimatorsOf(m, estimators).length, 0);
  const quick = quickDemo ? await quickDemoStart(overrides) : null;
  for (const seed of seeds) {
    const settings = resolveSettings(preset, { ...overrides, seed }, task, rewards);
    settingsShown = { ...settings };
    // The Quick demo keeps the task (vocabulary, split) its SFT model was trained on, as the page does.
    const ctx = quick ? { ...quick.ctx, settings, outDir: `.lab-out/quick-demo-seed${seed}`, labPath: `.lab-out/quick-demo-seed${seed}/lab.rtolab` } : await makeContext(task, preset, settings, `.lab-out/${task}-${preset}-seed${seed}`);
    await mkdir(ctx.outDir, { recursive: true });
    const sft = quick?.sft ?? (await ensureSft(ctx));
    const pairs = quick?.pairs ?? (await ensurePairs(ctx, sft));
    const rm = await ensureRewardModel(ctx, sft, pairs);
    const dpo = await ensureDpo(ctx, sft, pairs);
    try {
      const { evalPrompts } = rlPromptsOf(ctx.task, settings);
      const baseline = await sftBaseline(ctx.task, sft, evalPrompts, seed);
      const dpoEval = await evaluateLikeRl(ctx.task, dpo, sft, evalPrompts, seed, baseline);
      seedRecords.push({
        seed,
        sft: { gold: baseline.evaluation.gold, length: baseline.evaluation.length },
        dpo: { gold: dpoEval.gold, winRate: dpoEval.winRate, kl: dpoEval.kl, length: dpoEval.length },
        rm: { heldOutAccuracy: rm.heldOut.accuracy },
        dpoAccuracy: Number((dpo.summary.heldOut as { accuracy?: number } | undefined)?.accuracy ?? NaN),
      });
      process.stderr.write(`seed ${seed}: SFT gold ${baseline.evaluation.gold.toFixed(3)} ± ${baseline.evaluation.goldSe.toFixed(3)}, length ${baseline.evaluation.length.toFixed(1)}; DPO gold ${dpoEval.gold.toFixed(3)}, win rate ${dpoEval.winRate.toFixed(3)}, KL ${dpoEval.kl.toFixed(2)}, length ${dpoEval.length.toFixed(1)}\n`);
      for (const point of grid) for (const fraction of fractions) {
        // Swept settings are RL settings: the chain above (SFT, pairs, RM, DPO) does not depend on them.
        const s = { ...resolveSettings(preset, { ...overrides, ...point.values, seed }, task, rewards), rlPromptFraction: fraction };
        const { prompts } = rlPromptsOf(ctx.task, s);
        for (const mode of modes) for (const estimator of estimatorsOf(mode, estimators)) {
          const own = !estimator || estimator === methodOf(mode).estimator;
          const label = [mode, own ? '' : `(${estimator})`, point.label].filter(Boolean).join(' ');
          const rl = { ...rlSettingsOf(s, mode, estimator), tokensEvery: 0 };
          const r = await trainRl({
            task: ctx.task,
            sft,
            rewardModel: rm,
            dpo,
            settings: rl,
            seed,
            prompts,
            evalPrompts,
            baseline,
            onEvent: (e) => {
              if (e.type === 'metrics' && e.values['gold/reward'] !== undefined) {
                process.stderr.write(`  seed ${seed} ${label} fraction ${fraction}: iteration ${e.step}/${e.totalSteps} gold ${e.values['gold/reward'].toFixed(3)} win ${e.values['gold/win_rate']?.toFixed(3)} KL ${e.values['eval/kl']?.toFixed(2)} length ${e.values['eval/length']?.toFixed(1)}\n`);
              }
            },
          });
          disposeParams(r.params);
          runs.push({ seed, mode: label, fraction, prompts: prompts.length, iterations: r.iterations, episodes: r.episodes, seconds: r.seconds, final: r.final, history: r.history });
          const minutes = (performance.now() - started) / 60_000;
          process.stderr.write(`run ${runs.length}/${total} done (seed ${seed}, ${label}, fraction ${fraction}): gold ${r.final.gold.toFixed(3)} ± ${r.final.goldSe.toFixed(3)}, win rate ${r.final.winRate.toFixed(3)}, KL ${r.final.kl.toFixed(2)}, length ${r.final.length.toFixed(1)}; ${r.seconds.toFixed(0)} s; ${minutes.toFixed(1)} min so far\n`);
        }
      }
    } finally {
      for (const p of quick ? [rm.params, dpo.params] : [sft.params, rm.params, dpo.params]) disposeParams(p);
      if (!quick) ctx.lab.dispose();
    }
  }
  if (quick) {
    disposeParams(quick.sft.params);
    quick.ctx.lab.dispose();
  }
  if (tf.memory().numTensors !== 0) process.stderr.write(`warning: ${tf.memory().numTensors} tensors still allocated\n`);
  return { task, preset, rewards, settings: settingsShown, seeds: seedRecords, runs };
}

async function merge(files: string[], budgets?: number[]): Promise<number> {
  if (files.length === 0) fail('--merge needs result files');
  const parts = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as ExperimentResults));
  const first = parts[0]!;
  // Files of the same seeds (e.g. an ablation and a later sweep) share their SFT/DPO reference rows: keep each seed once.
  const seeds = [...new Map(parts.flatMap((p) => p.seeds).map((s) => [s.seed, s])).values()];
  const merged: ExperimentResults = { ...first, seeds, runs: parts.flatMap((p) => p.runs) };
  process.stdout.write(resultsMarkdown(merged, budgets));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
