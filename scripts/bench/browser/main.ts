/**
 * The benchmark page (scripts/bench/browser.ts opens it in headless Chromium): ?backend=wasm|webgl|webgpu|cpu and
 * &quick=1, &only=ref, &refSteps=N, &refSessions=K, &threads=N (wasm: the threaded SIMD build with N threads; the page must be
 * cross-origin isolated, which vite.bench.config.ts's preview headers make it). Runs scripts/bench/core.ts on that backend in the page's main thread (the app runs the same code in its
 * worker) and leaves the result in window.__bench (or the error in window.__benchError).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { parseCorpusAsset } from '../../../src/lab/data/brown';
import { resolveSettings, type Settings } from '../../../src/lab/config';
import { decodeLabFile } from '../../../src/lab/lab/labFile';
import { oracleTask } from '../../../src/lab/tasks/oracle';
import { sentimentTask } from '../../../src/lab/tasks/sentiment';
import { benchLab, refStepTimes } from '../core';
import { summarise } from '../stats';

declare global {
  interface Window {
    __bench?: unknown;
    __benchError?: string;
    __benchLog?: string[];
  }
}

async function useBackend(name: string, threads: number): Promise<void> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    await import('../../../src/worker/kernels/wasmKernels'); // as the app's worker does
    if (threads > 0 && !self.crossOriginIsolated) throw new Error('wasm threads need a cross-origin isolated page (COOP/COEP headers)');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 0);
    if (threads > 0) {
      // tfjs-backend-wasm 4.22 caps its pool at navigator.hardwareConcurrency / 2 (it counts hyper-threads as half a
      // core), so on a 2-core machine it would run 1 thread whatever it is asked; the bench lifts the cap to measure N.
      const cores = navigator.hardwareConcurrency;
      if (cores < 2 * threads) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
      wasm.setThreadsCount(threads);
    }
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlainUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl });
  } else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('../../../src/worker/kernels/webgpuKernels'); // as the app's worker does
  }
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else throw new Error(`unknown backend ${name}`);
  if (!(await tf.setBackend(name))) throw new Error(`${name} is not available in this browser`);
  await tf.ready();
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend') ?? 'wasm';
  const quick = q.get('quick') === '1';
  const only = q.get('only');
  window.__benchLog = [];
  const log = (line: string) => {
    window.__benchLog!.push(line);
    document.getElementById('status')!.textContent = line;
  };
  const threads = Number(q.get('threads') ?? 0);
  await useBackend(backend, threads);
  const wasmThreads = backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;
  log(`backend ${tf.getBackend()}${wasmThreads === null ? '' : `, ${wasmThreads} wasm thread${wasmThreads === 1 ? '' : 's'}`}`);
  if (threads > 0 && wasmThreads !== threads) throw new Error(`asked for ${threads} wasm threads, the backend runs ${wasmThreads}`);
  // &refSteps=N&refSessions=K: fewer steps for the software-rendered backends (SwiftShader), seconds per step here.
  const refSteps = Number(q.get('refSteps') ?? (quick ? 10 : 20));
  const sessions = Number(q.get('refSessions') ?? (quick ? 1 : 2));
  const refTimes: number[] = [];
  for (let k = 0; k < sessions; k++) refTimes.push(...(await refStepTimes(k === 0 ? 3 : 1, refSteps, k)));
  const ref = summarise(`ref step, tfjs-${backend}`, 'step', refTimes);
  log(`ref step: median ${ref.median} ms`);
  const rows = [ref];
  let settings: Settings | null = null;
  let lab: { task: string; pairsPerPrompt: number } | null = null;
  if (only !== 'ref') {
    const snapshot = decodeLabFile(new Uint8Array(await (await fetch('labs/sentiment-small.rtolab')).arrayBuffer()));
    settings = resolveSettings(snapshot.preset, snapshot.sft?.summary.settings as Partial<Settings>, snapshot.task);
    const task = snapshot.task === 'sentiment' ? sentimentTask(parseCorpusAsset(await (await fetch('data/brown.json')).json()), { vocabSize: settings.vocabSize, seed: settings.seed }) : oracleTask({ seed: settings.seed });
    if (snapshot.pairs) lab = { task: snapshot.task, pairsPerPrompt: snapshot.pairs.train.length / snapshot.pairs.stats.train.prompts };
    rows.push(...(await benchLab(task, snapshot, { quick, log })).rows);
  }
  window.__bench = { backend: tf.getBackend(), wasmThreads, userAgent: navigator.userAgent, settings, lab, rows };
  log('done');
}

main().catch((error: unknown) => {
  window.__benchError = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
});
