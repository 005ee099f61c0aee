/**
 * The CLI's stage chain, SFT → preferences → reward model and DPO, on the same Lab as the page (src/lab/lab/lab.ts):
 * the lab lives in DIR/lab.rtolab (or starts from a lab file given with --lab), each stage is reused when the lab
 * holds it built from the same settings (its key), and the lab is saved after every stage. Every stage prints one
 * line per step and writes <stage>.metrics.json; SFT and the pairs are also written as sft.ckpt and prefs.json (the
 * Quick demo's shipped formats). The models returned are the caller's copies (the lab keeps its own).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings, PresetName } from '../../lab/config';
import type { StageEvent } from '../../lab/events';
import { checkpointFromBinary, checkpointToBinary, makeCheckpoint, paramsFromCheckpoint } from '../../lab/model/checkpoint';
import * as tf from '@tensorflow/tfjs-core';
import { APP_VERSION } from '../../lab/appVersion';
import { artefactKey, Lab, type ArtefactStage, type LiveModel } from '../../lab/lab/lab';
import { checkLabAgainstTask } from '../../lab/lab/labFile';
import { cloneParams, parameterCount, type GptConfig, type Params } from '../../lab/model/gpt';
import { evaluateLikeRl, sftBaseline } from '../../lab/train/rlBaseline';
import { readLabFile, writeLabFile } from '../labFolder';
import { cliRunId, finishedRun, sftJob, stageJob } from '../labRecords';
import { taskSampleOptions } from '../../lab/model/sample';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rlPromptsOf, rmSettingsOf, sftSettingsOf } from '../../lab/stageSettings';
import { oracleTask } from '../../lab/tasks/oracle';
import { sentimentTask } from '../../lab/tasks/sentiment';
import type { Task, TaskName } from '../../lab/tasks/task';
import { trainDpo, type DpoResult } from '../../lab/train/dpo';
import { makePreferencePairs, type PreferencePair, type PreferenceStats } from '../../lab/train/preferences';
import { trainRewardModel, type RmResult, type ScoreNorm } from '../../lab/train/rm';
import { runSft } from '../../lab/train/sft';
import { loadCorpusAssetFromDisk } from '../assets';

export interface StageContext {
  taskName: TaskName;
  preset: PresetName;
  settings: Settings;
  outDir: string;
  task: Task;
  lab: Lab;
  /** Where the lab is saved: DIR/lab.rtolab. */
  labPath: string;
  backend: string;
}

export interface Model {
  params: Params;
  config: GptConfig;
}

/** `fromLab`: a lab file to start from (--lab); otherwise DIR/lab.rtolab when there is one, else a new lab. */
export async function makeContext(taskName: TaskName, preset: PresetName, settings: Settings, outDir: string, fromLab?: string): Promise<StageContext> {
  const task =
    taskName === 'sentiment'
      ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed })
      : oracleTask({ seed: settings.seed });
  await mkdir(outDir, { recursive: true });
  console.log(`task ${taskName}: ${task.train.length} train / ${task.heldOut.length} held-out examples, vocabulary ${task.tokenizer.size}, horizon ${task.horizon}; preset ${preset}; output ${outDir}`);
  const labPath = join(outDir, 'lab.rtolab');
  const source = fromLab ?? labPath;
  const snapshot = await readLabFile(source);
  if (fromLab && !snapshot) throw new Error(`--lab ${fromLab}: no such file`);
  let lab: Lab;
  if (snapshot) {
    if (snapshot.task !== taskName) throw new Error(`${source} is a lab of the ${snapshot.task} task, not ${taskName}: pass --task ${snapshot.task}`);
    checkLabAgainstTask(snapshot, task.tokenizer.vocab);
    lab = Lab.fromSnapshot(snapshot);
    console.log(`lab: ${source} (${[lab.sft && 'SFT', lab.pairs && 'pairs', lab.rm && 'reward model', lab.dpo && 'DPO'].filter(Boolean).join(', ') || 'empty'}; ${lab.runs.length} runs)`);
  } else {
    lab = new Lab({ id: `lab-${taskName}-${preset}-seed${settings.seed}`, task: taskName, preset, vocab: task.tokenizer.vocab, appVersion: APP_VERSION });
  }
  return { taskName, preset, settings, outDir, task, lab, labPath, backend: tf.getBackend() ?? 'wasm' };
}

