/**
 * `rl`: one run of an RL method (methods.ts: PPO, RTO, the ablations, REINFORCE++, GRPO, RLOO) on top of the saved chain (SFT → pairs → RM and DPO, trained first when
 * missing). Prints one line per iteration and heatmap rows now and then; writes rl-<mode>.metrics.json, and with
 * --dump-rollout the first rollout and its first minibatch update as JSON; with --rollout-log FILE the run's heatmap rows
 * as RL Logging Board JSONL (rollouts/write.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageEvent } from '../../lab/events';
import { disposeParams } from '../../lab/model/gpt';
import { rolloutTextOf } from '../../lab/rollouts/write';
import { rlPromptsOf, rlSettingsOf } from '../../lab/stageSettings';
import { methodOf, type MethodName } from '../../lab/train/methods';
import { trainRl } from '../../lab/train/rl';
import { sftBaseline } from '../../lab/train/rlBaseline';
import { dumpDeviations, rolloutDump } from '../../lab/train/rolloutDump';
import { useNodeBackend } from '../nodeBackend';
import { cliRunId, finishedRun, stageJob } from '../labRecords';
import { ensureDpo, ensurePairs, ensureRewardModel, ensureSft, makeContext, printer, saveLab } from './pipeline';
import type { StageCommandOptions } from './stages';

export interface RlCommandOptions extends Omit<StageCommandOptions, 'stage'> {
  mode: MethodName;
  /** Swaps a one-response method's estimator (--advantage); absent: the method's own. */
  estimator?: 'gae' | 'reinforce++';
  dumpRollout?: string;
  /** Writes the run's heatmap rows (the `tokens` events) here as RL Logging Board JSONL. */
  rolloutLog?: string;
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export async function rlCommand(o: RlCommandOptions): Promise<number> {
  await useNodeBackend(o.backend);
  const ctx = await makeContext(o.task, o.preset, o.settings, o.outDir, o.fromLab);
  const sft = await ensureSft(ctx);
  const owned = [sft.params];
  try {
    const pairs = await ensurePairs(ctx, sft);
    const rm = await ensureRewardModel(ctx, sft, pairs);
    owned.push(rm.params);
    const dpo = await ensureDpo(ctx, sft, pairs);
    owned.push(dpo.params);
    const { prompts, evalPrompts } = rlPromptsOf(ctx.task, o.settings);
    const baseline = await sftBaseline(ctx.task, sft, evalPrompts, o.settings.seed);
    console.log(`rl: ${prompts.length} RL prompts, ${evalPrompts.length} held-out evaluation prompts; SFT gold ${fmt(baseline.evaluation.gold)}`);
    const settings = rlSettingsOf(o.settings, o.mode, o.estimator);
    const events: StageEvent[] = [];
    const method = methodOf(o.mode);
    const name = !o.estimator || o.estimator === method.estimator ? o.mode : `${o.mode}+${o.estimator}`;
    console.log(`rl: ${method.label}: ${method.help}${method.usesGroups ? ` ${settings.promptsPerRollout / o.settings.groupSize} prompts × ${o.settings.groupSize} responses per rollout.` : ''}`);
    let dumped: Promise<void> | null = null;
    const r = await trainRl({
      task: ctx.task,
      sft,
      rewardModel: rm,
      dpo,
      settings,
      seed: o.settings.seed,
      prompts,
      evalPrompts,
      baseline,
      runName: name,
      onEvent: printer(events),
      onFirstMinibatch: o.dumpRollout
        ? (x) => {
            const path = o.dumpRollout ?? '';
            const dump = rolloutDump(settings, x.rollout, x.targets, x.minibatch, x.result, x.dpoSequenceLogRatio);
            const dev = dumpDeviations(dump);
            const show = (v: number | null) => (v === null ? 'n/a' : v.toExponential(1));
            dumped = writeFile(path, JSON.stringify(dump)).then(() => console.log(`rl: wrote the first rollout and minibatch to ${path}; largest deviations: reward − Σ channels ${show(dev.rewardChannels)}, DPO channel − clip(β1·dpoTokenLogRatio) ${show(dev.dpoChannel)}, Σ dpoTokenLogRatio − dpoSequenceLogRatio (relative to the log-probs) ${show(dev.dpoSequenceSum)}`));
          }
        : undefined,
    });
    owned.push(r.params);
    if (dumped) await dumped;
    const f = r.final;
    console.log(`${name}: ${r.iterations} iterations, ${r.episodes} episodes in ${r.seconds.toFixed(1)} s; gold ${fmt(f.gold)} (SFT ${fmt(baseline.evaluation.gold)}), win rate vs SFT ${fmt(f.winRate)}, KL ${fmt(f.kl)}, length ${fmt(f.length, 1)} (SFT ${fmt(baseline.evaluation.length, 1)})`);
    if (settings.estimator === method.estimator) {
      // As the page's PPO card or method card runs it: the run goes into the lab, with its curves and heatmap rows.
      const stage = method.name === 'ppo' ? 'ppo' : 'rto';
      const values = { gold: f.gold, sftGold: baseline.evaluation.gold, winRate: f.winRate, kl: f.kl, length: f.length, sftLength: baseline.evaluation.length, episodes: r.episodes, iterations: r.iterations };
      ctx.lab.putRun(finishedRun(cliRunId(method.name), stageJob(stage, o.preset, o.settings, method.name), events, { kind: 'stage', stage, seconds: r.seconds, values }, ctx.backend));
      await saveLab(ctx);
    }
    const file = join(o.outDir, `rl-${name}.metrics.json`);
    await writeFile(file, JSON.stringify({ task: o.task, preset: o.preset, settings: o.settings, rl: settings, sft: { gold: baseline.evaluation.gold }, final: f, history: r.history, seconds: r.seconds, events }, null, 1));
    console.log(`rl: wrote ${file}`);
    if (o.rolloutLog) {
      const tokens = events.flatMap((e) => (e.type === 'tokens' ? [{ step: e.step, rows: e.rows }] : []));
      await writeFile(o.rolloutLog, rolloutTextOf({ method: name, tokens }));
      console.log(`rl: wrote ${tokens.reduce((a, t) => a + t.rows.length, 0)} heatmap rows of ${tokens.length} steps to ${o.rolloutLog} (RL Logging Board JSONL; read it with npm run lab -- rollouts ${o.rolloutLog})`);
    }
    return 0;
  } finally {
    for (const p of owned) disposeParams(p);
    ctx.lab.dispose();
    if (tf.memory().numTensors !== 0) console.warn(`warning: ${tf.memory().numTensors} tensors still allocated`);
  }
}
