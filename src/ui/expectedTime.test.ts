import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../lab/config';
import { expectedSeconds, expectedTimeLine, FIGURES, formatDuration, measuredShapeOf, UNIT_KEYS, type BackendFigures, type Figures } from './expectedTime';

const small = resolveSettings('small', {}, 'sentiment');
const fig: BackendFigures = {
  shell: 'chromium',
  machine: 'a 2-core machine',
  date: '2026-12-02',
  task: 'sentiment',
  model: { layers: small.layers, heads: small.heads, width: small.width, vocabSize: small.vocabSize },
  at: { sftBatch: small.sftBatch, rmBatch: small.rmBatch, dpoBatch: small.dpoBatch, rlPrompts: small.rlPrompts, rlMinibatches: small.rlMinibatches, rlEvalPrompts: small.rlEvalPrompts },
  pairsPerPrompt: 0.8,
  ms: { sftStep: 100, sftEval: 1000, sftSamples: 50, preferencesPer1000: 2000, rmStep: 40, rmPairsPer1000: 300, dpoStep: 60, dpoPairsPer1000: 500, 'rlIteration.ppo': 600, 'rlIteration.rto': 700, rlEval: 900 },
};
const figures: Figures = { backends: { wasm: [fig] } };
const seconds = (e: ReturnType<typeof expectedSeconds>) => ('seconds' in e ? e.seconds : NaN);

