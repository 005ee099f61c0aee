/**
 * Integration test of the CLI's stage chain on a lab (pipeline.ts), on the oracle task at the tiny preset with tiny
 * overrides, in temporary folders: SFT and pairs are saved in DIR/lab.rtolab; a second context on the folder reuses
 * them (same weights, same pairs); a changed preference temperature samples new pairs on the same SFT model; a context
 * can start from another folder's lab file (and saves into its own folder); a lab of the other task, or of another
 * vocabulary, is refused. Every model is freed at the end (tensor count back where it started).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveSettings } from '../../lab/config';
import { artefactKey, Lab } from '../../lab/lab/lab';
import { disposeParams, type Params } from '../../lab/model/gpt';
import { readLabFile, writeLabFile } from '../labFolder';
import { useNodeBackend } from '../nodeBackend';
import { ensurePairs, ensureRewardModel, ensureSft, makeContext, type Model, type PairSet, type StageContext } from './pipeline';

const settings = resolveSettings('tiny', { sftSteps: 5, prefPrompts: 60, prefHeldOutPrompts: 20, rmEpochs: 1, dpoEpochs: 1 }, 'oracle');
const cooler = { ...settings, prefTemperature: settings.prefTemperature / 2 };

let root: string;
let dirA: string;
let startTensors = 0;
const contexts: StageContext[] = [];
const models: Model[] = [];
let lines: string[] = [];

async function context(dir: string, s = settings, fromLab?: string): Promise<StageContext> {
  const ctx = await makeContext('oracle', 'tiny', s, dir, fromLab);
  contexts.push(ctx);
  return ctx;
}
const keep = <M extends Model>(m: M): M => {
  models.push(m);
  return m;
};

async function weightsOf(params: Params): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, v] of params) out.set(name, Array.from(await v.data<'float32'>()));
  return out;
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  startTensors = tf.memory().numTensors;
  root = await mkdtemp(join(tmpdir(), 'rto-lab-pipeline-'));
  dirA = join(root, 'a');
});

beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => vi.restoreAllMocks();
});

afterAll(async () => {
  for (const ctx of contexts) ctx.lab.dispose();
  for (const m of models) disposeParams(m.params);
  expect(tf.memory().numTensors).toBe(startTensors);
  await rm(root, { recursive: true, force: true });
});

describe('the CLI chain on a lab in DIR/lab.rtolab (oracle, tiny)', () => {
  let sft: Model;
  let pairs: PairSet;

  it('ensureSft and ensurePairs train, record and save both in DIR/lab.rtolab', async () => {
    const ctx = await context(dirA);
    expect(ctx.labPath).toBe(join(dirA, 'lab.rtolab'));
    expect(ctx.lab.sft).toBeNull();
    sft = keep(await ensureSft(ctx));
    expect(lines.some((l) => /^sft: 5 steps in/.test(l))).toBe(true);
    pairs = await ensurePairs(ctx, sft);
    expect(pairs.stats.train.prompts).toBe(60);
    expect(pairs.stats.heldOut.prompts).toBe(20);
    expect(pairs.train.length).toBeGreaterThan(30);
    const saved = (await readLabFile(ctx.labPath))!;
    expect(saved.task).toBe('oracle');
    expect(saved.preset).toBe('tiny');
    expect(saved.sft!.key).toBe(artefactKey('sft', 'oracle', ctx.task, settings));
    expect(saved.pairs!.key).toBe(artefactKey('prefs', 'oracle', ctx.task, settings));
    expect(saved.pairs!.train).toEqual(pairs.train);
    expect(saved.runs.map((r) => [(r.job as { kind: string }).kind, r.status])).toEqual([
      ['sft', 'finished'],
      ['stage', 'finished'],
    ]);
    // The copy handed back is the caller's: its weights are the lab's, in other variables.
    expect(sft.params.get('wte')).not.toBe(ctx.lab.sft!.model.params.get('wte'));
    expect(await weightsOf(sft.params)).toEqual(await weightsOf(ctx.lab.sft!.model.params));
    expect(lines).toContain(`lab: saved ${ctx.labPath} (${((await readFile(ctx.labPath)).byteLength / 2 ** 20).toFixed(2)} MiB)`);
  });

  it('a second context on the folder reuses the SFT model and the pairs (same weights, same pairs)', async () => {
    const before = await readFile(join(dirA, 'lab.rtolab'));
    const ctx = await context(dirA);
    expect(lines).toContain(`lab: ${join(dirA, 'lab.rtolab')} (SFT, pairs; 2 runs)`);
    const again = keep(await ensureSft(ctx));
    expect(lines).toContain("sft: reusing the lab's SFT model");
    expect(await weightsOf(again.params)).toEqual(await weightsOf(sft.params));
    const pairsAgain = await ensurePairs(ctx, again);
    expect(lines.some((l) => l.startsWith(`prefs: reusing the lab's pairs (${pairs.train.length} train / ${pairs.heldOut.length} held-out pairs)`))).toBe(true);
    expect(pairsAgain.train).toEqual(pairs.train);
    expect(pairsAgain.heldOut).toEqual(pairs.heldOut);
    expect(lines.some((l) => /^sft: \d+ steps in/.test(l))).toBe(false);
    // Nothing new: the lab file was not written again.
    expect(Buffer.compare(await readFile(join(dirA, 'lab.rtolab')), before)).toBe(0);
  });

  it('a changed preference temperature samples new pairs on the same SFT model', async () => {
    const ctx = await context(dirA, cooler);
    const same = keep(await ensureSft(ctx));
    expect(lines).toContain("sft: reusing the lab's SFT model");
    expect(await weightsOf(same.params)).toEqual(await weightsOf(sft.params));
    const fresh = await ensurePairs(ctx, same);
    expect(lines).toContain(`prefs: ${join(dirA, 'prefs.json')} was made with other settings; sampling again`);
    expect(fresh.train).not.toEqual(pairs.train);
    const saved = (await readLabFile(ctx.labPath))!;
    expect(saved.pairs!.key).toBe(artefactKey('prefs', 'oracle', ctx.task, cooler));
    expect(saved.pairs!.key).not.toBe(artefactKey('prefs', 'oracle', ctx.task, settings));
    expect(saved.sft!.key).toBe(artefactKey('sft', 'oracle', ctx.task, settings));
    expect(saved.sft!.model.tensors.map((t) => Array.from(t.data))).toEqual([...(await weightsOf(sft.params)).values()]);
    expect(saved.runs.map((r) => (r.job as { stage?: string }).stage ?? 'sft')).toEqual(['sft', 'preferences', 'preferences']);
  });

  it('makeContext(..., fromLab) starts from another folder’s lab file and saves into its own folder', async () => {
    const source = join(dirA, 'lab.rtolab');
    const before = await readFile(source);
    const dirB = join(root, 'b');
    const ctx = await context(dirB, cooler, source);
    expect(lines).toContain(`lab: ${source} (SFT, pairs; 3 runs)`);
    expect(ctx.labPath).toBe(join(dirB, 'lab.rtolab'));
    const reused = keep(await ensureSft(ctx));
    expect(await weightsOf(reused.params)).toEqual(await weightsOf(sft.params));
    const held = await ensurePairs(ctx, reused);
    expect(lines.some((l) => l.startsWith("prefs: reusing the lab's pairs"))).toBe(true);
    const rmModel = keep(await ensureRewardModel(ctx, reused, held));
    expect(rmModel.config.scalarHead).toBe(true);
    const inB = (await readLabFile(ctx.labPath))!;
    expect(inB.rm).not.toBeNull();
    expect(inB.sft!.key).toBe(artefactKey('sft', 'oracle', ctx.task, settings));
    expect(inB.runs).toHaveLength(4);
    // The source file is left as it was.
    expect(Buffer.compare(await readFile(source), before)).toBe(0);
    await expect(makeContext('oracle', 'tiny', settings, dirB, join(root, 'nowhere.rtolab'))).rejects.toThrow(`--lab ${join(root, 'nowhere.rtolab')}: no such file`);
  });

  it('refuses a lab of the other task, naming both tasks, and one of another vocabulary', async () => {
    const dirC = join(root, 'c');
    const foreign = new Lab({ id: 'lab-s', task: 'sentiment', preset: 'tiny', vocab: ['<pad>', '<bos>', '<eos>', '<unk>', 'good', 'bad'], appVersion: '0.1.0' });
    const foreignPath = join(root, 'sentiment.rtolab');
    await writeLabFile(foreignPath, foreign);
    await expect(context(dirC, settings, foreignPath)).rejects.toThrow(`${foreignPath} is a lab of the sentiment task, not oracle: pass --task sentiment`);
    const oddVocab = contexts[0]!.task.tokenizer.vocab.map((w, i) => (i === 7 ? 'x' : w));
    const odd = new Lab({ id: 'lab-o', task: 'oracle', preset: 'tiny', vocab: oddVocab, appVersion: '0.1.0' });
    const oddPath = join(root, 'odd.rtolab');
    await writeLabFile(oddPath, odd);
    await expect(context(dirC, settings, oddPath)).rejects.toThrow(`this lab was built with another vocabulary than the oracle task's: token id 7 is "x" in the lab but ${JSON.stringify(contexts[0]!.task.tokenizer.vocab[7])} in the task`);
  });
});
