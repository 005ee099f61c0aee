/**
 * Every setting of the lab in one declarative table (after tensorflow/playground's state.ts): default, range,
 * label and help for each, grouped by stage. Presets, validation, CLI flags and (later) the URL hash and the UI's
 * controls all read this table, so a setting is declared once.
 */
export type SettingGroup = 'run' | 'model' | 'sft' | 'prefs' | 'rm' | 'dpo';

export interface SettingSpec {
  key: string;
  group: SettingGroup;
  label: string;
  help: string;
  default: number;
  min: number;
  max: number;
  integer: boolean;
}

export const SETTINGS = [
  { key: 'seed', group: 'run', label: 'Seed', help: 'Seeds every random choice: the same seed and backend give the same numbers.', default: 1, min: 0, max: 2 ** 31 - 1, integer: true },
  { key: 'vocabSize', group: 'model', label: 'Vocabulary', help: 'Words in the vocabulary (4 specials + the most frequent words). The output layer grows with it.', default: 1000, min: 50, max: 5004, integer: true },
  { key: 'layers', group: 'model', label: 'Layers', help: 'Transformer blocks.', default: 2, min: 1, max: 8, integer: true },
  { key: 'heads', group: 'model', label: 'Heads', help: 'Attention heads per block; must divide the width.', default: 4, min: 1, max: 16, integer: true },
  { key: 'width', group: 'model', label: 'Width', help: 'Size of the residual stream (d). The MLP is 4× wider.', default: 64, min: 8, max: 512, integer: true },
  { key: 'sftSteps', group: 'sft', label: 'SFT steps', help: 'Optimiser steps of supervised fine-tuning.', default: 600, min: 1, max: 100_000, integer: true },
  { key: 'sftBatch', group: 'sft', label: 'SFT batch', help: 'Examples per SFT step.', default: 64, min: 1, max: 1024, integer: true },
  { key: 'sftLr', group: 'sft', label: 'SFT learning rate', help: 'Peak Adam learning rate; cosine decay to 10% after a 3% warm-up.', default: 3e-3, min: 1e-6, max: 1e-1, integer: false },
  { key: 'sftEvalEvery', group: 'sft', label: 'Evaluate every', help: 'Steps between held-out loss measurements.', default: 100, min: 1, max: 100_000, integer: true },
  { key: 'sftSampleEvery', group: 'sft', label: 'Samples every', help: 'Steps between sample generations shown to you.', default: 200, min: 1, max: 100_000, integer: true },
  { key: 'prefPrompts', group: 'prefs', label: 'Preference prompts', help: 'Train prompts that get two SFT samples each; pairs whose gold rewards tie are dropped.', default: 6000, min: 10, max: 100_000, integer: true },
  { key: 'prefHeldOutPrompts', group: 'prefs', label: 'Held-out preference prompts', help: 'Held-out prompts for pairs that measure the reward model and DPO.', default: 600, min: 10, max: 20_000, integer: true },
  { key: 'prefTemperature', group: 'prefs', label: 'Judge temperature τ', help: 'The judge prefers a over b with probability σ((g(a) − g(b))/τ); 0 always picks the higher gold reward.', default: 0.2, min: 0, max: 100, integer: false },
  { key: 'rmEpochs', group: 'rm', label: 'Reward-model epochs', help: 'Passes over the preference pairs.', default: 3, min: 1, max: 100, integer: true },
  { key: 'rmBatch', group: 'rm', label: 'Reward-model batch', help: 'Pairs per step.', default: 32, min: 1, max: 1024, integer: true },
  { key: 'rmLr', group: 'rm', label: 'Reward-model learning rate', help: 'Peak Adam learning rate.', default: 1e-3, min: 1e-6, max: 1e-1, integer: false },
  { key: 'dpoBeta', group: 'dpo', label: 'DPO β', help: 'Strength of the KL anchor to the reference; β·log(π/π_ref) is the implicit reward.', default: 0.1, min: 1e-3, max: 10, integer: false },
  { key: 'dpoEpochs', group: 'dpo', label: 'DPO epochs', help: 'Passes over the preference pairs.', default: 2, min: 1, max: 100, integer: true },
  { key: 'dpoBatch', group: 'dpo', label: 'DPO batch', help: 'Pairs per step.', default: 32, min: 1, max: 1024, integer: true },
  { key: 'dpoLr', group: 'dpo', label: 'DPO learning rate', help: 'Peak Adam learning rate.', default: 3e-4, min: 1e-6, max: 1e-1, integer: false },
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof SETTINGS)[number]['key'];
export type Settings = Record<SettingKey, number>;

