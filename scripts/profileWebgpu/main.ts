/**
 * The page scripts/profileWebgpu.ts opens in headless Chromium: one SFT step of the small preset's model shape (2 layers,
 * width 64, 4 heads; vocabulary 1,439 and 22 positions as sentiment's, batch 64, the response's 16 positions scored)
 * with Adam and the clip, on ?backend=webgpu (or webgl, wasm, cpu). After warm-up steps it counts one step's kernels
 * (tf.profile) and, on webgpu, its compute dispatches (calls to the backend's recordAndSubmit), and leaves them in
 * window.__profile.
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

declare global {
  interface Window {
    __profile?: unknown;
    __profileError?: string;
  }
}

const CONFIG: GptConfig = { vocabSize: 1439, contextLength: 22, layers: 2, heads: 4, width: 64, scalarHead: false };
const BATCH = 64;
const PROMPT = 6;

async function main(): Promise<void> {
  const backend = new URLSearchParams(location.search).get('backend') ?? 'webgpu';
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} is not available`);
  await tf.ready();
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
  const be = tf.backend() as unknown as { recordAndSubmit?: (...a: unknown[]) => unknown };
  let dispatches = 0;
  const original = be.recordAndSubmit;
  if (original) {
    be.recordAndSubmit = function (this: unknown, ...a: unknown[]) {
      dispatches++;
      return original.apply(this, a);
    };
  }
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await step();
  });
  const profiledMs = performance.now() - t0;
  if (original) be.recordAndSubmit = original;
  const kernels = info.kernels.filter((k) => k.name !== 'unnamed scope');
  const byName: Record<string, number> = {};
  for (const k of kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
  const leaked = tf.memory().numTensors - before;
  tf.dispose(ids);
  adam.dispose();
  disposeParams(params);
  window.__profile = { backend: tf.getBackend(), kernels: kernels.length, dispatches: original ? dispatches : null, byName, stepMs: times, profiledMs, leaked };
  document.getElementById('status')!.textContent = 'done';
}

main().catch((e: unknown) => {
  window.__profileError = String(e instanceof Error ? (e.stack ?? e.message) : e);
});
