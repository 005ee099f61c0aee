import { describe, expect, it } from 'vitest';
import { customSettings, followModel, overridesOf, sftJobOf, sftStepsOf, withoutCustom, withPreset, withSftSteps, type Setup } from './setup';

const setup = (patch: Partial<Setup> = {}): Setup => ({ task: 'sentiment', preset: 'tiny', edited: {}, sweep: null, ...patch });

describe('the shared setup', () => {
  it("shows the preset's SFT steps unless the setup changed them", () => {
    expect(sftStepsOf(setup())).toBe(300);
    expect(sftStepsOf(setup({ preset: 'small' }))).toBe(600);
    expect(sftStepsOf(setup({ edited: { sftSteps: 3 } }))).toBe(3);
    expect(sftStepsOf(setup({ edited: { sftSteps: 0 } }))).toBe(300); // invalid: not used
  });

  it("follows a loaded model's task and preset, keeping the other changed settings; agreeing or unknown, it stays", () => {
    const s = setup({ edited: { sftSteps: 3, rlIterations: 2 }, sweep: [1, 0.5] });
    expect(followModel(s, { task: 'oracle', preset: 'small' })).toEqual(setup({ task: 'oracle', preset: 'small', edited: { rlIterations: 2 }, sweep: [1, 0.5] }));
    expect(followModel(s, { task: 'sentiment', preset: 'tiny' })).toBe(s);
    expect(followModel(s, { task: 'oracle', preset: 'huge' })).toBe(s);
    expect(followModel(s, { task: 'oracle' })).toBe(s);
  });

  it("keeps only valid settings, and a new preset brings back its own SFT steps", () => {
    expect(overridesOf(setup({ edited: { seed: 2, beta1: -3 } }))).toEqual({ seed: 2 });
    const s = withPreset(setup({ edited: { sftSteps: 3, seed: 2 } }), 'small');
    expect(s).toEqual(setup({ preset: 'small', edited: { seed: 2 } }));
    expect(sftStepsOf(s)).toBe(600);
  });

  it("records typed SFT steps, but not the preset's own value", () => {
    expect(withSftSteps(setup({ edited: { seed: 2 } }), 3).edited).toEqual({ seed: 2, sftSteps: 3 });
    expect(withSftSteps(setup({ edited: { sftSteps: 3 } }), 300).edited).toEqual({});
  });

  it('names the settings that differ from the task and preset, and drops them all on the way back to the preset', () => {
    expect(customSettings(setup())).toEqual([]);
    // seed 1 is the default and beta2 0.015 the oracle's own (tuned): neither is a change; an invalid value is not used.
    expect(customSettings(setup({ task: 'oracle', edited: { seed: 1, beta2: 0.015, layers: 99 } }))).toEqual([]);
    expect(customSettings(setup({ edited: { sftSteps: 5, beta2: 0.05 } }))).toEqual(['SFT steps', 'β2 (KL penalty)']);
    expect(withoutCustom(setup({ task: 'oracle', edited: { sftSteps: 5, layers: 99 }, sweep: [1, 0.5] }))).toEqual(setup({ task: 'oracle', sweep: [1, 0.5] }));
  });

  it('makes the SFT job of the task, preset and every changed setting', () => {
    expect(sftJobOf(setup({ task: 'oracle', edited: { sftSteps: 3, seed: 4, layers: 99 } }), '/data/brown.json')).toEqual({
      kind: 'sft',
      task: 'oracle',
      preset: 'tiny',
      overrides: { sftSteps: 3, seed: 4 },
      dataUrl: '/data/brown.json',
    });
    expect(sftJobOf(setup(), 'x').overrides).toEqual({ sftSteps: 300 });
  });
});