/** Saves the context's lab to DIR/lab.rtolab. */
export async function saveLab(ctx: StageContext): Promise<void> {
  const bytes = await writeLabFile(ctx.labPath, ctx.lab);
  console.log(`lab: saved ${ctx.labPath} (${(bytes / 2 ** 20).toFixed(2)} MiB)`);
}

const copyOf = (m: LiveModel): Model => ({ params: cloneParams(m.params), config: m.config });

const fmt = (x: number | undefined, digits = 4) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));

/** Prints a stage's metrics events as one line each, and keeps them for the metrics file. */
export function printer(events: StageEvent[]) {
  return (e: StageEvent) => {
    events.push(e);
    if (e.type === 'tokens') {
      console.log(`${e.run ?? e.stage} token rewards at iteration ${e.step} (each token with its total reward; Σ and gold in brackets):`);
      for (const row of e.rows) {
        const cells = row.tokens.map((w, h) => `${w}(${(row.channels.total[h] ?? 0) >= 0 ? '+' : ''}${fmt(row.channels.total[h], 2)})`);
        const sum = row.channels.total.reduce((a, b) => a + b, 0);
        console.log(`  ${row.prompt} ▸ ${cells.join(' ')}   [Σ ${fmt(sum, 3)}, gold ${fmt(row.gold, 3)}]`);
      }
      return;
    }
    if (e.type === 'responses') return; // an evaluation's responses: kept for the metrics file, not printed
    if (e.type === 'samples') {
      console.log(`samples at step ${e.step} (temperature 0.8; gold reward in brackets):`);
      for (const x of e.samples) console.log(`  ${x.prompt} ▸ ${x.response}   [${x.gold.toFixed(3)}]`);
      return;
    }
    const parts = Object.entries(e.values).map(([k, v]) => `${k} ${Math.abs(v) >= 1000 ? Math.round(v) : fmt(v)}`);
    console.log(`${e.run ?? e.stage} ${e.stage === 'ppo' || e.stage === 'rto' ? 'iteration' : 'step'} ${e.step}/${e.totalSteps} ${parts.join(' ')}`);
  };
}

const keyOf = (ctx: StageContext, stage: ArtefactStage): string => artefactKey(stage, ctx.taskName, ctx.task, ctx.settings);

/** A checkpoint file of DIR made with these settings (before labs, or the Quick demo's shipped sft.ckpt). */
async function loadCheckpoint(ctx: StageContext, stage: 'sft' | 'rm' | 'dpo'): Promise<{ model: Model; meta: Record<string, unknown> } | null> {
  const path = join(ctx.outDir, `${stage}.ckpt`);
  if (!existsSync(path)) return null;
  const ckpt = checkpointFromBinary(new Uint8Array(await readFile(path)));
  if (ckpt.header.meta.key !== keyOf(ctx, stage)) {
    console.log(`${stage}: ${path} was made with other settings; training again`);
    return null;
  }
  console.log(`${stage}: reusing ${path}`);
  return { model: { params: paramsFromCheckpoint(ckpt), config: ckpt.header.config }, meta: ckpt.header.meta };
}

async function saveStage(ctx: StageContext, stage: 'sft' | 'rm' | 'dpo', model: Model, summary: Record<string, unknown>, events: StageEvent[]): Promise<void> {
  const ckpt = await makeCheckpoint(model.params, model.config, ctx.task.tokenizer.vocab, stage, { key: keyOf(ctx, stage), ...summary });
  await writeFile(join(ctx.outDir, `${stage}.ckpt`), checkpointToBinary(ckpt));
  await writeFile(join(ctx.outDir, `${stage}.metrics.json`), JSON.stringify({ task: ctx.taskName, preset: ctx.preset, settings: ctx.settings, ...summary, events }, null, 1));
  console.log(`${stage}: wrote ${join(ctx.outDir, `${stage}.ckpt`)} and ${stage}.metrics.json`);
}