describe('expected time', () => {
  it('is the measured unit costs times the stage units', () => {
    const s = { ...small, sftSteps: 600, sftEvalEvery: 100, sftSampleEvery: 200 };
    expect(seconds(expectedSeconds('sft', s, 'wasm', { task: 'sentiment' }, figures))).toBeCloseTo((600 * 100 + 6 * 1000 + 3 * 50) / 1000, 9);
    const p = { ...small, prefPrompts: 8000, prefHeldOutPrompts: 600 };
    expect(seconds(expectedSeconds('preferences', p, 'wasm', { task: 'sentiment' }, figures))).toBeCloseTo(8.6 * 2, 9);
    const rl = { ...small, rlIterations: 60, rlEvalEvery: 5 };
    expect(seconds(expectedSeconds('rto', rl, 'wasm', { task: 'sentiment', method: 'rto' }, figures))).toBeCloseTo((60 * 700 + (2 + 12) * 900) / 1000, 9);
    expect(seconds(expectedSeconds('ppo', rl, 'wasm', { task: 'sentiment' }, figures))).toBeCloseTo((60 * 600 + 14 * 900) / 1000, 9);
  });

  it('counts RM and DPO steps from the pairs the lab holds, or from the prompts before there are any', () => {
    const s = { ...small, rmEpochs: 2, rmBatch: 32 };
    const held = seconds(expectedSeconds('rm', s, 'wasm', { task: 'sentiment', pairs: { train: 3200, heldOut: 500 } }, figures));
    const steps = 2 * 100;
    expect(held).toBeCloseTo((steps * 40 + ((4 * 500 + 3200 + 500) / 1000) * 300) / 1000, 9);
    const before = seconds(expectedSeconds('rm', { ...s, prefPrompts: 4000, prefHeldOutPrompts: 625 }, 'wasm', { task: 'sentiment' }, figures));
    expect(before).toBeCloseTo(held, 9); // 4000 · 0.8 = 3200 train pairs, 625 · 0.8 = 500 held out
    expect(seconds(expectedSeconds('dpo', { ...small, dpoEpochs: 1, dpoBatch: 32 }, 'wasm', { task: 'sentiment', pairs: { train: 3200, heldOut: 500 } }, figures))).toBeCloseTo(
      (100 * 60 + ((3200 + 500 + 2 * 500 + 500 + 3200) / 1000) * 500) / 1000,
      9,
    );
    // With two stages at once the report's pass over the training pairs is made beside, after the stage.
    expect(seconds(expectedSeconds('dpo', { ...small, dpoEpochs: 1, dpoBatch: 32 }, 'wasm', { task: 'sentiment', pairs: { train: 3200, heldOut: 500 }, reportBeside: true }, figures))).toBeCloseTo(
      (100 * 60 + ((3200 + 500 + 2 * 500 + 500) / 1000) * 500) / 1000,
      9,
    );
  });

  it('scales batch and prompt counts linearly', () => {
    const one = seconds(expectedSeconds('ppo', { ...small, rlEvalEvery: 1_000_000 }, 'wasm', { task: 'sentiment' }, figures));
    const twice = seconds(expectedSeconds('ppo', { ...small, rlEvalEvery: 1_000_000, rlPrompts: 2 * small.rlPrompts, rlEvalPrompts: 2 * small.rlEvalPrompts }, 'wasm', { task: 'sentiment' }, figures));
    expect(twice).toBeCloseTo(2 * one, 9);
  });

  it('gives no estimate rather than a guess', () => {
    expect(expectedTimeLine('sft', small, 'webgl', { task: 'sentiment' }, figures)).toBe('no estimate for webgl yet');
    expect(expectedTimeLine('sft', { ...small, width: 32 }, 'wasm', { task: 'sentiment' }, figures)).toMatch(/^no estimate for this model size on wasm yet/);
    expect(expectedTimeLine('sft', small, 'wasm', { task: 'oracle' }, figures)).toBe('no estimate for the oracle task on wasm yet');
    expect(expectedTimeLine('rto', small, 'wasm', { task: 'sentiment', method: 'grpo' }, figures)).toBe('no estimate for grpo on wasm yet');
    expect(expectedTimeLine('sft', small, null, { task: 'sentiment' }, figures)).toBe('expected time: once a backend is chosen');
  });

  it('picks the entry measured on the stage’s model shape, one per prepared lab, and names the measured shapes when none fits', () => {
    const tiny = resolveSettings('tiny', {}, 'sentiment');
    const tinyFig: BackendFigures = { ...fig, shell: 'node', model: measuredShapeOf(tiny), ms: { ...fig.ms, sftStep: 10 } };
    const both: Figures = { backends: { wasm: [fig, tinyFig] } };
    const one = { ...small, sftSteps: 100, sftBatch: fig.at.sftBatch, sftEvalEvery: 1_000_000, sftSampleEvery: 1_000_000 };
    const oneTiny = { ...tiny, sftSteps: 100, sftBatch: fig.at.sftBatch, sftEvalEvery: 1_000_000, sftSampleEvery: 1_000_000 };
    // 100 steps, one closing evaluation and one sample each: the step cost is what differs.
    expect(seconds(expectedSeconds('sft', one, 'wasm', { task: 'sentiment' }, both))).toBeCloseTo((100 * 100 + 1000 + 50) / 1000, 9);
    expect(seconds(expectedSeconds('sft', oneTiny, 'wasm', { task: 'sentiment' }, both))).toBeCloseTo((100 * 10 + 1000 + 50) / 1000, 9);
    expect(expectedTimeLine('sft', oneTiny, 'wasm', { task: 'sentiment' }, both)).toMatch(/ on wasm \(measured on a 2-core machine, under Node\)$/);
    expect(expectedTimeLine('sft', { ...small, width: 48 }, 'wasm', { task: 'sentiment' }, both)).toBe(
      `no estimate for this model size on wasm yet (measured: ${small.layers} layers, width ${small.width}; ${tiny.layers} layer${tiny.layers === 1 ? '' : 's'}, width ${tiny.width})`,
    );
  });

  it('reads as a duration and names the backend and the machine', () => {
    expect(formatDuration(0.4)).toBe('under 1 s');
    expect(formatDuration(8.4)).toBe('about 8 s');
    expect(formatDuration(80)).toBe('about 1 min 20 s');
    expect(formatDuration(120.2)).toBe('about 2 min');
    expect(expectedTimeLine('sft', { ...small, sftSteps: 600, sftEvalEvery: 100, sftSampleEvery: 200 }, 'wasm', { task: 'sentiment' }, figures)).toBe('about 1 min 10 s on wasm (measured on a 2-core machine)');
  });

  it('has every unit cost, finite and positive, for each backend the benchmark wrote', () => {
    for (const [backend, list] of Object.entries(FIGURES.backends)) {
      expect(list!.length, backend).toBeGreaterThan(0);
      for (const f of list!) {
        for (const k of UNIT_KEYS) expect(f.ms[k], `${backend} ${k}`).toBeGreaterThan(0);
        expect(f.pairsPerPrompt, backend).toBeGreaterThan(0);
      }
    }
  });
});
