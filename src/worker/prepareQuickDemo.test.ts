/**
 * The Quick demo got ready before its click (quickDemo.ts, prepareQuickDemo): its files fetched, its task built and
 * its model read once, so the load after the click fetches and builds nothing; DPO's reference pass and the SFT
 * baseline done ahead, with the numbers the stages compute; nothing is prepared over an open lab, and a prepared
 * model is freed when another lab opens; a failed fetch is not kept, so the load tries again and says what failed.
 * The app's files come from public/ through a stand-in fetch that counts what is asked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../cli/nodeBackend';
import { resolveSettings } from '../lab/config';
import { Lab } from '../lab/lab/lab';
import { cloneParams } from '../lab/model/gpt';
import { taskSampleOptions } from '../lab/model/sample';
import { rlPromptsOf } from '../lab/stageSettings';
import { pairLogProbs, referenceLogProbs } from '../lab/train/pairLogProbs';
import { sftBaseline } from '../lab/train/rlBaseline';
import { getChain } from './chain';
import { APP_VERSION, currentLab, replaceLab } from './labSession';
import { loadQuickDemo, prepareQuickDemo, settleQuickDemo } from './quickDemo';
import { getSftModel, taskOfSft, whenTaskBuilds } from './session';

const BASE = 'http://lab.test/';
const SHIPPED = new Set(['quick/sft.ckpt', 'quick/prefs.json', 'data/brown.json']);

describe('the Quick demo made ready while the page waits', () => {
  const asked = new Map<string, number>();
  const builds: string[] = [];
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    globalThis.fetch = (async (input: string | URL | Request) => {
      const url = String(input);
      asked.set(url, (asked.get(url) ?? 0) + 1);
      const path = url.slice(BASE.length).replace(/\?.*$/, '');
      return SHIPPED.has(path) ? new Response(readFileSync(join(process.cwd(), 'public', path))) : new Response('not here', { status: 404 });
    }) as typeof fetch;
    whenTaskBuilds((task) => builds.push(task));
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
    whenTaskBuilds(null);
  });
  const urls = [`${BASE}quick/sft.ckpt`, `${BASE}quick/prefs.json`, `${BASE}data/brown.json`] as const;

  it('fetches and builds once; the load after it fetches and builds nothing more', async () => {
    // A file that is not there: the preparation fails, and nothing failed is kept for the load.
    await expect(prepareQuickDemo(`${BASE}quick/missing.ckpt`, urls[1], urls[2])).rejects.toThrow(/the Quick demo's SFT model .*HTTP 404/);
    await expect(loadQuickDemo(`${BASE}quick/missing.ckpt`, urls[1], 'wasm', urls[2])).rejects.toThrow(/HTTP 404/);
    expect(asked.get(`${BASE}quick/missing.ckpt`)).toBe(2);
    expect(builds).toEqual([]);
    asked.clear();

    await prepareQuickDemo(...urls);
    expect(builds).toEqual(['sentiment']);
    expect(currentLab()).toBeNull(); // nothing anyone sees has changed
    const loaded = await loadQuickDemo(urls[0], urls[1], 'wasm', urls[2]);
    expect(builds).toEqual(['sentiment']);
    expect([...asked.values()]).toEqual([1, 1, 1]);
    expect(loaded.summary).toMatchObject({ task: 'sentiment', preset: 'tiny' });
    expect(loaded.pairs.values.pairs).toBeGreaterThan(3000);
    expect(currentLab()).not.toBeNull();

    // A lab is open now: preparing does nothing, not even a fetch.
    asked.clear();
    await prepareQuickDemo(`${BASE}quick/other.ckpt`, urls[1], urls[2]);
    expect(asked.size).toBe(0);
  });

  it("does DPO's reference pass and the SFT baseline ahead: the stages then compute nothing for them, and get the same numbers", async () => {
    replaceLab(null);
    await prepareQuickDemo(...urls);
    await settleQuickDemo();
    // What the DPO stage and the RL stages ask for first, asked as they ask it (rlhfJobs.ts, trainDpo), with the job
    // the Quick demo posts (the tiny preset, no overrides): all of it was computed before the load.
    const asked = async () => {
      await loadQuickDemo(urls[0], urls[1], 'wasm', urls[2]);
      const sft = getSftModel()!;
      const task = await taskOfSft(sft, urls[2]);
      const pairs = getChain().pairs!;
      const space = taskSampleOptions(task);
      const config = { ...sft.config, scalarHead: false };
      const settings = resolveSettings('tiny', { vocabSize: sft.summary.settings.vocabSize }, sft.summary.task);
      const { evalPrompts } = rlPromptsOf(task, settings);
      const train = await referenceLogProbs(sft.params, config, pairs.train, space);
      const heldOut = await referenceLogProbs(sft.params, config, pairs.heldOut, space);
      const baseline = await sftBaseline(task, { params: sft.params, config: sft.config }, evalPrompts, settings.seed);
      return { sft, task, pairs, space, config, settings, evalPrompts, train, heldOut, baseline };
    };
    let got: Awaited<ReturnType<typeof asked>> | undefined;
    const profile = await tf.profile(async () => {
      got = await asked();
      return [];
    });
    expect(profile.kernels).toEqual([]);
    const { sft, task, pairs, space, config, settings, evalPrompts, train, heldOut, baseline } = got!;
    expect(train).toHaveLength(2 * pairs.train.length);
    expect(train).toEqual(await pairLogProbs(sft.params, config, pairs.train, space));
    expect(heldOut).toEqual(await pairLogProbs(sft.params, config, pairs.heldOut, space));
    // The baseline of a copy of the weights (a cache of its own) is the same to the bit.
    const copy = cloneParams(sft.params);
    try {
      const again = await sftBaseline(task, { params: copy, config: sft.config }, evalPrompts, settings.seed);
      expect(again.gold).toEqual(baseline.gold);
      expect(again.evaluation.responses).toEqual(baseline.evaluation.responses);
    } finally {
      copy.forEach((t) => t.dispose());
    }
  });

  it('frees a prepared model when another lab opens first', async () => {
    replaceLab(null);
    const before = tf.memory().numTensors;
    await prepareQuickDemo(...urls);
    await settleQuickDemo();
    expect(tf.memory().numTensors).toBeGreaterThan(before); // the model, held for the click
    const other = new Lab({ id: 'lab-other', task: 'sentiment', preset: 'tiny', vocab: ['<pad>'], appVersion: APP_VERSION });
    replaceLab(other);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(tf.memory().numTensors).toBe(before);
    replaceLab(null);
  });

  it("on a GPU backend only fetches and builds the task: no model is made ahead, no read-back waits for that GPU", async () => {
    replaceLab(null);
    asked.clear();
    const before = tf.memory().numTensors;
    const gpu = [`${urls[0]}?gpu`, `${urls[1]}?gpu`] as const; // files of their own: nothing fetched before counts
    await prepareQuickDemo(...gpu, urls[2], 'webgl');
    await settleQuickDemo();
    expect(tf.memory().numTensors).toBe(before);
    expect([...asked.keys()]).toEqual(gpu);
    const loaded = await loadQuickDemo(...gpu, 'wasm', urls[2]);
    expect(loaded.summary.task).toBe('sentiment');
    expect([...asked.values()]).toEqual([1, 1]);
    replaceLab(null);
  });
});
