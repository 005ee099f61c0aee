/**
 * The CLI's stage chain, SFT → preferences → reward model and DPO, with each stage's result saved in one folder
 * and reused by later commands when its settings still match (so `npm run lab -- dpo` after `rm` reuses SFT and the
 * pairs). Every stage prints one line per step and writes <stage>.metrics.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings, PresetName } from '../../lab/config';
import type { StageEvent } from '../../lab/events';
import { checkpointFromBinary, checkpointToBinary, makeCheckpoint, paramsFromCheckpoint } from '../../lab/model/checkpoint';
import { parameterCount, type GptConfig, type Params } from '../../lab/model/gpt';
import { taskSampleOptions } from '../../lab/model/sample';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rmSettingsOf, sftSettingsOf } from '../../lab/stageSettings';
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
}

export interface Model {
  params: Params;
  config: GptConfig;
}

export async function makeContext(taskName: TaskName, preset: PresetName, settings: Settings, outDir: string): Promise<StageContext> {
  const task =
    taskName === 'sentiment'
      ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed })
      : oracleTask({ seed: settings.seed });
  await mkdir(outDir, { recursive: true });
  console.log(`task ${taskName}: ${task.train.length} train / ${task.heldOut.length} held-out examples, vocabulary ${task.tokenizer.size}, horizon ${task.horizon}; preset ${preset}; output ${outDir}`);
  return { taskName, preset, settings, outDir, task };
}

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
    if (e.type === 'samples') {
      console.log(`samples at step ${e.step} (temperature 0.8; gold reward in brackets):`);
      for (const x of e.samples) console.log(`  ${x.prompt} ▸ ${x.response}   [${x.gold.toFixed(3)}]`);
      return;
    }
    const parts = Object.entries(e.values).map(([k, v]) => `${k} ${Math.abs(v) >= 1000 ? Math.round(v) : fmt(v)}`);
    console.log(`${e.run ?? e.stage} ${e.stage === 'ppo' || e.stage === 'rto' ? 'iteration' : 'step'} ${e.step}/${e.totalSteps} ${parts.join(' ')}`);
  };
}

/** The settings a stage's output depends on; a saved result is reused only when they match. */
function keyOf(ctx: StageContext, stage: 'sft' | 'prefs' | 'rm' | 'dpo'): string {
  const s = ctx.settings;
  // words and examples: the task's vocabulary and data can change under the same settings (the lexicon words).
  const sft = { task: ctx.taskName, seed: s.seed, vocab: s.vocabSize, words: ctx.task.tokenizer.size, examples: [ctx.task.train.length, ctx.task.heldOut.length], ...modelOf(s), sft: sftSettingsOf(s, 0) };
  const prefs = { ...sft, prompts: s.prefPrompts, heldOut: s.prefHeldOutPrompts, tau: s.prefTemperature };
  if (stage === 'sft') return JSON.stringify(sft);
  if (stage === 'prefs') return JSON.stringify(prefs);
  return JSON.stringify({ ...prefs, [stage]: stage === 'rm' ? rmSettingsOf(s) : dpoSettingsOf(s) });
}

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
  const saved = force ? null : await loadCheckpoint(ctx, 'sft');
  if (saved) return saved.model;
  const events: StageEvent[] = [];
  const started = performance.now();
  const r = await runSft({ task: ctx.task, model: modelOf(ctx.settings), seed: ctx.settings.seed, settings: sftSettingsOf(ctx.settings, 5), onEvent: printer(events) });
  const summary = { task: ctx.taskName, settings: ctx.settings, steps: r.steps, seconds: (performance.now() - started) / 1000, parameters: parameterCount(r.params), heldOutLoss: r.heldOutLoss, heldOutPerplexity: r.heldOutPerplexity, unigramLoss: r.unigramLoss, tokensPerSecond: r.tokensPerSecond };
  console.log(`sft: ${r.steps} steps in ${summary.seconds.toFixed(1)} s; held-out loss ${fmt(r.heldOutLoss)} (perplexity ${fmt(r.heldOutPerplexity, 1)}) against unigram ${fmt(r.unigramLoss)}`);
  await saveStage(ctx, 'sft', r, summary, events);
  return { params: r.params, config: r.config };
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

export async function ensurePairs(ctx: StageContext, sft: Model): Promise<PairSet> {
  const path = join(ctx.outDir, 'prefs.json');
  if (existsSync(path)) {
    const saved = JSON.parse(await readFile(path, 'utf8')) as PairSet & { key: string };
    if (saved.key === keyOf(ctx, 'prefs')) {
      console.log(`prefs: reusing ${path} (${saved.train.length} train / ${saved.heldOut.length} held-out pairs)`);
      printPairStats(saved.stats);
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
  return set;
}

export async function ensureRewardModel(ctx: StageContext, sft: Model, pairs: PairSet): Promise<Model & { norm: ScoreNorm; heldOut: RmResult['heldOut'] }> {
  const saved = await loadCheckpoint(ctx, 'rm');
  if (saved) return { ...saved.model, norm: saved.meta.norm as ScoreNorm, heldOut: saved.meta.heldOut as RmResult['heldOut'] };
  const events: StageEvent[] = [];
  const started = performance.now();
  const r: RmResult = await trainRewardModel({ sft, train: pairs.train, heldOut: pairs.heldOut, settings: rmSettingsOf(ctx.settings), seed: ctx.settings.seed, onEvent: printer(events) });
  const summary = { steps: r.steps, seconds: (performance.now() - started) / 1000, norm: r.norm, train: r.train, heldOut: r.heldOut };
  console.log(`rm: held-out accuracy ${fmt(r.heldOut.accuracy, 3)} (train ${fmt(r.train.accuracy, 3)}), loss ${fmt(r.heldOut.loss)}; score μ ${fmt(r.norm.mean)} σ ${fmt(r.norm.std)}; ${summary.seconds.toFixed(1)} s`);
  await saveStage(ctx, 'rm', r, summary, events);
  return r;
}

export async function ensureDpo(ctx: StageContext, sft: Model, pairs: PairSet): Promise<Model & { summary: Record<string, unknown> }> {
  const saved = await loadCheckpoint(ctx, 'dpo');
  if (saved) return { ...saved.model, summary: saved.meta };
  const events: StageEvent[] = [];
  const started = performance.now();
  const r: DpoResult = await trainDpo({ sft, train: pairs.train, heldOut: pairs.heldOut, settings: dpoSettingsOf(ctx.settings), actionSpace: taskSampleOptions(ctx.task), seed: ctx.settings.seed, onEvent: printer(events) });
  const summary: Record<string, unknown> = { steps: r.steps, seconds: (performance.now() - started) / 1000, beta: ctx.settings.dpoBeta, train: r.train, heldOut: r.heldOut };
  console.log(`dpo: held-out reward accuracy ${fmt(r.heldOut.accuracy, 3)}, margin ${fmt(r.heldOut.margin)}, loss ${fmt(r.heldOut.loss)} (train accuracy ${fmt(r.train.accuracy, 3)}); ${(summary.seconds as number).toFixed(1)} s`);
  await saveStage(ctx, 'dpo', r, summary, events);
  return { params: r.params, config: r.config, summary };
}