export async function ensureSft(ctx: StageContext, force = false): Promise<Model> {
  const key = keyOf(ctx, 'sft');
  if (!force && ctx.lab.holds('sft', key)) {
    console.log(`sft: reusing the lab's SFT model`);
    return copyOf(ctx.lab.sft!.model);
  }
  const saved = force ? null : await loadCheckpoint(ctx, 'sft');
  if (saved) {
    await ctx.lab.setSft(saved.model.params, saved.model.config, key, { ...saved.meta, stopped: false, backend: ctx.backend, task: ctx.taskName }, ctx.task.tokenizer.vocab);
    await saveLab(ctx);
    return copyOf(ctx.lab.sft!.model);
  }
  const events: StageEvent[] = [];
  const started = performance.now();
  const r = await runSft({ task: ctx.task, model: modelOf(ctx.settings), seed: ctx.settings.seed, settings: sftSettingsOf(ctx.settings, 5), onEvent: printer(events) });
  const summary = { task: ctx.taskName, preset: ctx.preset, settings: ctx.settings, steps: r.steps, stopped: r.stopped, seconds: (performance.now() - started) / 1000, parameters: parameterCount(r.params), heldOutLoss: r.heldOutLoss, heldOutPerplexity: r.heldOutPerplexity, unigramLoss: r.unigramLoss, tokensPerSecond: r.tokensPerSecond, backend: ctx.backend };
  console.log(`sft: ${r.steps} steps in ${summary.seconds.toFixed(1)} s; held-out loss ${fmt(r.heldOutLoss)} (perplexity ${fmt(r.heldOutPerplexity, 1)}) against unigram ${fmt(r.unigramLoss)}`);
  await saveStage(ctx, 'sft', r, summary, events);
  const copy = { params: cloneParams(r.params), config: r.config };
  await ctx.lab.setSft(r.params, r.config, key, summary, ctx.task.tokenizer.vocab);
  // A new SFT model begins the lab again: it is a lab of this preset now.
  ctx.lab.preset = ctx.preset;
  ctx.lab.id = `lab-${ctx.taskName}-${ctx.preset}-seed${ctx.settings.seed}`;
  ctx.lab.putRun(finishedRun(cliRunId('sft'), sftJob(ctx.taskName, ctx.preset, ctx.settings), events, { kind: 'sft', ...summary }, ctx.backend));
  await saveLab(ctx);
  return copy;
}

export interface PairSet {
  train: PreferencePair[];
  heldOut: PreferencePair[];
  stats: { train: PreferenceStats; heldOut: PreferenceStats };
}

/** One line per split: tie rate, the share of responses scoring exactly 0 (— for files from before it was counted). */
function printPairStats(stats: PairSet['stats']): void {
  for (const [name, st] of Object.entries(stats)) {
    console.log(`prefs ${name}: ${st.prompts} prompts → ${st.pairs} pairs; ${st.ties} ties dropped (tie rate ${fmt(st.tieRate, 3)}); ${fmt(st.zeroShare, 3)} of the responses score exactly 0; judge agrees with the gold order on ${fmt(st.agreement, 3)}`);
  }
}

/** The page's summary values of the Preferences stage. */
const pairValues = (stats: PairSet['stats']) => ({ pairs: stats.train.pairs, heldOutPairs: stats.heldOut.pairs, tieRate: stats.train.tieRate, agreement: stats.train.agreement });

