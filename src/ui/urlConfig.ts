/**
 * The lab's configuration in the address's hash (Playground style), so a link reproduces a setup:
 *   #preset=tiny&task=oracle&seed=3&rlIterations=10&beta2=0.05&hide=backend,score&sweep=1,0.25
 * Any setting of src/lab/config.ts may appear by its key; values are validated against the settings table, and
 * problems come back as readable lines instead of being silently dropped. The cross-field rules (config.ts
 * CROSS_FIELD_RULES) are judged on the preset's values with the address's on top: `#preset=tiny&heads=3` gives
 * "Width (32) must be divisible by Heads (3); heads=3 ignored" at load, so the parsed setup always resolves. `task=` is sentiment or oracle;
 * `sweep=` lists the RTO prompt shares of the fraction sweep (sweepPlan.ts), as decimals or 1/4.
 */
import { brokenRules, fieldProblem, isPresetName, keepValidSettings, mergeSettings, SETTINGS, type PresetName, type Settings } from '../lab/config';
import type { TaskName } from '../lab/tasks/task';
import { parseSweepFractions } from './sweepPlan';

/** Parts of the page a `hide=` list may name (Playground's classroom flags). */
export const HIDEABLE = ['intro', 'labs', 'pipeline', 'backend', 'sft', 'rlhf', 'preset', 'score', 'scale', 'rollouts', 'theory', 'messages'] as const;
export type Hideable = (typeof HIDEABLE)[number];

export const TASK_NAMES: readonly TaskName[] = ['sentiment', 'oracle'];
export const isTaskName = (name: string): name is TaskName => (TASK_NAMES as readonly string[]).includes(name);

export interface UrlConfig {
  task: TaskName;
  preset: PresetName;
  overrides: Partial<Settings>;
  /** From `hide=backend,score`: parts of the page a teacher chose to hide. */
  hide: Set<Hideable>;
  /** From `sweep=1,0.5,0.25`: the fraction sweep's RTO prompt shares (null: the default). */
  sweep: number[] | null;
  problems: string[];
}

export function parseHashConfig(hash: string): UrlConfig {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems: string[] = [];
  let task: TaskName = 'sentiment';
  let preset: PresetName = 'tiny';
  const overrides: Record<string, number> = {};
  const hide = new Set<Hideable>();
  let sweep: number[] | null = null;
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const [key, raw] of params) {
    if (key === 'preset') {
      if (isPresetName(raw)) preset = raw;
      else problems.push(`preset "${raw}" is not one of tiny, small; using tiny`);
    } else if (key === 'task') {
      if (isTaskName(raw)) task = raw;
      else problems.push(`task "${raw}" is not one of ${TASK_NAMES.join(', ')}; using sentiment`);
    } else if (known.has(key)) {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) problems.push(`${key}=${raw} is not a number; ignored`);
      else overrides[key] = value;
    } else if (key === 'hide') {
      for (const name of raw.split(',').filter(Boolean)) {
        if ((HIDEABLE as readonly string[]).includes(name)) hide.add(name as Hideable);
        else problems.push(`hide=${name}: nothing of that name (known: ${HIDEABLE.join(', ')}); ignored`);
      }
    } else if (key === 'lab') {
      // A lab file to open (useLab.ts reads it, then takes it out of the address)
    } else if (key === 'sweep') {
      const parsed = parseSweepFractions(raw);
      if (parsed.problems.length) problems.push(`sweep=${raw}: ${parsed.problems.join('; ')}; using the default list`);
      else sweep = parsed.fractions;
    } else {
      problems.push(`unknown setting "${key}" in the address; ignored`);
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    const problem = fieldProblem(key, value);
    if (problem) problems.push(`${problem}; ignored`);
  }
  const kept: Partial<Settings> = keepValidSettings(overrides);
  // A broken rule drops the address's values of its fields (the preset's own values keep every rule).
  for (let broken = brokenRules(mergeSettings(preset, kept, task)); broken.length > 0; broken = brokenRules(mergeSettings(preset, kept, task))) {
    let dropped = false;
    for (const { rule, message } of broken) {
      const fromAddress = rule.fields.filter((k) => kept[k] !== undefined);
      if (fromAddress.length === 0) continue;
      problems.push(`${message}; ${fromAddress.map((k) => `${k}=${String(kept[k])}`).join(', ')} ignored`);
      for (const k of fromAddress) delete kept[k];
      dropped = true;
    }
    if (!dropped) break;
  }
  return { task, preset, overrides: kept, hide, sweep, problems };
}

/** The hash for a configuration: preset and task always, then every changed setting, `hide=` and `sweep=` when set. */
export function hashOfConfig(config: Omit<UrlConfig, 'problems' | 'hide' | 'sweep'> & { hide?: Iterable<Hideable>; sweep?: readonly number[] | null }): string {
  const params = new URLSearchParams({ preset: config.preset, task: config.task });
  for (const [k, v] of Object.entries(config.overrides)) if (v !== undefined) params.set(k, String(v));
  const hidden = [...(config.hide ?? [])];
  if (hidden.length) params.set('hide', hidden.join(','));
  if (config.sweep?.length) params.set('sweep', config.sweep.join(','));
  return `#${params.toString()}`;
}
