/**
 * Paired A/B of the stages' units on a prepared lab's real data, in one process (docs/profile.md): the model code of
 * this tree against an older copy of `src/` (`git archive <commit> src | tar -x -C /tmp/old`), each side running the
 * same unit on the same batch in turn, the order alternating, so that the machine's drift hits both alike. Prints
 * each unit's medians and the median of its per-pair ratios new/old, with the largest difference between the two
 * sides' outputs (a training step's loss; a pass's values).
 *
 *   npx tsx scripts/abStage.ts --old /tmp/old/src [--lab public/labs/sentiment-small.rtolab] [--pairs 20]
 *   npx tsx scripts/abStage.ts --tfjs-wasm-kernels Transpose,Sum [--lab …] [--pairs 20]
 *
 * With --tfjs-wasm-kernels both sides are this tree's code; "old" runs with the named kernels of the lab
 * (src/worker/kernels/) switched off before each unit: an override (Transpose, Sum, BatchMatMul, …) hands its calls
 * back to tfjs-wasm's own kernel, a lab-only kernel (RtoAdam, RtoLayerNorm, RtoLayerNormGrad, RtoKvWrite) is
 * unregistered, so the lab's tfjs ops run in its place.
 *
 * The units: an SFT step (the runner's batches), an RM step and a DPO step (32 pairs), the RM's scoring pass and
 * DPO's log-prob pass (128 pairs, as their evaluations batch them), and a PPO minibatch's policy pass with its
 * gradient (the lab's pairs' responses standing in for a rollout's). Each training unit trains its own copy of
 * the model per side (made by this tree's cloneParams); both sides use this tree's Adam and optimiserStep.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadCorpusAssetFromDisk } from '../src/cli/assets';
import { readLabFile } from '../src/cli/labFolder';
import { useNodeBackend } from '../src/cli/nodeBackend';
import { resolveSettings, type Settings } from '../src/lab/config';
import { Lab } from '../src/lab/lab/lab';
import * as actionMaskNew from '../src/lab/model/actionMask';
import * as gptNew from '../src/lab/model/gpt';
import { taskSampleOptions } from '../src/lab/model/sample';
import { createRng } from '../src/lab/rng';
import { sentimentTask } from '../src/lab/tasks/sentiment';
import { oracleTask } from '../src/lab/tasks/oracle';
import { epochOrder, packExamples } from '../src/lab/train/batch';
import { dpoLoss } from '../src/lab/train/dpo';
import { Adam, optimiserStep, type LossWithMetrics } from '../src/lab/train/optim';
import { packPairs } from '../src/lab/train/pairBatch';
import { bradleyTerry } from '../src/lab/train/rm';
import { useLabWasmKernels } from '../src/worker/kernels/wasmOverride';

type Gpt = Pick<typeof gptNew, 'maskedNll' | 'scalarAt' | 'sequenceLogProbs' | 'tokenLogProbsAt'>;
type ActionMask = Pick<typeof actionMaskNew, 'actionLogitBias' | 'maskedActions'>;
interface Side {
  gpt: Gpt;
  mask: ActionMask;
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const old = flag('old', '');
  const tfjsKernels = flag('tfjs-wasm-kernels', '').split(',').filter(Boolean);
  if (!old && !tfjsKernels.length) throw new Error('--old DIR (an older src/, from git archive) or --tfjs-wasm-kernels NAMES is required');
  const pairsN = Number(flag('pairs', '20'));
  await useNodeBackend('wasm');
  const load = async (dir: string): Promise<Side> => ({
    gpt: (await import(pathToFileURL(resolve(dir, 'lab/model/gpt.ts')).href)) as Gpt,
    mask: (await import(pathToFileURL(resolve(dir, 'lab/model/actionMask.ts')).href)) as ActionMask,
  });
  const sides: [Side, Side] = [old ? await load(old) : { gpt: gptNew, mask: actionMaskNew }, { gpt: gptNew, mask: actionMaskNew }];
  const useKernels = (side: number) => useLabWasmKernels(true, side === 0 ? tfjsKernels : []);
  const labPath = flag('lab', 'public/labs/sentiment-small.rtolab');
  const snapshot = await readLabFile(labPath);
  if (!snapshot?.sft || !snapshot.rm || !snapshot.pairs) throw new Error(`${labPath} needs SFT, pairs and RM`);
  const settings = resolveSettings(snapshot.preset, snapshot.sft.summary.settings as Partial<Settings>, snapshot.task);
  const task = snapshot.task === 'sentiment' ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed }) : oracleTask({ seed: settings.seed });
  const lab = Lab.fromSnapshot(snapshot);
  const sft = lab.sft!.model;
  const rm = lab.rm!.model;
  const pairs = snapshot.pairs.train;
  const space = taskSampleOptions(task, 1);
  console.log(`${labPath}: ${snapshot.task}, ${snapshot.preset} preset (${sft.config.layers} layers, width ${sft.config.width}); ${pairsN} pairs per unit, old ${old || `this tree with the lab's ${tfjsKernels.join(', ')} switched off`}`);

  /** A unit per side: run(k) does the k-th unit and returns a number both sides should agree on. */
  type Unit = { name: string; make: (s: Side) => { run: (k: number) => Promise<Float32Array | number>; dispose: () => void } };
  const policyConfig = { ...sft.config, scalarHead: false };
  const pairBatch = (k: number, size: number) => packPairs(pairs.slice((k * size) % (pairs.length - size), ((k * size) % (pairs.length - size)) + size), policyConfig.contextLength);
  const read = async (t: tf.Tensor) => {
    const v = await t.data<'float32'>();
    t.dispose();
    return v;
  };
  /** A training unit: a copy of `from` trained on `loss`'s k-th batch at step k; each step returns its loss. */
  const training = (from: gptNew.ParamTensors, loss: (params: gptNew.Params, k: number) => { loss: () => LossWithMetrics; dispose: () => void }) => {
    const params = gptNew.cloneParams(from);
    const adam = new Adam(params);
    return {
      run: async (k: number) => {
        const l = loss(params, k);
        const out = await optimiserStep(params, adam, l.loss, 1e-5, 1);
        l.dispose();
        return out.loss;
      },
      dispose: () => (adam.dispose(), gptNew.disposeParams(params)),
    };
  };
  const policy = new Map([...sft.params].filter(([n]) => n !== 'head.w'));
  const units: Unit[] = [
    {
      name: 'sft step (64 examples)',
      make: (s) => {
        const order = epochOrder(task.train.length, createRng('ab:sft').next);
        return training(policy, (params, k) => {
          const b = packExamples(order.slice((k * 64) % (order.length - 64), ((k * 64) % (order.length - 64)) + 64).map((i) => task.train[i]!), policyConfig.contextLength);
          const ids = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
          return { loss: () => s.gpt.maskedNll(params, policyConfig, ids, b.mask), dispose: () => ids.dispose() };
        });
      },
    },
    {
      name: 'rm step (32 pairs)',
      make: (s) =>
        training(rm.params, (params, k) => {
          const b = pairBatch(k, 32);
          const ids = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
          return { loss: () => bradleyTerry(s.gpt.scalarAt(params, rm.config, ids, b.eosPositions), b.pairs), dispose: () => ids.dispose() };
        }),
    },
    {
      name: 'dpo step (32 pairs)',
      make: (s) =>
        training(policy, (params, k) => {
          const b = pairBatch(k, 32);
          const ids = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
          const ref = tf.zeros([b.batch]) as tf.Tensor1D;
          return { loss: () => dpoLoss(s.gpt.sequenceLogProbs(params, policyConfig, ids, b.mask, space), ref, 0.1, b.pairs), dispose: () => tf.dispose([ids, ref]) };
        }),
    },
    {
      name: 'rm scoring pass (128 pairs)',
      make: (s) => ({
        run: (k) => {
          const b = pairBatch(k, 128);
          return read(tf.tidy(() => s.gpt.scalarAt(rm.params, rm.config, tf.tensor2d(b.ids, [b.batch, b.length], 'int32'), b.eosPositions)));
        },
        dispose: () => {},
      }),
    },
    {
      name: 'dpo log-prob pass (128 pairs)',
      make: (s) => ({
        run: (k) => {
          const b = pairBatch(k, 128);
          return read(tf.tidy(() => s.gpt.sequenceLogProbs(sft.params, policyConfig, tf.tensor2d(b.ids, [b.batch, b.length], 'int32'), b.mask, space)));
        },
        dispose: () => {},
      }),
    },
    {
      name: 'policy pass with gradient (64 responses)',
      make: (s) =>
        training(policy, (params, k) => {
          const b = pairBatch(k, 32);
          const { positions, responseIndex } = s.mask.maskedActions(b.mask, b.batch, b.length);
          const ids = tf.tensor2d(b.ids, [b.batch, b.length], 'int32');
          const bias = s.mask.actionLogitBias(space, policyConfig.vocabSize, responseIndex);
          return { loss: () => tf.neg(tf.mean(s.gpt.tokenLogProbsAt(params, policyConfig, ids, positions, bias))) as tf.Scalar, dispose: () => tf.dispose([ids, bias]) };
        }),
    },
  ];

  for (const unit of units) {
    const runs = sides.map((s) => unit.make(s));
    for (let k = 0; k < 3; k++) {
      for (const [side, r] of runs.entries()) {
        useKernels(side);
        await r.run(k);
      }
    }
    const times: [number[], number[]] = [[], []];
    let worst = 0;
    for (let i = 0; i < pairsN; i++) {
      const outs: (Float32Array | number)[] = [];
      for (const side of i % 2 === 0 ? [0, 1] : [1, 0]) {
        useKernels(side);
        const t0 = performance.now();
        outs[side] = await runs[side]!.run(3 + i);
        times[side]!.push(performance.now() - t0);
      }
      const [a, b] = [outs[0]!, outs[1]!];
      const xs = typeof a === 'number' ? [a] : Array.from(a);
      const ys = typeof b === 'number' ? [b] : Array.from(b);
      xs.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - ys[j]!))));
    }
    runs.forEach((r) => r.dispose());
    const ratio = median(times[1].map((t, i) => t / times[0][i]!));
    console.log(`${unit.name}: old ${median(times[0]).toFixed(1)} ms, new ${median(times[1]).toFixed(1)} ms, median paired ratio new/old ${ratio.toFixed(3)}; largest difference of outputs ${worst.toExponential(2)}`);
  }
  lab.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
