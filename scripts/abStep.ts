/**
 * Paired A/B of a training step in one process (docs/profile.md): the lab's code as it is here against an older copy
 * of `src/` (extract one with `mkdir -p /tmp/old && git archive <commit> src | tar -x -C /tmp/old`), each training
 * its own model on the same batch, one step each in turn with the order alternating, so a shared machine's load hits
 * both alike. Prints both medians and the median of the per-pair ratios new/old.
 *
 *   npx tsx scripts/abStep.ts --old /tmp/old/src [--pairs 40] [--small]
 *   npx tsx scripts/abStep.ts --tfjs-wasm-kernels [NAMES] [--pairs 40] [--small]
 *
 * With --tfjs-wasm-kernels both sides are this tree; "old" runs its steps without the lab's wasm kernels
 * (src/worker/kernels/wasmOverride.ts: tfjs-wasm's own where the lab overrides one, the lab's tfjs ops where the
 * kernel is the lab's alone), switched before each step: all of them, or those NAMES (comma-separated kernel names,
 * e.g. Transpose,Sum or RtoAdam).
 *
 * The reference step (vocabulary 64, 33 positions, batch 32, all but position 0 scored) or, with --small, the small
 * preset's SFT shape (vocabulary 1,439, 22 positions, batch 64, the 16 response positions scored). Both models are
 * made by this tree's initGpt (the same weights; the older code's maskedNll, Adam and optimiserStep train its copy).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../src/cli/nodeBackend';
import * as gpt from '../src/lab/model/gpt';
import { createRng } from '../src/lab/rng';
import * as optim from '../src/lab/train/optim';
import { useLabWasmKernels } from '../src/worker/kernels/wasmOverride';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

type Gpt = Pick<typeof gpt, 'maskedNll'>;
type Optim = Pick<typeof optim, 'Adam' | 'optimiserStep'>;

const SMALL = process.argv.includes('--small');
const CONFIG: gpt.GptConfig = SMALL
  ? { vocabSize: 1439, contextLength: 22, layers: 2, heads: 4, width: 64, scalarHead: false }
  : { vocabSize: 64, contextLength: 33, layers: 2, heads: 4, width: 64, scalarHead: false };
const BATCH = SMALL ? 64 : 32;
const FIRST_SCORED = SMALL ? 6 : 1;

function session(g: Gpt, o: Optim): () => Promise<number> {
  const rng = createRng('ab-step');
  const params = gpt.initGpt(CONFIG, rng.fork());
  const adam = new o.Adam(params);
  const T = CONFIG.contextLength;
  const ids = tf.tensor2d(Int32Array.from({ length: BATCH * T }, () => rng.int(CONFIG.vocabSize)), [BATCH, T], 'int32');
  const mask = Float32Array.from({ length: BATCH * T }, (_, i) => (i % T >= FIRST_SCORED ? 1 : 0));
  return async () => (await o.optimiserStep(params, adam, () => g.maskedNll(params, CONFIG, ids, mask), 3e-3, 1)).loss;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const old = flag('old', '');
  const kernelAb = process.argv.includes('--tfjs-wasm-kernels');
  const named = flag('tfjs-wasm-kernels', '');
  const only = named.startsWith('--') ? [] : named.split(',').filter(Boolean);
  if (!old && !kernelAb) throw new Error('--old DIR (an older src/, from git archive) or --tfjs-wasm-kernels is required');
  const pairs = Number(flag('pairs', '40'));
  await useNodeBackend('wasm');
  const oldGpt = kernelAb ? gpt : ((await import(pathToFileURL(resolve(old, 'lab/model/gpt.ts')).href)) as Gpt);
  const oldOptim = kernelAb ? optim : ((await import(pathToFileURL(resolve(old, 'lab/train/optim.ts')).href)) as Optim);
  const sides = [session(oldGpt, oldOptim), session(gpt, optim)] as const;
  const steps = sides.map((step, k) => () => {
    if (only.length) useLabWasmKernels(true, k === 0 ? only : []);
    else useLabWasmKernels(!kernelAb || k === 1);
    return step();
  });
  for (let i = 0; i < 5; i++) for (const step of steps) await step();
  const times: [number[], number[]] = [[], []];
  const losses = [NaN, NaN];
  for (let i = 0; i < pairs; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const t0 = performance.now();
      losses[k] = await steps[k]!();
      times[k]!.push(performance.now() - t0);
    }
  }
  const ratio = median(times[1].map((t, i) => t / times[0][i]!));
  console.log(`${SMALL ? 'small SFT shape' : 'reference step'}, ${pairs} pairs: old ${median(times[0]).toFixed(1)} ms, new ${median(times[1]).toFixed(1)} ms, median paired ratio new/old ${ratio.toFixed(3)}; losses ${losses[0]!.toFixed(6)} ${losses[1]!.toFixed(6)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
