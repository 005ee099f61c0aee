/**
 * The benchmark's measurements, on whatever tfjs backend is active (Node or the page; no Node or DOM imports here).
 * Every timed call ends in a read-back to the CPU, so a sample is the whole of the work, not its dispatch.
 *  - the reference step: a GPT of vocabulary 64, width 64, 2 layers, 4 heads, 32 predicted tokens per row, batch 32,
 *    Adam and gradient clipping, from the lab's own initGpt, maskedNll, Adam and optimiserStep (the shapes of
 *    scripts/bench/torch_tiny_gpt.py);
 *  - from a prepared lab (its SFT, RM and DPO models and pairs): a small-preset SFT step and its evaluation, preference
 *    sampling per 1,000 prompts, an RM and a DPO step and their per-pair passes, and RL iterations (PPO and RTO) split
 *    into the phases trainRl runs, timed by calling the same functions it calls: sampling, scoring (all four models in
 *    one read-back, and each model's pass alone), rewards/advantages, and the update's minibatch steps; and one
 *    evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveSettings, type Settings } from '../../src/lab/config';
import { Lab } from '../../src/lab/lab/lab';
import type { LabSnapshot } from '../../src/lab/lab/snapshot';
import { actionLogitBias } from '../../src/lab/model/actionMask';
import { cloneParams, disposeParams, initGpt, maskedNll, scalarAt, tokenLogProbsAt, type GptConfig } from '../../src/lab/model/gpt';
import { taskSampleOptions } from '../../src/lab/model/sample';
import { createRng } from '../../src/lab/rng';
import { dpoSettingsOf, modelOf, preferenceSettingsOf, rlPromptsOf, rmSettingsOf, sftSettingsOf } from '../../src/lab/stageSettings';
import type { Task } from '../../src/lab/tasks/task';
import { evaluateResponses } from '../../src/lab/eval/policyEval';
import { epochOrder, packExamples } from '../../src/lab/train/batch';
import { dpoLoss } from '../../src/lab/train/dpo';
import { pairLogProbs } from '../../src/lab/train/pairLogProbs';
import { Adam, optimiserStep } from '../../src/lab/train/optim';
import { packPairs } from '../../src/lab/train/pairBatch';
import { makePreferencePairs } from '../../src/lab/train/preferences';
import { sftBaseline } from '../../src/lab/train/rlBaseline';
import { bradleyTerry, scorePairs } from '../../src/lab/train/rm';
import { criticValuesAt, scalarConfig } from '../../src/lab/train/rollout';
import { heldOutNll, sampleTexts } from '../../src/lab/train/sft';
import { sequenceLogProbs } from '../../src/lab/model/gpt';
import { RL_PHASES, rlBench } from './rlIteration';
import { summarise, type Timing } from './stats';

export interface BenchOptions {
  /** Fewer repetitions (a smoke run). */
  quick: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

