import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { createRng } from '../rng';
import { initGpt, logits, type GptConfig, type Params } from './gpt';
import { chooseToken, sampleResponses, type SampleOptions } from './sample';

const config: GptConfig = { vocabSize: 12, contextLength: 12, layers: 1, heads: 2, width: 8, scalarHead: false };
const base: SampleOptions = { temperature: 1, topK: 0, topP: 1, maxNewTokens: 6, eos: 2, pad: 0, forbidden: [0, 1, 3], eosAllowedFrom: 1 };
const prompts = [[1, 5, 6], [1, 7], [1, 8, 9, 10]];

describe('sampling', () => {
  let params: Params;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    // Larger weights than GPT-2 init, so the distribution is far from uniform and greedy choices are clear.
    params = initGpt(config, createRng('sample-test'));
    for (const p of params.values()) if (p.shape.length === 2) p.assign(tf.mul(p, 40));
  });

  it('gives identical outputs for the same seed and different ones for another', async () => {
    const a = await sampleResponses(params, config, prompts, base, createRng(1));
    const b = await sampleResponses(params, config, prompts, base, createRng(1));
    const c = await sampleResponses(params, config, prompts, base, createRng(2));
    expect(a.responses).toEqual(b.responses);
    expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
    expect(a.responses).not.toEqual(c.responses);
  });

  it('never emits forbidden tokens, ends every response with <eos> within the limit, and masks exactly the response', async () => {
    const before = tf.memory().numTensors;
    for (let seed = 0; seed < 5; seed++) {
      const s = await sampleResponses(params, config, prompts, { ...base, temperature: 2 }, createRng(seed));
      s.responses.forEach((r, b) => {
        expect(r.length).toBeLessThanOrEqual(base.maxNewTokens);
        expect(r.at(-1)).toBe(base.eos);
        expect(r.slice(0, -1)).not.toContain(base.eos);
        for (const t of r) expect(base.forbidden).not.toContain(t);
        const row = Array.from(s.responseMask.subarray(b * s.length, (b + 1) * s.length));
        const p = prompts[b]!.length;
        expect(row).toEqual(Array.from({ length: s.length }, (_, i) => (i >= p && i < p + r.length ? 1 : 0)));
        expect(Array.from(s.ids.subarray(b * s.length + p, b * s.length + p + r.length))).toEqual(r);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('greedy sampling picks the argmax of logits (over allowed tokens) at every step', async () => {
    const s = await sampleResponses(params, config, prompts, { ...base, temperature: 0 }, createRng(0));
    const lg = logits(params, config, tf.tensor2d(Array.from(s.ids), [prompts.length, s.length], 'int32')).arraySync();
    s.responses.forEach((r, b) => {
      r.forEach((token, j) => {
        const pos = prompts[b]!.length + j - 1;
        const row = lg[b]![pos]!;
        const allowed = row.map((_, v) => v).filter((v) => !base.forbidden.includes(v) && (v !== base.eos || j >= base.eosAllowedFrom) && (j < base.maxNewTokens - 1 || v === base.eos));
        const argmax = allowed.reduce((best, v) => (row[v]! > row[best]! ? v : best));
        expect(token).toBe(argmax);
      });
    });
  });

  it('keeps <eos> out before eosAllowedFrom and forces it at the horizon (fixed-length responses)', async () => {
    const s = await sampleResponses(params, config, prompts, { ...base, eosAllowedFrom: 5 }, createRng(3));
    for (const r of s.responses) expect(r).toHaveLength(6);
  });

  it('respects top-k and top-p', () => {
    const row = Float32Array.from([0, 0, 0, 0, 5, 4, 3, 1, 0, 0, 0, 0]);
    const rng = createRng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(chooseToken(row, 2, { ...base, topK: 2 }, rng));
    expect([...seen].sort()).toEqual([4, 5]);
    const seenP = new Set<number>();
    // p(4) = e^5 / Σ ≈ 0.66 of the allowed mass: top-p 0.5 keeps token 4 alone.
    for (let i = 0; i < 200; i++) seenP.add(chooseToken(row, 2, { ...base, topP: 0.5 }, rng));
    expect([...seenP]).toEqual([4]);
  });

  it('draws exactly what the per-row rule it replaced drew (the allowed lists are built once per options)', () => {
    // sample.ts's chooseToken before the allowed lists were cached, for top-k and top-p off and for greedy.
    const reference = (row: Float32Array, position: number, o: SampleOptions, rng: ReturnType<typeof createRng>): number => {
      const allowed: number[] = [];
      const mustEnd = position >= o.maxNewTokens - 1;
      for (let v = 0; v < row.length; v++) {
        if (o.forbidden.includes(v)) continue;
        if (v === o.eos ? position < o.eosAllowedFrom && !mustEnd : mustEnd) continue;
        allowed.push(v);
      }
      if (allowed.length === 0) return o.eos;
      if (o.temperature === 0) return allowed.reduce((best, v) => ((row[v] ?? -Infinity) > (row[best] ?? -Infinity) ? v : best));
      let max = -Infinity;
      for (const v of allowed) max = Math.max(max, (row[v] ?? -Infinity) / o.temperature);
      const probs = allowed.map((v) => Math.exp((row[v] ?? -Infinity) / o.temperature - max));
      let u = rng.next() * probs.reduce((a, b) => a + b, 0);
      for (let j = 0; j < allowed.length; j++) {
        u -= probs[j] ?? 0;
        if (u <= 0) return allowed[j] ?? o.eos;
      }
      return allowed[allowed.length - 1] ?? o.eos;
    };
    const logitsRng = createRng('rows');
    for (const [V, o] of [
      [40, base],
      [40, { ...base, temperature: 0.7, eosAllowedFrom: 0 }],
      [40, { ...base, temperature: 1.3, eosAllowedFrom: 9, maxNewTokens: 5 }],
      [1439, { ...base, forbidden: [0, 1, 3], eosAllowedFrom: 3, maxNewTokens: 16 }],
      [40, { ...base, temperature: 0 }],
    ] as const) {
      const ours = createRng('draws');
      const theirs = createRng('draws');
      for (let i = 0; i < 300; i++) {
        const row = Float32Array.from({ length: V }, () => (logitsRng.next() - 0.5) * 12);
        const position = i % (o.maxNewTokens + 1);
        expect(chooseToken(row, position, o, ours)).toBe(reference(row, position, o, theirs));
      }
      // Both consumed the same random numbers.
      expect(ours.next()).toBe(theirs.next());
    }
  });
});