export const PRESET_NAMES = ['tiny', 'small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Presets change only what they name; everything else keeps its default. */
export const PRESETS: Record<PresetName, { description: string; values: Partial<Settings> }> = {
  tiny: {
    description: 'About a minute on a laptop CPU: 1 layer, width 32, 300 SFT steps. For tests and quick looks.',
    values: { layers: 1, heads: 2, width: 32, sftSteps: 300, sftBatch: 64, sftLr: 1e-2, sftEvalEvery: 50, sftSampleEvery: 150, prefPrompts: 1500, prefHeldOutPrompts: 300, rmEpochs: 5, rmLr: 3e-3, dpoEpochs: 2, dpoLr: 1e-3 },
  },
  small: {
    description: 'The reference setup of toy-scale-findings.md: 2 layers, width 64, 4 heads, SFT batch 64 for 600 steps.',
    values: {},
  },
};

/**
 * What differs between tasks (toy-scale-findings.md): sentiment's judge scales the VADER difference by 5 (τ 0.2)
 * and needs many prompts because most pairs tie; the oracle's token-wise Bradley–Terry judge has τ 1 and 3,000
 * prompts give 3,000 pairs.
 */
export const TASK_DEFAULTS: Record<'sentiment' | 'oracle', Partial<Settings>> = {
  sentiment: {},
  oracle: { prefPrompts: 3000, prefHeldOutPrompts: 300, prefTemperature: 1 },
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function defaultSettings(): Settings {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as Settings;
}

/** Problems with a set of values, one readable line each; empty when all is well. */
export function validateSettings(values: Partial<Record<string, number>>): string[] {
  const problems: string[] = [];
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(values)) if (!known.has(key)) problems.push(`unknown setting "${key}"`);
  for (const s of SETTINGS) {
    const v = values[s.key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${s.label} (${s.key}) must be a number, got ${String(v)}`);
    else if (s.integer && !Number.isInteger(v)) problems.push(`${s.label} (${s.key}) must be a whole number, got ${v}`);
    else if (v < s.min || v > s.max) problems.push(`${s.label} (${s.key}) must be between ${s.min} and ${s.max}, got ${v}`);
  }
  const width = values.width;
  const heads = values.heads;
  if (typeof width === 'number' && typeof heads === 'number' && heads > 0 && width % heads !== 0) {
    problems.push(`Width (${width}) must be divisible by Heads (${heads})`);
  }
  return problems;
}

/** Defaults, then the task's, then the preset, then explicit overrides; throws one message listing every problem. */
export function resolveSettings(preset: PresetName, overrides: Partial<Record<string, number>> = {}, task: 'sentiment' | 'oracle' = 'sentiment'): Settings {
  const presetValues = { ...PRESETS[preset].values };
  // A preset's prompt counts are for sentiment; the oracle keeps its own unless they are smaller.
  if (task === 'oracle') {
    for (const k of ['prefPrompts', 'prefHeldOutPrompts'] as const) {
      const t = TASK_DEFAULTS.oracle[k];
      const p = presetValues[k];
      if (t !== undefined && p !== undefined) presetValues[k] = Math.min(t, p);
    }
  }
  const values = { ...defaultSettings(), ...TASK_DEFAULTS[task], ...presetValues, ...overrides };
  const problems = validateSettings(values);
  if (problems.length) throw new RangeError(`invalid settings: ${problems.join('; ')}`);
  return values as Settings;
}
