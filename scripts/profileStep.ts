/**
 * Profiles the reference training step (issue 15): a GPT of vocabulary 64, width 64, 2 layers, 4 heads, 32 predicted
 * tokens per row, batch 32, Adam (lr 3e-3) and gradient clipping at 1, built from the lab's own initGpt, maskedNll,
 * Adam and optimiserStep on tfjs-wasm under Node.
 *
 * Prints the median of `--steps` timed steps (after warm-up, per `--runs` fresh sessions; wall-clock and the process's
 * CPU time per step, which other work on a shared machine disturbs less), then tf.profile of one step:
 * kernel name, count and total ms, sorted by time. With `--torch` it runs scripts/bench/torch_tiny_gpt.py (1
 * thread) between the sessions and prints the ratio tfjs / PyTorch (ms per step; lower is faster for tfjs).
 *
 *   npx tsx scripts/profileStep.ts [--runs 3] [--steps 20] [--torch] [--backend wasm|cpu] [--top 25] [--small]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend, isNodeBackendName } from '../src/cli/nodeBackend';
import { disposeParams, initGpt, maskedNll, type GptConfig } from '../src/lab/model/gpt';
import { createRng } from '../src/lab/rng';
import { Adam, optimiserStep } from '../src/lab/train/optim';

// --small: the small preset's SFT shape instead (sentiment's 1,439-token vocabulary and 22 positions, batch 64, the
// 16 response positions scored).
const SMALL = process.argv.includes('--small');
const CONFIG: GptConfig = SMALL
  ? { vocabSize: 1439, contextLength: 22, layers: 2, heads: 4, width: 64, scalarHead: false }
  : { vocabSize: 64, contextLength: 33, layers: 2, heads: 4, width: 64, scalarHead: false };
const BATCH = SMALL ? 64 : 32;
const FIRST_SCORED = SMALL ? 6 : 1;
const TORCH = ['scripts/bench/torch_tiny_gpt.py'].find((p) => existsSync(p));

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function setup(seed: string) {
  const rng = createRng(seed);
  const params = initGpt(CONFIG, rng.fork());
  const adam = new Adam(params);
  const T = CONFIG.contextLength;
  const data = Int32Array.from({ length: BATCH * T }, () => Math.floor(rng.next() * CONFIG.vocabSize));
  // Position 0 has no context: the 32 tokens after it are predicted (torch_tiny_gpt.py's T = 32).
  const mask = Float32Array.from({ length: BATCH * T }, (_, i) => (i % T >= FIRST_SCORED ? 1 : 0));
  const ids = tf.tensor2d(data, [BATCH, T], 'int32');
  const step = () => optimiserStep(params, adam, () => maskedNll(params, CONFIG, ids, mask), 3e-3, 1);
  const dispose = () => {
    ids.dispose();
    adam.dispose();
    disposeParams(params);
  };
  return { step, dispose };
}

async function session(seed: string, warmup: number, steps: number): Promise<{ median: number; min: number; cpu: number; loss: number; leak: number }> {
  const s = setup(seed);
  try {
    for (let i = 0; i < warmup; i++) await s.step();
    const before = tf.memory().numTensors;
    const times: number[] = [];
    const cpu: number[] = [];
    let loss = NaN;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      loss = (await s.step()).loss;
      const c = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    return { median: median(times), min: Math.min(...times), cpu: median(cpu), loss, leak: tf.memory().numTensors - before };
  } finally {
    s.dispose();
  }
}

function torchMs(steps: number): number | null {
  if (!TORCH) return null;
  try {
    const out = execFileSync('/usr/bin/python3', [TORCH, '64', '64', '2', '4', '32', '32', String(steps), '1'], { encoding: 'utf8' });
    return (JSON.parse(out.trim().split('\n').pop()!) as { median_ms_per_step: number }).median_ms_per_step;
  } catch {
    return null;
  }
}

async function profileOne(top: number): Promise<void> {
  const s = setup('profile');
  try {
    for (let i = 0; i < 3; i++) await s.step();
    const info = await tf.profile(async () => {
      await s.step();
    });
    const byName = new Map<string, { count: number; ms: number }>();
    let total = 0;
    // "unnamed scope" is a customGrad op (matMulT, gatherRows): its time holds the kernels inside it, so it is
    // listed but not added to the total.
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byName.get(k.name) ?? { count: 0, ms: 0 };
      e.count++;
      e.ms += ms;
      if (k.name !== 'unnamed scope') total += ms;
      byName.set(k.name, e);
    }
    const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const count = info.kernels.filter((k) => k.name !== 'unnamed scope').length;
    console.log(`\ntf.profile of one step: ${count} kernels (+${info.kernels.length - count} customGrad scopes), ${total.toFixed(1)} ms in kernels, ${byName.size} kinds`);
    console.log('| kernel | count | total ms | share |\n|---|---:|---:|---:|');
    for (const [name, e] of rows.slice(0, top)) console.log(`| ${name} | ${e.count} | ${e.ms.toFixed(2)} | ${((100 * e.ms) / total).toFixed(1)}% |`);
    if (rows.length > top) {
      const rest = rows.slice(top).reduce((a, [, e]) => ({ count: a.count + e.count, ms: a.ms + e.ms }), { count: 0, ms: 0 });
      console.log(`| (${rows.length - top} others) | ${rest.count} | ${rest.ms.toFixed(2)} | ${((100 * rest.ms) / total).toFixed(1)}% |`);
    }
    // Kernels by name and input shapes (attention's batched products apart from the 2-D ones).
    const mm = new Map<string, { count: number; ms: number }>();
    for (const k of info.kernels.filter((x) => x.name !== 'unnamed scope')) {
      const key = `${k.name} ${k.inputShapes.map((sh) => `[${(sh ?? []).join(',')}]`).join('·')}`;
      const e = mm.get(key) ?? { count: 0, ms: 0 };
      e.count++;
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      mm.set(key, e);
    }
    console.log(`\nthe ${top} costliest kernels by input shapes:\n| kernel (input shapes) | count | total ms |\n|---|---:|---:|`);
    for (const [key, e] of [...mm.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(`| ${key} | ${e.count} | ${e.ms.toFixed(2)} |`);
  } finally {
    s.dispose();
  }
}

async function main(): Promise<void> {
  const backend = flag('backend', 'wasm');
  if (!isNodeBackendName(backend)) throw new Error(`unknown backend ${backend}`);
  await useNodeBackend(backend);
  const runs = Number(flag('runs', '3'));
  const steps = Number(flag('steps', '20'));
  const withTorch = process.argv.includes('--torch') && !SMALL;
  const load = (await import('node:os')).loadavg();
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, load ${load.map((x) => x.toFixed(2)).join(' ')}; backend ${tf.getBackend()}`);
  const ratios: number[] = [];
  const tfMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = await session(`profile:${r}`, 5, steps);
    tfMs.push(s.median);
    let line = `run ${r + 1}: tfjs ${s.median.toFixed(1)} ms/step (min ${s.min.toFixed(1)}, cpu ${s.cpu.toFixed(1)}), loss ${s.loss.toFixed(5)}, tensors leaked ${s.leak}`;
    if (withTorch) {
      const t = torchMs(steps);
      if (t !== null) {
        ratios.push(s.median / t);
        line += `; torch (1 thread) ${t.toFixed(1)} ms/step; ratio tfjs/pytorch ${(s.median / t).toFixed(2)}`;
      } else line += '; torch unavailable';
    }
    console.log(line);
  }
  console.log(`median over runs: tfjs ${median(tfMs).toFixed(1)} ms/step${ratios.length ? `, ratio tfjs/pytorch ${median(ratios).toFixed(2)}` : ''}`);
  if (!process.argv.includes('--no-profile')) await profileOne(Number(flag('top', '25')));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
