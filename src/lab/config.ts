/**
 * Every setting of the lab in one declarative table (after tensorflow/playground's state.ts): default, range,
 * label and help for each, grouped by stage. Presets, validation, CLI flags and (later) the URL hash and the UI's
 * controls all read this table, so a setting is declared once.
 */
export type SettingGroup = 'run' | 'model' | 'sft';

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
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof SETTINGS)[number]['key'];
export type Settings = Record<SettingKey, number>;

export const PRESET_NAMES = ['tiny', 'small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Presets change only what they name; everything else keeps its default. */
export const PRESETS: Record<PresetName, { description: string; values: Partial<Settings> }> = {
  tiny: {
    description: 'About a minute on a laptop CPU: 1 layer, width 32, 300 SFT steps. For tests and quick looks.',
    values: { layers: 1, heads: 2, width: 32, sftSteps: 300, sftBatch: 64, sftLr: 1e-2, sftEvalEvery: 50, sftSampleEvery: 150 },
  },
  small: {
    description: 'The reference setup of toy-scale-findings.md: 2 layers, width 64, 4 heads, SFT batch 64 for 600 steps.',
    values: {},
  },
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

/** Defaults, then the preset, then explicit overrides; throws one message listing every problem. */
export function resolveSettings(preset: PresetName, overrides: Partial<Record<string, number>> = {}): Settings {
  const values = { ...defaultSettings(), ...PRESETS[preset].values, ...overrides };
  const problems = validateSettings(values);
  if (problems.length) throw new RangeError(`invalid settings: ${problems.join('; ')}`);
  return values as Settings;
}