export async function ensurePairs(ctx: StageContext, sft: Model): Promise<PairSet> {
  const key = keyOf(ctx, 'prefs');
  const held = ctx.lab.pairs;
  if (held && held.key === key) {
    console.log(`prefs: reusing the lab's pairs (${held.train.length} train / ${held.heldOut.length} held-out pairs)`);
    printPairStats(held.stats);
    return held;
  }
  const path = join(ctx.outDir, 'prefs.json');
  if (existsSync(path)) {
    const saved = JSON.parse(await readFile(path, 'utf8')) as PairSet & { key: string };
    if (saved.key === key) {
      console.log(`prefs: reusing ${path} (${saved.train.length} train / ${saved.heldOut.length} held-out pairs)`);
      printPairStats(saved.stats);
      ctx.lab.setPairs({ key, summary: { ...pairValues(saved.stats), settings: ctx.settings }, train: saved.train, heldOut: saved.heldOut, stats: saved.stats });
      await saveLab(ctx);
      return saved;
    }
    console.log(`prefs: ${path} was made with other settings; sampling again`);
  }
  const s = ctx.settings;
  const started = performance.now();
  const trainPrompts = ctx.task.train.slice(0, s.prefPrompts).map((e) => e.prompt);
  const heldOutPrompts = ctx.task.heldOut.slice(0, s.prefHeldOutPrompts).map((e) => e.prompt);
  const progress = (what: string) => (done: number, total: number) => process.stderr.write(`\rprefs: ${what} ${done}/${total} prompts`);
  const train = await makePreferencePairs(ctx.task, sft, trainPrompts, preferenceSettingsOf(s), `${s.seed}:train`, progress('train'));
  const heldOut = await makePreferencePairs(ctx.task, sft, heldOutPrompts, preferenceSettingsOf(s), `${s.seed}:held-out`, progress('held-out'));
  process.stderr.write('\n');
  const set: PairSet = { train: train.pairs, heldOut: heldOut.pairs, stats: { train: train.stats, heldOut: heldOut.stats } };
  const seconds = (performance.now() - started) / 1000;
  printPairStats(set.stats);
  console.log(`prefs: ${seconds.toFixed(1)} s`);
  await writeFile(path, JSON.stringify({ key: keyOf(ctx, 'prefs'), seconds, ...set }));
  await writeFile(join(ctx.outDir, 'prefs.metrics.json'), JSON.stringify({ task: ctx.taskName, preset: ctx.preset, settings: s, seconds, stats: set.stats }, null, 1));
  console.log(`prefs: wrote ${path} and prefs.metrics.json`);
  ctx.lab.setPairs({ key, summary: { ...pairValues(set.stats), settings: s }, ...set });
  ctx.lab.putRun(finishedRun(cliRunId('preferences'), stageJob('preferences', ctx.preset, s), [], { kind: 'stage', stage: 'preferences', seconds, values: pairValues(set.stats) }, ctx.backend));
  await saveLab(ctx);
  return set;
}

export async function ensureRewardModel(ctx: StageContext, sft: Model, pairs: PairSet): Promise<Model & { norm: ScoreNorm; heldOut: RmResult['heldOut'] }> {
  const key = keyOf(ctx, 'rm');
  const held = ctx.lab.rm;
  if (held && held.key === key) {
    console.log(`rm: reusing the lab's reward model`);
    return { ...copyOf(held.model), norm: held.norm, heldOut: held.summary.heldOut as RmResult['heldOut'] };
  }
  const saved = await loadCheckpoint(ctx, 'rm');
  if (saved) {
    const norm = saved.meta.norm as ScoreNorm;
    await ctx.lab.setRm(saved.model.params, saved.model.config, norm, key, saved.meta);
    await saveLab(ctx);
    return { ...copyOf(ctx.lab.rm!.model), norm, heldOut: saved.meta.heldOut as RmResult['heldOut'] };
  }
  const events: StageEvent[] = [];
  const started = performance.now();
  const r: RmResult = await trainRewardModel({ sft, train: pairs.train, heldOut: pairs.heldOut, settings: rmSettingsOf(ctx.settings), seed: ctx.settings.seed, onEvent: printer(events) });
  const summary = { steps: r.steps, seconds: (performance.now() - started) / 1000, norm: r.norm, train: r.train, heldOut: r.heldOut };
  console.log(`rm: held-out accuracy ${fmt(r.heldOut.accuracy, 3)} (train ${fmt(r.train.accuracy, 3)}), loss ${fmt(r.heldOut.loss)}; score μ ${fmt(r.norm.mean)} σ ${fmt(r.norm.std)}; ${summary.seconds.toFixed(1)} s`);
  await saveStage(ctx, 'rm', r, summary, events);
  const copy = { params: cloneParams(r.params), config: r.config, norm: r.norm, heldOut: r.heldOut };
  const values = { heldOutAccuracy: r.heldOut.accuracy, trainAccuracy: r.train.accuracy, scoreMean: r.norm.mean, scoreStd: r.norm.std, steps: r.steps };
  await ctx.lab.setRm(r.params, r.config, r.norm, key, { ...summary, settings: ctx.settings });
  ctx.lab.putRun(finishedRun(cliRunId('rm'), stageJob('rm', ctx.preset, ctx.settings), events, { kind: 'stage', stage: 'rm', seconds: summary.seconds, values }, ctx.backend));
  await saveLab(ctx);
  return copy;
}

