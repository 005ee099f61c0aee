/**
 * Tests of the Lab (lab.ts): what a new SFT model, new pairs, a new reward model or DPO model drops and frees; which
 * stored artefacts a change of settings invalidates (holds against artefactKey); a lab through its file and back
 * (same weights bit for bit, same runs); and that no tensor outlives dispose() or a snapshot that fails to revive.
 * Small real models (initGpt on the oracle task's vocabulary, tiny preset's shape), wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { resolveSettings, type Settings } from '../config';
import { disposeParams, initGpt, parameterSpecs, type GptConfig, type Params } from '../model/gpt';
import { createRng } from '../rng';
import { oracleTask } from '../tasks/oracle';
import type { Task } from '../tasks/task';
import type { PreferencePair } from '../train/preferences';
import { artefactKey, Lab, paramsOfBlob, type LabPairs } from './lab';
import { decodeLabFile, encodeLabFile } from './labFile';
import { tensorsFor } from './labFileFixture';
import type { LabSnapshot, ModelBlob, RunRecord } from './snapshot';

let task: Task;
let policy: GptConfig;
let critic: GptConfig;
const tiny = resolveSettings('tiny', {}, 'oracle');

beforeAll(async () => {
  await useNodeBackend('wasm');
  task = oracleTask({ seed: tiny.seed, sftExamples: 400 });
  policy = { vocabSize: task.tokenizer.size, contextLength: task.maxPromptLength + task.horizon, layers: tiny.layers, heads: tiny.heads, width: tiny.width, scalarHead: false };
  critic = { ...policy, scalarHead: true };
});

const model = (config: GptConfig, seed: number): Params => initGpt(config, createRng(seed));

function newLab(): Lab {
  return new Lab({ id: 'lab-test', task: 'oracle', preset: 'tiny', vocab: task.tokenizer.vocab, appVersion: '0.1.0' });
}

/** Every parameter's floats, by name (read from the device). */
async function weightsOf(params: Params): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, (await v.data<'float32'>()).slice());
  return out;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

function pairsOf(seed: number, key = 'pairs-key'): LabPairs {
  const rng = createRng(seed);
  const token = () => 4 + rng.int(20);
  const pair = (): PreferencePair => ({ prompt: [1, token(), token()], chosen: [token(), token(), 2], rejected: [token(), 2], goldChosen: rng.normal(), goldRejected: rng.normal() });
  const stats = { prompts: 4, pairs: 3, ties: 1, tieRate: 0.25, zeroShare: 0.5, agreement: 2 / 3 };
  return { key, summary: { pairs: 3 }, train: [pair(), pair(), pair()], heldOut: [pair()], stats: { train: stats, heldOut: { ...stats, prompts: 1, pairs: 1, ties: 0, tieRate: 0 } } };
}

/** A lab holding every stage, built from the `s` settings' keys. */
async function fullLab(s: Settings = tiny): Promise<Lab> {
  const lab = newLab();
  await lab.setSft(model(policy, 1), policy, artefactKey('sft', 'oracle', task, s), { steps: 5 });
  lab.setPairs(pairsOf(2, artefactKey('prefs', 'oracle', task, s)));
  await lab.setRm(model(critic, 3), critic, { mean: 0.25, std: 1.5 }, artefactKey('rm', 'oracle', task, s), { heldOutAccuracy: 0.6 });
  await lab.setDpo(model(policy, 4), policy, 0.1, { beta1: 0.59, clip: 0.17 }, artefactKey('dpo', 'oracle', task, s), { heldOutAccuracy: 0.55 });
  return lab;
}

/** Tensors of one policy and of one reward model (the scalar head's head.w is one more). */
const policyTensors = () => parameterSpecs(policy).length;
const criticTensors = () => parameterSpecs(critic).length;

