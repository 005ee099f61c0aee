/**
 * The page's one setup, shared by the SFT and RLHF panels and carried by the address's hash: task, size preset,
 * every changed setting and the sweep list. Pure: the panels and App hold it, this says how it changes.
 */
import { isPresetName, keepValidSettings, resolveSettings, SETTINGS, type PresetName, type SettingKey, type Settings } from '../lab/config';
import type { TaskName } from '../lab/tasks/task';
import type { RunJob } from '../worker/protocol';

export interface Setup {
  task: TaskName;
  preset: PresetName;
  /** Settings as typed, invalid ones included (the editors flag them); only the valid ones are used or saved. */
  edited: Partial<Settings>;
  /** The fraction sweep's RTO prompt shares when they differ from the default (null: the default). */
  sweep: number[] | null;
}

/** The changed settings a run uses and the address carries. */
export const overridesOf = (setup: Setup): Partial<Settings> => keepValidSettings(setup.edited);

/** SFT's steps: the changed value (from the address or the Steps box), else the preset's. */
export function sftStepsOf(setup: Setup): number {
  return overridesOf(setup).sftSteps ?? resolveSettings(setup.preset, {}, setup.task).sftSteps;
}

function withoutSftSteps(edited: Partial<Settings>): Partial<Settings> {
  const rest = { ...edited };
  delete rest.sftSteps;
  return rest;
}

/** Another preset: the SFT steps go back to the new preset's (the Steps box sits beside the preset picker). */
export function withPreset(setup: Setup, preset: PresetName): Setup {
  return { ...setup, preset, edited: withoutSftSteps(setup.edited) };
}

/**
 * The setup once an SFT model from elsewhere is in (an opened lab, a checkpoint, the Quick demo): its task and
 * preset, so the stages run with the settings the model was made for and their cards show its expected times; the
 * other changed settings stay. The same setup when it already agrees, or when the model names no known preset.
 */
export function followModel(setup: Setup, model: { task: TaskName; preset?: string }): Setup {
  if (!model.preset || !isPresetName(model.preset)) return setup;
  if (model.task === setup.task && model.preset === setup.preset) return setup;
  return { ...withPreset(setup, model.preset), task: model.task };
}

/** SFT steps typed in the Steps box; the preset's own value is not a change, so it leaves the address. */
export function withSftSteps(setup: Setup, steps: number): Setup {
  const edited = withoutSftSteps(setup.edited);
  return { ...setup, edited: steps === resolveSettings(setup.preset, {}, setup.task).sftSteps ? edited : { ...edited, sftSteps: steps } };
}

/** The SFT job the Start button and "Run the whole chain" post: the setup's task, preset and changed settings. */
export function sftJobOf(setup: Setup, dataUrl: string): Extract<RunJob, { kind: 'sft' }> {
  return { kind: 'sft', task: setup.task, preset: setup.preset, overrides: { ...overridesOf(setup), sftSteps: sftStepsOf(setup) }, dataUrl };
}

/** The settings whose value differs from the task's and preset's own (what makes the setup "custom"), as labels. */
export function customSettings(setup: Setup): string[] {
  const base = resolveSettings(setup.preset, {}, setup.task);
  return Object.entries(overridesOf(setup))
    .filter(([key, value]) => base[key as SettingKey] !== value)
    .map(([key]) => SETTINGS.find((spec) => spec.key === key)?.label ?? key);
}

/** Back to the preset: every changed setting dropped, typed mistakes included (the task and sweep list stay). */
export function withoutCustom(setup: Setup): Setup {
  return { ...setup, edited: {} };
}
