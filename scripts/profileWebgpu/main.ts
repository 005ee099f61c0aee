/**
 * The page scripts/profileWebgpu.ts opens in headless Chromium: one SFT step of the small preset's model shape (2 layers,
 * width 64, 4 heads; vocabulary 1,439 and 22 positions as sentiment's, batch 64, the response's 16 positions scored)
 * with Adam and the clip, on ?backend=webgpu (or webgl, wasm, cpu). After warm-up steps it counts one step's kernels
 * (tf.profile) and, on webgpu, its compute dispatches (calls to the backend's recordAndSubmit), and leaves them in
 * window.__profile.
 * ?what=rl: instead, one RL iteration of the prepared small lab (public/labs/sentiment-small.rtolab), PPO and RTO, the
 * benchmark's own iteration (scripts/bench/rlIteration.ts), with each phase's dispatches (sampling, scoring,
 * rewards/advantages, update) counted after one warm-up iteration.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { disposeParams, initGpt, maskedNll, type GptConfig } from '../../src/lab/model/gpt';
import { createRng } from '../../src/lab/rng';
import { Adam, optimiserStep } from '../../src/lab/train/optim';
import { resolveSettings, type Settings } from '../../src/lab/config';
import { parseCorpusAsset } from '../../src/lab/data/brown';
import { Lab } from '../../src/lab/lab/lab';
import { decodeLabFile } from '../../src/lab/lab/labFile';
import { taskSampleOptions } from '../../src/lab/model/sample';
import { sentimentTask } from '../../src/lab/tasks/sentiment';
import { rlBench, type RlPhase } from '../bench/rlIteration';

declare global {
  interface Window {
    __profile?: unknown;
    __profileError?: string;
  }
}

const CONFIG: GptConfig = { vocabSize: 1439, contextLength: 22, layers: 2, heads: 4, width: 64, scalarHead: false };
const BATCH = 64;
const PROMPT = 6;

/** Counts the webgpu backend's compute dispatches (its recordAndSubmit calls) until stop(); null on other backends. */
function countDispatches(): { read: () => number | null; stop: () => void } {
  const be = tf.backend() as unknown as { recordAndSubmit?: (...a: unknown[]) => unknown };
  const original = be.recordAndSubmit;
  let n = 0;
  if (original) {
    be.recordAndSubmit = function (this: unknown, ...a: unknown[]) {
      n++;
      return original.apply(this, a);
    };
  }
  return { read: () => (original ? n : null), stop: () => original && (be.recordAndSubmit = original) };
}

async function rlIterations(): Promise<unknown> {
  const snapshot = decodeLabFile(new Uint8Array(await (await fetch('labs/sentiment-small.rtolab')).arrayBuffer()));
  const settings = resolveSettings(snapshot.preset, snapshot.sft?.summary.settings as Partial<Settings>, snapshot.task);
  const task = sentimentTask(parseCorpusAsset(await (await fetch('data/brown.json')).json()), { vocabSize: settings.vocabSize, seed: settings.seed });
  const lab = Lab.fromSnapshot(snapshot);
  const options = taskSampleOptions(task, 1);
  const out: Record<string, unknown> = {};
  try {
    for (const method of ['ppo', 'rto'] as const) {
      const rl = rlBench(task, lab, settings, method, options);
      await rl.iteration(() => {}); // warm-up: shaders compiled, pipelines cached
      const before = tf.memory().numTensors;
      const counter = countDispatches();
      const phases: Partial<Record<RlPhase, number | null>> = {};
      let last = 0;
      const t0 = performance.now();
      const { batch } = await rl.iteration((phase) => {
        const n = counter.read();
        phases[phase] = n === null ? null : n - last;
        last = n ?? 0;
      });
      const ms = performance.now() - t0;
      counter.stop();
      const leaked = tf.memory().numTensors - before;
      rl.dispose();
      const { promptsPerRollout, minibatches } = rl.settings;
      out[method] = { dispatches: counter.read(), phases, sampledLength: batch.length, prompts: promptsPerRollout, minibatches, iterationMs: ms, leaked };
      document.getElementById('status')!.textContent = `${method} done`;
    }
  } finally {
    lab.dispose();
  }
  return { backend: tf.getBackend(), rl: out };
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend') ?? 'webgpu';
  // The lab's webgpu kernels, as the app's worker registers them (src/worker/backend.ts); ?kernels=0 leaves them out.
  if (q.get('kernels') !== '0') await import('../../src/worker/kernels/webgpuKernels');
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} is not available`);
  await tf.ready();
  if (q.get('what') === 'rl') {
    window.__profile = await rlIterations();
    document.getElementById('status')!.textContent = 'done';
    return;
  }
  const rng = createRng('profile-webgpu');
  const params = initGpt(CONFIG, rng.fork());
  const adam = new Adam(params);
  const T = CONFIG.contextLength;
  const ids = tf.tensor2d(Int32Array.from({ length: BATCH * T }, () => rng.int(CONFIG.vocabSize)), [BATCH, T], 'int32');
  const mask = Float32Array.from({ length: BATCH * T }, (_, i) => (i % T >= PROMPT ? 1 : 0));
  const step = () => optimiserStep(params, adam, () => maskedNll(params, CONFIG, ids, mask), 1e-3, 1);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const counter = countDispatches();
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await step();
  });
  const profiledMs = performance.now() - t0;
  counter.stop();
  const kernels = info.kernels.filter((k) => k.name !== 'unnamed scope');
  const byName: Record<string, number> = {};
  for (const k of kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
  const leaked = tf.memory().numTensors - before;
  tf.dispose(ids);
  adam.dispose();
  disposeParams(params);
  window.__profile = { backend: tf.getBackend(), kernels: kernels.length, dispatches: counter.read(), byName, stepMs: times, profiledMs, leaked };
  document.getElementById('status')!.textContent = 'done';
}

main().catch((e: unknown) => {
  window.__profileError = String(e instanceof Error ? (e.stack ?? e.message) : e);
});
