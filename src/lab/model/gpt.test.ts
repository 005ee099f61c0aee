import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { disposeParams, initGpt, logits, maskedNll, parameterCount, scalarOutputs, tokenLogProbs, type GptConfig, type Params } from './gpt';

const config: GptConfig = { vocabSize: 11, contextLength: 8, layers: 2, heads: 2, width: 8, scalarHead: true };
const B = 3;
const T = 6;
const ids = [
  [1, 4, 5, 6, 2, 0],
  [1, 7, 7, 8, 9, 2],
  [1, 10, 4, 2, 0, 0],
];
// Loss on "response" tokens: positions 2.. up to and including <eos> (id 2).
const maskRows = [
  [0, 0, 1, 1, 1, 0],
  [0, 0, 1, 1, 1, 1],
  [0, 0, 1, 1, 0, 0],
];

describe('tiny GPT', () => {
  let params: Params;
  let idsT: tf.Tensor2D;
  let maskT: tf.Tensor2D;
  const mask = maskRows.flat();

  beforeAll(async () => {
    await useNodeBackend('cpu');
    params = initGpt(config, createRng('gpt-test'));
    idsT = tf.tensor2d(ids, [B, T], 'int32');
    maskT = tf.tensor2d(maskRows, [B, T]);
  });
  afterAll(() => {
    disposeParams(params);
    tf.dispose([idsT, maskT]);
  });

  it('has the GPT-2 parameter layout and count', () => {
    const d = config.width;
    const perLayer = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);
    const expected = config.vocabSize * d + config.contextLength * d + config.layers * perLayer + 2 * d + d;
    expect(parameterCount(params)).toBe(expected);
    expect(logits(params, config, idsT).shape).toEqual([B, T, config.vocabSize]);
    expect(scalarOutputs(params, config, idsT).shape).toEqual([B, T]);
  });

  it('tokenLogProbs equals a direct log-softmax gather, and its masked sum is the loss', () => {
    const lp = tokenLogProbs(params, config, idsT, maskT).arraySync();
    const lg = logits(params, config, idsT).arraySync();
    let total = 0;
    let count = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 1; t < T; t++) {
        const row = lg[b]![t - 1]!;
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
        const direct = (row[ids[b]![t]!]! - lse) * maskRows[b]![t]!;
        expect(lp[b]![t]).toBeCloseTo(direct, 5);
        total += direct;
        count += maskRows[b]![t]!;
      }
      expect(lp[b]![0]).toBe(0);
    }
    expect(maskedNll(params, config, idsT, mask).dataSync()[0]).toBeCloseTo(-total / count, 5);
  });

  it('is causal: changing a later token leaves earlier log-probs unchanged', () => {
    const changed = ids.map((r) => [...r]);
    changed[0]![4] = 9;
    const a = tokenLogProbs(params, config, idsT, tf.onesLike(maskT)).arraySync();
    const b = tokenLogProbs(params, config, tf.tensor2d(changed, [B, T], 'int32'), tf.onesLike(maskT)).arraySync();
    expect(b[0]!.slice(0, 4)).toEqual(a[0]!.slice(0, 4));
    expect(b[0]![4]).not.toBe(a[0]![4]);
    expect(b[1]).toEqual(a[1]);
  });

  it('passes a finite-difference gradient check of the full loss (relative error < 1e-2)', () => {
    const vars = [...params.values()];
    const { grads } = tf.variableGrads(() => maskedNll(params, config, idsT, mask), vars);
    const loss = (): number => maskedNll(params, config, idsT, mask).dataSync()[0] ?? NaN;
    const eps = 2e-3;
    let checked = 0;
    for (const name of ['wte', 'wpe', 'h0.attn.wqkv', 'h0.attn.wo', 'h1.mlp.w1', 'h1.mlp.w2', 'lnf.g', 'lnf.b']) {
      const p = params.get(name)!;
      const g = grads[p.name]!.dataSync();
      // The two largest-magnitude entries: float32 finite differences only resolve gradients well above ~1e-3.
      const order = Array.from(g.keys())
        .sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!))
        .slice(0, 2)
        .filter((i) => Math.abs(g[i]!) > 5e-3);
      for (const i of order) {
        const original = p.dataSync().slice();
        const bump = (delta: number) => {
          const v = original.slice();
          v[i] = v[i]! + delta;
          p.assign(tf.tensor(v, p.shape));
        };
        bump(eps);
        const up = loss();
        bump(-eps);
        const down = loss();
        p.assign(tf.tensor(original, p.shape));
        const numeric = (up - down) / (2 * eps);
        const rel = Math.abs(numeric - g[i]!) / Math.max(Math.abs(numeric), Math.abs(g[i]!));
        expect(rel, `${name}[${i}] analytic ${g[i]} numeric ${numeric}`).toBeLessThan(1e-2);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
    tf.dispose(Object.values(grads));
  });
});

describe('tiny GPT across backends', () => {
  it('loss and every gradient agree between cpu and wasm within 1e-5', async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      expect(await useNodeBackend(backend)).toBe(backend);
      const p = initGpt(config, createRng('cross-backend'));
      const idsT = tf.tensor2d(ids, [B, T], 'int32');
      const vars = [...p.values()].filter((v) => !v.name.endsWith('head.w')); // the LM loss does not use the scalar head
      const { value, grads } = tf.variableGrads(() => maskedNll(p, config, idsT, maskRows.flat()), vars);
      const out = { loss: value.dataSync()[0]!, grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())) };
      tf.dispose([value, idsT, ...Object.values(grads)]);
      disposeParams(p);
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(Math.abs(cpu.loss - wasm.loss)).toBeLessThan(1e-5);
    expect(cpu.loss).toBeGreaterThan(Math.log(config.vocabSize) - 0.5);
    let worst = 0;
    cpu.grads.forEach((g, i) => g.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - wasm.grads[i]![j]!)))));
    expect(worst).toBeLessThan(1e-5);
  });
});
