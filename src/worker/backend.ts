/**
 * Loading, initialising and choosing the tfjs backend inside the worker. Backends are imported lazily, so a
 * page that runs on wasm never downloads the WebGPU shaders' code. The wasm binaries are bundled by Vite (`?url`)
 * and served by the app itself; the threaded wasm build is kept off on purpose (docs/internals.md, "wasm threads";
 * the benchmark measures it: npm run bench:browser -- --wasm-threads 2).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers neither gradients nor the chained tensor methods (x.reshape(...)); the umbrella
// @tensorflow/tfjs does both, and so do we here, so the worker runs lab/ exactly as Node does (cli/nodeBackend.ts).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { timeProbe } from '../lab/checks/probe';
import {
  decideAuto,
  readCachedProbe,
  type BackendChoice,
  type BackendName,
  type ProbeEntry,
  type ProbeRecord,
} from './backendChoice';
import { errorMessage, type AdapterInfo, type BackendInfo, type BackendSelection } from './protocol';

const PROBE_VERSION = 1;
/** Per-backend probe budget, warm-up included; keeps auto's first run to a few seconds even on SwiftShader. */
export const PROBE_BUDGET_MS = 1500;
// Measured: docs/performance.md, "wasm threads, measured"; the panel says it in plain words.
const WASM_THREADS_WHY = 'on the 2-core machines measured, two threads made training and sampling no faster';

const loaded = new Set<BackendName>();
const now = (): number => performance.now();

async function loadBackendModule(name: BackendName): Promise<void> {
  if (loaded.has(name)) return;
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      break;
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      break;
    case 'webgpu':
      if (!('gpu' in navigator) || !navigator.gpu) throw new Error('this browser exposes no WebGPU (navigator.gpu is missing)');
      await import('@tensorflow/tfjs-backend-webgpu');
      // The lab's own webgpu kernels (layer norm, the decoder's cache write; the model uses them when registered).
      await import('./kernels/webgpuKernels');
      break;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The lab's wasm kernels: attention's products in SIMD, slices without whole copies, the decoder's cache write.
      await import('./kernels/wasmKernels');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlainUrl,
        'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
      });
      break;
    }
  }
  loaded.add(name);
}

/** The adapter WebGPU would use, as the browser describes it (null when there is none). */
export async function readAdapterInfo(): Promise<AdapterInfo | null> {
  if (!('gpu' in navigator) || !navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  // `adapter.info` replaced requestAdapterInfo(); isFallbackAdapter moved from the adapter onto its info.
  type Info = { vendor: string; architecture: string; description: string; device: string; isFallbackAdapter?: boolean };
  const withInfo = adapter as GPUAdapter & { info?: Info; isFallbackAdapter?: boolean };
  const info: Info = withInfo.info ?? { vendor: '', architecture: '', description: '', device: '' };
  const legacyFallback = withInfo.isFallbackAdapter;
  const isSwiftShader = /swiftshader/i.test(`${info.architecture} ${info.description} ${info.device}`);
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback) || isSwiftShader,
  };
}

/** Makes `name` the active tfjs backend. Throws a readable error when the browser cannot run it. */
export async function activateBackend(name: BackendName): Promise<BackendInfo> {
  const start = now();
  await loadBackendModule(name);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Error(`${name} failed to start: ${errorMessage(error)}`);
  }
  if (!ok) throw new Error(`${name} is not available in this browser`);
  await tf.ready();
  return {
    backend: name,
    adapter: name === 'webgpu' ? await readAdapterInfo() : null,
    // Read back from tfjs rather than assumed: the SIMD build is used only where the browser supports it.
    wasm:
      name === 'wasm'
        ? {
            simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
            threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
            threadsWhy: WASM_THREADS_WHY,
          }
        : null,
    initMs: now() - start,
  };
}

/** A GPU lost under the active backend: the backend, why (the browser's reason) and its message. */
export interface GpuLoss {
  backend: 'webgpu' | 'webgl';
  reason: string;
  message: string;
}

/**
 * Calls `onLost` once if the GPU behind the active backend is lost (a driver reset, a crashed GPU process): for
 * webgpu its device's `lost` promise, for webgl its context's `webglcontextlost` event (tfjs-webgl's canvas is an
 * OffscreenCanvas in this worker). The tensors on it are gone, and a read-back in flight may never settle.
 */
export function watchGpu(onLost: (loss: GpuLoss) => void): void {
  const backend = tf.getBackend();
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    device?.lost
      .then((info) => onLost({ backend, reason: info.reason ?? 'unknown', message: info.message || 'the GPU device was lost' }))
      .catch(() => {});
  } else if (backend === 'webgl') {
    const canvas = (tf.backend() as unknown as { gpgpu?: { gl?: { canvas?: EventTarget } } }).gpgpu?.gl?.canvas;
    canvas?.addEventListener(
      'webglcontextlost',
      (e) => {
        const status = (e as Event & { statusMessage?: string }).statusMessage;
        onLost({ backend, reason: 'unknown', message: status || 'no reason given by the browser' });
      },
      { once: true },
    );
  }
}

/** Identity of this browser and GPU; probe timings are cached against it. */
export async function probeFingerprint(): Promise<string> {
  const adapter = await readAdapterInfo().catch(() => null);
  const gpu = adapter ? `${adapter.vendor}/${adapter.architecture}/${adapter.description}` : 'no-webgpu';
  return `v${PROBE_VERSION}|${navigator.userAgent}|${navigator.hardwareConcurrency}|${gpu}`;
}

async function probeOne(name: BackendName, bestStepMs: number): Promise<ProbeEntry> {
  const base = { backend: name, software: false, passes: 0, overBudget: false, warmupMs: null, stepMs: null };
  try {
    const info = await activateBackend(name);
    const timing = await timeProbe({ now, budgetMs: PROBE_BUDGET_MS, giveUpAboveMs: 3 * bestStepMs });
    return { ...base, ...timing, ok: true, software: info.adapter?.isFallbackAdapter ?? false, error: null };
  } catch (error) {
    return { ...base, ok: false, error: errorMessage(error) };
  }
}

/** Times the probe on every backend this browser can start. */
export async function probeAllBackends(fingerprint: string): Promise<ProbeRecord> {
  // CPU-side backends first: they are quick to time, and a GPU backend's warm-up then runs last.
  const order: BackendName[] = ['wasm', 'cpu', 'webgpu', 'webgl'];
  const entries: ProbeEntry[] = [];
  for (const name of order) {
    const best = Math.min(...entries.map((e) => e.stepMs ?? Number.POSITIVE_INFINITY));
    entries.push(await probeOne(name, best));
  }
  return { version: PROBE_VERSION, fingerprint, measuredAt: new Date().toISOString(), entries };
}

/** Resolves the user's choice to an active backend: forced choices are taken as they are, auto probes (or reuses a cached probe). */
export async function selectBackend(choice: BackendChoice, cachedProbe: unknown): Promise<BackendSelection> {
  if (choice !== 'auto') {
    const info = await activateBackend(choice);
    const reason = `chosen in the menu or the address (?backend=${choice}); started in ${Math.round(info.initMs)} ms.`;
    return { choice, info, reason, probe: null, probeFromCache: false };
  }
  const fingerprint = await probeFingerprint();
  const cached = readCachedProbe(cachedProbe, fingerprint);
  const probe = cached ?? (await probeAllBackends(fingerprint));
  const decision = decideAuto(probe.entries);
  const info = await activateBackend(decision.backend);
  return { choice, info, reason: decision.reason, probe, probeFromCache: cached !== null };
}