async function repeat(warmup: number, reps: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export const REF_CONFIG: GptConfig = { vocabSize: 64, contextLength: 33, layers: 2, heads: 4, width: 64, scalarHead: false };
export const REF_BATCH = 32;

/** One reference-step session: fresh model and Adam, `warmup` steps, then `steps` timed steps (ms each). */
export async function refStepTimes(warmup: number, steps: number, seed = 0): Promise<number[]> {
  const rng = createRng(`bench:ref:${seed}`);
  const params = initGpt(REF_CONFIG, rng.fork());
  const adam = new Adam(params);
  const T = REF_CONFIG.contextLength;
  const data = Int32Array.from({ length: REF_BATCH * T }, () => Math.floor(rng.next() * REF_CONFIG.vocabSize));
  // Position 0 has no context: the 32 tokens after it are predicted, as torch_tiny_gpt.py's T = 32.
  const mask = Float32Array.from({ length: REF_BATCH * T }, (_, i) => (i % T === 0 ? 0 : 1));
  const ids = tf.tensor2d(data, [REF_BATCH, T], 'int32');
  try {
    return await repeat(warmup, steps, () => optimiserStep(params, adam, () => maskedNll(params, REF_CONFIG, ids, mask), 3e-3, 1));
  } finally {
    ids.dispose();
    adam.dispose();
    disposeParams(params);
  }
}

export interface LabBench {
  settings: Settings;
  rows: Timing[];
}

/** The lab measurements (see the file comment) on a prepared lab's models. */
export async function benchLab(task: Task, snapshot: LabSnapshot, o: BenchOptions): Promise<LabBench> {
  if (!snapshot.sft || !snapshot.rm || !snapshot.dpo || !snapshot.pairs) throw new Error('the benchmark needs a lab with SFT, pairs, RM and DPO');
  const log = o.log ?? (() => {});
  const reps = (full: number, quick: number) => (o.quick ? quick : full);
  const settings = resolveSettings(snapshot.preset, snapshot.sft.summary.settings as Partial<Settings>, snapshot.task);
  const lab = Lab.fromSnapshot(snapshot);
  const rows: Timing[] = [];
  const add = (name: string, unit: string, samples: number[], key?: string) => {
    const t = summarise(name, unit, samples, key);
    rows.push(t);
    log(`${name}: median ${t.median} ms per ${unit} (${t.min}–${t.max}, n ${t.n})`);
  };
  try {
    const sft = lab.sft!.model;
    const rm = lab.rm!.model;
    const dpo = lab.dpo!.model;
    const pairs = snapshot.pairs.train;
    const options = taskSampleOptions(task, 1);

    // SFT: a fresh small-preset model, the runner's batches.
    {
      const s = sftSettingsOf(settings);
      const config: GptConfig = { ...modelOf(settings), vocabSize: task.tokenizer.size, contextLength: task.maxPromptLength + task.horizon, scalarHead: false };
      const rng = createRng('bench:sft');
      const params = initGpt(config, rng.fork());
      const adam = new Adam(params);
      const order = epochOrder(task.train.length, () => rng.next());
      let cursor = 0;
      const step = async () => {
        if (cursor + s.batchSize > order.length) cursor = 0;
        const batch = packExamples(order.slice(cursor, cursor + s.batchSize).map((i) => task.train[i]!), config.contextLength);
        cursor += s.batchSize;
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
        await optimiserStep(params, adam, () => maskedNll(params, config, ids, batch.mask), 1e-3, s.maxGradNorm);
        ids.dispose();
      };
      add(`sft step (batch ${s.batchSize})`, 'step', await repeat(3, reps(20, 8), step), 'sftStep');
      add(`sft evaluation (${s.evalExamples} held-out examples)`, 'evaluation', await repeat(1, reps(3, 2), () => heldOutNll(params, config, task, s.evalExamples)), 'sftEval');
      add(`sft samples (${s.samples} texts)`, 'sampling', await repeat(1, reps(3, 2), () => sampleTexts(params, config, task, s.samples, 'bench', s.sampleTemperature)), 'sftSamples');
      adam.dispose();
      disposeParams(params);
    }

    // Preference sampling: 1,000 training prompts, the stage's batches (two responses per prompt) and gold judging.
    {
      const prompts = task.train.slice(0, 1000).map((e) => e.prompt);
      let k = 0;
      add('preferences', '1,000 prompts', await repeat(0, reps(3, 1), () => makePreferencePairs(task, { params: sft.params, config: sft.config }, prompts, preferenceSettingsOf(settings), `bench:${k++}`)), 'preferencesPer1000');
    }

    // Reward model and DPO steps (their runners' batches and losses), and their per-pair passes.
    {
      const rs = rmSettingsOf(settings);
      const config = rm.config;
      const params = cloneParams(rm.params);
      const adam = new Adam(params);
      let k = 0;
      const step = async () => {
        const batch = packPairs(pairs.slice((k * rs.batchSize) % (pairs.length - rs.batchSize), ((k * rs.batchSize) % (pairs.length - rs.batchSize)) + rs.batchSize), config.contextLength);
        k++;
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
        await optimiserStep(params, adam, () => bradleyTerry(scalarAt(params, config, ids, batch.eosPositions), batch.pairs), 1e-4, rs.maxGradNorm);
        ids.dispose();
      };
      add(`rm step (batch ${rs.batchSize} pairs)`, 'step', await repeat(3, reps(20, 8), step), 'rmStep');
      const some = pairs.slice(0, 1000);
      add('rm scoring (evaluation)', '1,000 pairs', await repeat(1, reps(3, 1), () => scorePairs(params, config, some)), 'rmPairsPer1000');
      adam.dispose();
      disposeParams(params);
    }
    {
      const ds = dpoSettingsOf(settings);
      const config = { ...sft.config, scalarHead: false };
      const params = cloneParams(new Map([...sft.params].filter(([name]) => name !== 'head.w')));
      const adam = new Adam(params);
      let k = 0;
      const step = async () => {
        const from = (k * ds.batchSize) % (pairs.length - ds.batchSize);
        k++;
        const chunk = pairs.slice(from, from + ds.batchSize);
        const batch = packPairs(chunk, config.contextLength);
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.length], 'int32');
        const ref = tf.zeros([2 * chunk.length]) as tf.Tensor1D;
        await optimiserStep(params, adam, () => dpoLoss(sequenceLogProbs(params, config, ids, batch.mask, options), ref, ds.beta, batch.pairs), 1e-5, ds.maxGradNorm);
        tf.dispose([ids, ref]);
      };
      add(`dpo step (batch ${ds.batchSize} pairs)`, 'step', await repeat(3, reps(20, 8), step), 'dpoStep');
      const some = pairs.slice(0, 1000);
      add('dpo log-prob pass (reference, evaluation)', '1,000 pairs', await repeat(1, reps(3, 1), () => pairLogProbs(params, config, some, options)), 'dpoPairsPer1000');
      adam.dispose();
      disposeParams(params);
    }

    // RL iterations, phase by phase, as trainRl composes them (rlIteration.ts).
    const { evalPrompts } = rlPromptsOf(task, settings);
    for (const method of ['ppo', 'rto'] as const) {
      const rl = rlBench(task, lab, settings, method, options);
      const { settings: s, models } = rl;
      const { config, norm } = models;
      const phases: Record<string, number[]> = { sampling: [], scoring: [], 'rewards/advantages': [], update: [], iteration: [] };
      const parts: Record<string, number[]> = { 'ℓ_old': [], 'ℓ_ref': [], 'ℓ_dpo': [], V: [], RM: [] };
      const iterations = reps(8, 3);
      for (let it = -1; it < iterations; it++) {
        const t0 = performance.now();
        let last = t0;
        const ends: Record<string, number> = {};
        const { batch, rollout } = await rl.iteration((phase) => {
          const t = performance.now();
          ends[phase] = t - last;
          last = t;
        });
        const total = last - t0;
        // Each model's scoring pass alone (outside the iteration's time: one read-back each).
        const B = batch.promptLengths.length;
        const ids = tf.tensor2d(batch.ids, [B, batch.length], 'int32');
        const bias = actionLogitBias(options, config.vocabSize, rollout.responseIndex);
        const eos = Int32Array.from({ length: B }, (_, b) => rollout.positions[(rollout.offsets[b + 1] ?? 1) - 1] ?? 0);
        const one = async (key: string, f: () => tf.Tensor) => {
          const u0 = performance.now();
          const x = tf.tidy(f);
          await x.data();
          x.dispose();
          if (it >= 0) parts[key]!.push(performance.now() - u0);
        };
        await one('ℓ_old', () => tokenLogProbsAt(models.policy, config, ids, rollout.positions, bias));
        await one('ℓ_ref', () => tokenLogProbsAt(sft.params, config, ids, rollout.positions, bias));
        if (method === 'rto') await one('ℓ_dpo', () => tokenLogProbsAt(dpo.params, config, ids, rollout.positions, bias));
        await one('V', () => criticValuesAt(models.critic, config, ids, rollout.positions.map((p) => p - 1), norm));
        await one('RM', () => scalarAt(rm.params, scalarConfig(config), ids, eos));
        tf.dispose([ids, bias]);
        if (it < 0) continue; // warm-up
        for (const phase of RL_PHASES) phases[phase]!.push(ends[phase]!);
        phases.iteration!.push(total);
      }
      for (const [phase, xs] of Object.entries(phases)) add(`rl ${method} ${phase}${phase === 'iteration' ? ` (${s.promptsPerRollout} prompts, ${s.minibatches} minibatches)` : ''}`, 'iteration', xs, phase === 'iteration' ? `rlIteration.${method}` : undefined);
      for (const [part, xs] of Object.entries(parts)) if (xs.length) add(`rl ${method} scoring: ${part} alone`, 'pass', xs);
      if (method === 'rto') {
        const baseline = await sftBaseline(task, { params: sft.params, config }, evalPrompts, 'bench');
        let k = 0;
        add(`rl evaluation (${evalPrompts.length} prompts)`, 'evaluation', await repeat(1, reps(3, 2), () => evaluateResponses(task, models.policy, sft.params, config, evalPrompts, `bench:${k++}`, baseline, { params: rm.params, config: rm.config, norm })), 'rlEval');
      }
      rl.dispose();
    }
  } finally {
    lab.dispose();
  }
  return { settings, rows };
}