describe('Lab: what each set* drops and frees', () => {
  it('setSft drops the pairs, the reward model and DPO, and frees the previous SFT, RM and DPO models', async () => {
    const start = tf.memory().numTensors;
    const lab = await fullLab();
    expect(tf.memory().numTensors - start).toBe(2 * policyTensors() + criticTensors());
    const old = { sft: lab.sft!.model.params, rm: lab.rm!.model.params, dpo: lab.dpo!.model.params };
    const next = model(policy, 9);
    const otherVocab = task.tokenizer.vocab.map((w, i) => (i === 23 ? 'zz' : w));
    await lab.setSft(next, policy, 'sft-key-2', { steps: 6 }, otherVocab);
    expect(lab.pairs).toBeNull();
    expect(lab.rm).toBeNull();
    expect(lab.dpo).toBeNull();
    expect(lab.sft!.key).toBe('sft-key-2');
    expect(lab.sft!.model.params).toBe(next);
    expect(lab.vocab[23]).toBe('zz');
    for (const params of Object.values(old)) for (const v of params.values()) expect(v.isDisposed).toBe(true);
    expect(tf.memory().numTensors - start).toBe(policyTensors());
    lab.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('setPairs drops the reward model and DPO (freed) and keeps the SFT model', async () => {
    const start = tf.memory().numTensors;
    const lab = await fullLab();
    const sft = lab.sft!;
    const rm = lab.rm!.model.params;
    const dpo = lab.dpo!.model.params;
    const pairs = pairsOf(5, 'pairs-key-2');
    lab.setPairs(pairs);
    expect(lab.pairs).toBe(pairs);
    expect(lab.rm).toBeNull();
    expect(lab.dpo).toBeNull();
    expect(lab.sft).toBe(sft);
    for (const v of sft.model.params.values()) expect(v.isDisposed).toBe(false);
    for (const v of [...rm.values(), ...dpo.values()]) expect(v.isDisposed).toBe(true);
    expect(tf.memory().numTensors - start).toBe(policyTensors());
    lab.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('setRm and setDpo replace their model and free the previous one, keeping everything else', async () => {
    const start = tf.memory().numTensors;
    const lab = await fullLab();
    const before = tf.memory().numTensors;
    const { sft, pairs } = lab;
    const oldRm = lab.rm!.model.params;
    const oldDpo = lab.dpo!.model.params;
    const rm2 = model(critic, 13);
    await lab.setRm(rm2, critic, { mean: -1, std: 2 }, 'rm-key-2', { heldOutAccuracy: 0.7 });
    expect(lab.rm!.model.params).toBe(rm2);
    expect(lab.rm!.norm).toEqual({ mean: -1, std: 2 });
    expect(lab.rm!.key).toBe('rm-key-2');
    for (const v of oldRm.values()) expect(v.isDisposed).toBe(true);
    const dpo2 = model(policy, 14);
    await lab.setDpo(dpo2, policy, 0.2, { beta1: 1, clip: 0.3 }, 'dpo-key-2', {});
    expect(lab.dpo!.model.params).toBe(dpo2);
    expect(lab.dpo!.beta).toBe(0.2);
    for (const v of oldDpo.values()) expect(v.isDisposed).toBe(true);
    expect(lab.sft).toBe(sft);
    expect(lab.pairs).toBe(pairs);
    expect(lab.dpo).not.toBeNull();
    expect(lab.rm).not.toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    lab.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it("keeps a blob of each model's weights as they were set, read once", async () => {
    const lab = newLab();
    const params = model(policy, 21);
    const expected = await weightsOf(params);
    await lab.setSft(params, policy, 'k', {});
    const blob = lab.sft!.model.blob;
    expect(blob.config).toEqual(policy);
    expect(blob.tensors.map((t) => t.name)).toEqual(parameterSpecs(policy).map((s) => s.name));
    for (const t of blob.tensors) expect(bits(t.data)).toEqual(bits(expected.get(t.name)!));
    lab.dispose();
  });
});

describe('Lab.holds against artefactKey: what a change of settings invalidates', () => {
  const keysOf = (s: Settings) => ({
    sft: artefactKey('sft', 'oracle', task, s),
    prefs: artefactKey('prefs', 'oracle', task, s),
    rm: artefactKey('rm', 'oracle', task, s),
    dpo: artefactKey('dpo', 'oracle', task, s),
  });
  const held = (lab: Lab, s: Settings) => {
    const k = keysOf(s);
    return { sft: lab.holds('sft', k.sft), prefs: lab.holds('prefs', k.prefs), rm: lab.holds('rm', k.rm), dpo: lab.holds('dpo', k.dpo) };
  };
  let lab: Lab;
  beforeAll(async () => {
    lab = await fullLab(tiny);
    return () => lab.dispose();
  });

  it('holds every stage for the settings it was built with', () => {
    expect(held(lab, tiny)).toEqual({ sft: true, prefs: true, rm: true, dpo: true });
  });

  it('a changed reward-model setting invalidates the reward model only', () => {
    expect(held(lab, { ...tiny, rmLr: tiny.rmLr * 2 })).toEqual({ sft: true, prefs: true, rm: false, dpo: true });
    expect(held(lab, { ...tiny, rmEpochs: tiny.rmEpochs + 1 })).toEqual({ sft: true, prefs: true, rm: false, dpo: true });
  });

  it('a changed DPO setting invalidates DPO only', () => {
    expect(held(lab, { ...tiny, dpoBeta: tiny.dpoBeta * 2 })).toEqual({ sft: true, prefs: true, rm: true, dpo: false });
  });

  it('a changed preference setting invalidates the pairs and what is built on them, not SFT', () => {
    expect(held(lab, { ...tiny, prefTemperature: tiny.prefTemperature / 2 })).toEqual({ sft: true, prefs: false, rm: false, dpo: false });
    expect(held(lab, { ...tiny, prefPrompts: tiny.prefPrompts + 1 })).toEqual({ sft: true, prefs: false, rm: false, dpo: false });
  });

  it('a changed seed, SFT setting or model shape invalidates everything', () => {
    for (const change of [{ seed: tiny.seed + 1 }, { sftLr: tiny.sftLr / 2 }, { width: tiny.width * 2 }]) {
      expect(held(lab, { ...tiny, ...change }), JSON.stringify(change)).toEqual({ sft: false, prefs: false, rm: false, dpo: false });
    }
  });

  it('an RL setting changes no stage key', () => {
    expect(keysOf({ ...tiny, rlIterations: tiny.rlIterations + 5, beta1: 3 })).toEqual(keysOf(tiny));
  });

  it('a task with other data under the same settings invalidates everything', () => {
    const other = oracleTask({ seed: tiny.seed, sftExamples: 500 });
    expect(lab.holds('sft', artefactKey('sft', 'oracle', other, tiny))).toBe(false);
    expect(lab.holds('prefs', artefactKey('prefs', 'oracle', other, tiny))).toBe(false);
  });

  it('an empty lab holds nothing', () => {
    const empty = newLab();
    expect(held(empty, tiny)).toEqual({ sft: false, prefs: false, rm: false, dpo: false });
  });
});

describe('Lab: snapshot → lab file → Lab.fromSnapshot', () => {
  function runsOf(): RunRecord[] {
    const rng = createRng(31);
    const actor = tensorsFor(policy, rng);
    const criticT = tensorsFor(critic, rng);
    const moments = (ts: typeof actor, scale: number) => ts.map((t) => ({ name: t.name, shape: [...t.shape], data: Float32Array.from(t.data, () => scale * Math.abs(rng.normal())) }));
    return [
      {
        runId: 'run-sft',
        job: { kind: 'sft', task: 'oracle', preset: 'tiny', overrides: { sftSteps: 5 }, dataUrl: '' },
        status: 'finished',
        events: [
          { type: 'runStarted', runId: 'run-sft', job: { kind: 'sft' }, backend: 'wasm' },
          { type: 'runProgress', runId: 'run-sft', done: 5, total: 5, label: 'step 5/5' },
          { type: 'runFinished', runId: 'run-sft', result: { kind: 'sft', steps: 5 } },
        ],
        resume: null,
      },
      {
        runId: 'run-ppo',
        job: { kind: 'stage', stage: 'ppo', preset: 'tiny', overrides: {}, dataUrl: '' },
        status: 'running',
        events: [{ type: 'stage', runId: 'run-ppo', event: { type: 'metrics', stage: 'ppo', step: 2, totalSteps: 20, values: { gold: 0.31 } } }],
        resume: {
          iteration: 2,
          step: 8,
          episodes: 512,
          actor,
          critic: criticT,
          actorAdam: { t: 8, m: moments(actor, 1e-3), v: moments(actor, 1e-6) },
          criticAdam: { t: 8, m: moments(criticT, 1e-3), v: moments(criticT, 1e-6) },
          rng: { state: 123_456_789, spareNormal: null },
          promptStream: { order: [2, 0, 1], index: 1 },
          history: [{ iteration: 0, episodes: 0, gold: 0.1, goldSe: 0.01, winRate: 0.5, winRateSe: 0.02, kl: 0, length: 10 }],
        },
      },
    ];
  }

  it('gives the same weights (every bit), pairs, keys, summaries and runs, and dispose() frees every tensor', async () => {
    const start = tf.memory().numTensors;
    const lab = await fullLab();
    for (const r of runsOf()) lab.putRun(r);
    const snapshot = lab.snapshot(new Date('2026-12-02T09:30:00Z'));
    expect(snapshot.savedAt).toBe('2026-12-02T09:30:00.000Z');
    const back = Lab.fromSnapshot(decodeLabFile(encodeLabFile(snapshot)));
    expect(tf.memory().numTensors - start).toBe(2 * (2 * policyTensors() + criticTensors()));
    for (const stage of ['sft', 'rm', 'dpo'] as const) {
      const a = await weightsOf(lab[stage]!.model.params);
      const b = await weightsOf(back[stage]!.model.params);
      expect([...b.keys()], stage).toEqual([...a.keys()]);
      for (const [name, data] of a) expect(bits(b.get(name)!), `${stage} ${name}`).toEqual(bits(data));
      // Fresh variables, not the original ones.
      expect(back[stage]!.model.params.get('wte')).not.toBe(lab[stage]!.model.params.get('wte'));
      expect(back[stage]!.model.config).toEqual(lab[stage]!.model.config);
      expect(back[stage]!.key).toBe(lab[stage]!.key);
      expect(back[stage]!.summary).toEqual(lab[stage]!.summary);
    }
    expect(back.rm!.norm).toEqual({ mean: 0.25, std: 1.5 });
    expect(back.dpo!.beta).toBe(0.1);
    expect(back.dpo!.rto).toEqual({ beta1: 0.59, clip: 0.17 });
    expect(back.pairs).toEqual({ ...lab.pairs });
    expect(back.runs).toEqual(lab.runs);
    expect(bits(back.run('run-ppo')!.resume!.criticAdam!.v[3]!.data)).toEqual(bits(lab.run('run-ppo')!.resume!.criticAdam!.v[3]!.data));
    expect({ id: back.id, task: back.task, preset: back.preset, vocab: back.vocab, appVersion: back.appVersion }).toEqual({ id: 'lab-test', task: 'oracle', preset: 'tiny', vocab: task.tokenizer.vocab, appVersion: '0.1.0' });
    // The round trip is a fixed point: the revived lab's snapshot is the same snapshot.
    expect(back.snapshot(new Date('2026-12-02T09:30:00Z'))).toEqual(snapshot);
    back.dispose();
    lab.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(back.sft).toBeNull();
    expect(lab.rm).toBeNull();
  });

  it('a snapshot does not change when the lab records more afterwards', async () => {
    const lab = newLab();
    lab.putRun(runsOf()[0]!);
    const snapshot = lab.snapshot();
    lab.run('run-sft')!.events.push({ type: 'later' });
    lab.putRun({ runId: 'run-2', job: {}, status: 'running', events: [], resume: null });
    expect(snapshot.runs).toHaveLength(1);
    expect(snapshot.runs[0]!.events).toHaveLength(3);
  });

  it('an empty lab (no models, no runs) round-trips too', () => {
    const lab = newLab();
    const back = Lab.fromSnapshot(decodeLabFile(encodeLabFile(lab.snapshot())));
    expect(back.snapshot(new Date(0))).toEqual(lab.snapshot(new Date(0)));
  });

  it('fromSnapshot refuses a bad reward-model blob, naming it, and frees the SFT model it had already made', async () => {
    const lab = await fullLab();
    const good = lab.snapshot();
    lab.dispose();
    const start = tf.memory().numTensors;
    // The scalar head missing: the count is wrong before any tensor is made for the reward model.
    const noHead: LabSnapshot = { ...good, rm: { ...good.rm!, model: { ...good.rm!.model, tensors: good.rm!.model.tensors.slice(0, -1) } } };
    expect(() => Lab.fromSnapshot(noHead)).toThrow(`the reward model: ${criticTensors() - 1} tensors, its config needs ${criticTensors()}`);
    expect(tf.memory().numTensors).toBe(start);
    // The DPO model's first tensor has the wrong shape: the SFT and reward models made before it are freed.
    const tensors = good.dpo!.model.tensors.map((t, i) => (i === 0 ? { ...t, shape: [t.shape[1]!, t.shape[0]!] } : t));
    const badDpo: LabSnapshot = { ...good, dpo: { ...good.dpo!, model: { ...good.dpo!.model, tensors } } };
    expect(() => Lab.fromSnapshot(badDpo)).toThrow(`the DPO model: tensor wte has shape ${policy.width}×${policy.vocabSize}, its config needs ${policy.vocabSize}×${policy.width}`);
    expect(tf.memory().numTensors).toBe(start);
  });

  // Known bug (reported): paramsOfBlob makes each tensor inside `expected.map` and disposes them only after the map,
  // so a blob refused at its k-th tensor leaks the k tensors made before it. Flip to `it` once lab.ts frees them.
  it('fromSnapshot refusing a blob at a later tensor leaks nothing (paramsOfBlob frees the tensors made before it)', async () => {
    const lab = await fullLab();
    const good = lab.snapshot();
    lab.dispose();
    const start = tf.memory().numTensors;
    const last = good.sft!.model.tensors.length - 1;
    const tensors = good.sft!.model.tensors.map((t, i) => (i === last ? { ...t, shape: [t.shape[0]! + 1] } : t));
    const bad: LabSnapshot = { ...good, sft: { ...good.sft!, model: { ...good.sft!.model, tensors } } };
    expect(() => Lab.fromSnapshot(bad)).toThrow('the SFT model: tensor lnf.b has shape');
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('paramsOfBlob', () => {
  const blobOf = (config: GptConfig, seed: number): ModelBlob => ({ config: { ...config }, tensors: tensorsFor(config, createRng(seed)) });

  it('makes trainable variables with the blob values, in parameterSpecs order', async () => {
    const blob = blobOf(critic, 41);
    const params = paramsOfBlob(blob, 'the reward model');
    expect([...params.keys()]).toEqual(parameterSpecs(critic).map((s) => s.name));
    const w = await weightsOf(params);
    for (const t of blob.tensors) expect(bits(w.get(t.name)!)).toEqual(bits(t.data));
    for (const v of params.values()) expect(v.trainable).toBe(true);
    disposeParams(params);
  });

  it('accepts tensors in any order (by name)', () => {
    const blob = blobOf(policy, 42);
    const params = paramsOfBlob({ ...blob, tensors: [...blob.tensors].reverse() }, 'x');
    expect([...params.keys()][0]).toBe('wte');
    disposeParams(params);
  });

  it('refuses a wrong shape, naming the model, the tensor and both shapes', () => {
    const blob = blobOf(policy, 43);
    const i = blob.tensors.findIndex((t) => t.name === 'h0.attn.wqkv');
    const d = policy.width;
    const tensors = blob.tensors.map((t, j) => (j === i ? { ...t, shape: [3 * d, d] } : t));
    expect(() => paramsOfBlob({ ...blob, tensors }, 'the SFT model')).toThrow(`the SFT model: tensor h0.attn.wqkv has shape ${3 * d}×${d}, its config needs ${d}×${3 * d}`);
  });

  it('refuses a missing tensor and a wrong count, naming them', () => {
    const blob = blobOf(policy, 44);
    const renamed = blob.tensors.map((t) => (t.name === 'lnf.g' ? { ...t, name: 'lnf.gain' } : t));
    expect(() => paramsOfBlob({ ...blob, tensors: renamed }, 'the DPO model')).toThrow('the DPO model: tensor lnf.g is missing');
    expect(() => paramsOfBlob({ config: critic, tensors: blob.tensors }, 'the reward model')).toThrow(`the reward model: ${policyTensors()} tensors, its config needs ${criticTensors()}`);
  });
});