export async function ensureDpo(ctx: StageContext, sft: Model, pairs: PairSet): Promise<Model & { summary: Record<string, unknown> }> {
  const key = keyOf(ctx, 'dpo');
  const rto = { beta1: ctx.settings.beta1, clip: ctx.settings.rtoClip };
  const held = ctx.lab.dpo;
  if (held && held.key === key) {
    console.log(`dpo: reusing the lab's DPO model`);
    return { ...copyOf(held.model), summary: held.summary };
  }
  const saved = await loadCheckpoint(ctx, 'dpo');
  if (saved) {
    await ctx.lab.setDpo(saved.model.params, saved.model.config, ctx.settings.dpoBeta, rto, key, saved.meta);
    await saveLab(ctx);
    return { ...copyOf(ctx.lab.dpo!.model), summary: saved.meta };
  }
  const events: StageEvent[] = [];
  const started = performance.now();
  const r: DpoResult = await trainDpo({ sft, train: pairs.train, heldOut: pairs.heldOut, settings: dpoSettingsOf(ctx.settings), actionSpace: taskSampleOptions(ctx.task), seed: ctx.settings.seed, onEvent: printer(events) });
  const summary: Record<string, unknown> = { steps: r.steps, seconds: (performance.now() - started) / 1000, beta: ctx.settings.dpoBeta, train: r.train, heldOut: r.heldOut };
  console.log(`dpo: held-out reward accuracy ${fmt(r.heldOut.accuracy, 3)}, margin ${fmt(r.heldOut.margin)}, loss ${fmt(r.heldOut.loss)} (train accuracy ${fmt(r.train.accuracy, 3)}); ${(summary.seconds as number).toFixed(1)} s`);
  await saveStage(ctx, 'dpo', r, summary, events);
  // The DPO policy evaluated like PPO and RTO, as the page's DPO stage reports it.
  const { evalPrompts } = rlPromptsOf(ctx.task, ctx.settings);
  const baseline = await sftBaseline(ctx.task, sft, evalPrompts, ctx.settings.seed);
  const e = await evaluateLikeRl(ctx.task, r, sft, evalPrompts, ctx.settings.seed, baseline);
  const values = { heldOutAccuracy: r.heldOut.accuracy, heldOutMargin: r.heldOut.margin, trainAccuracy: r.train.accuracy, steps: r.steps, gold: e.gold, sftGold: baseline.evaluation.gold, winRate: e.winRate, kl: e.kl, length: e.length, sftLength: baseline.evaluation.length };
  const copy = { params: cloneParams(r.params), config: r.config, summary };
  await ctx.lab.setDpo(r.params, r.config, ctx.settings.dpoBeta, rto, key, { ...summary, settings: ctx.settings });
  ctx.lab.putRun(finishedRun(cliRunId('dpo'), stageJob('dpo', ctx.preset, ctx.settings), events, { kind: 'stage', stage: 'dpo', seconds: summary.seconds as number, values }, ctx.backend));
  await saveLab(ctx);
  return copy;
}
