/**
 * The lab's configuration in the address's hash (Playground style), so a link reproduces a setup:
 *   #preset=tiny&seed=3&rlIterations=10&beta2=0.05&hide=backend,score&sweep=1,0.25
 * Any setting of src/lab/config.ts may appear by its key; values are validated against the settings table, and
 * problems come back as readable lines instead of being silently dropped. `sweep=` lists the RTO prompt shares of
 * the fraction sweep (sweepPlan.ts), as decimals or 1/4.
 */
import { isPresetName, keepValidSettings, SETTINGS, validateSettings, type PresetName, type Settings } from '../lab/config';
import { parseSweepFractions } from './sweepPlan';

/** Parts of the page a `hide=` list may name (Playground's classroom flags). */
export const HIDEABLE = ['intro', 'pipeline', 'backend', 'sft', 'rlhf', 'preset', 'score', 'theory', 'messages'] as const;
export type Hideable = (typeof HIDEABLE)[number];

export interface UrlConfig {
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
  let preset: PresetName = 'tiny';
  const overrides: Record<string, number> = {};
  const hide = new Set<Hideable>();
  let sweep: number[] | null = null;
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const [key, raw] of params) {
    if (key === 'preset') {
      if (isPresetName(raw)) preset = raw;
      else problems.push(`preset "${raw}" is not one of tiny, small; using tiny`);
    } else if (known.has(key)) {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) problems.push(`${key}=${raw} is not a number; ignored`);
      else overrides[key] = value;
    } else if (key === 'hide') {
      for (const name of raw.split(',').filter(Boolean)) {
        if ((HIDEABLE as readonly string[]).includes(name)) hide.add(name as Hideable);
        else problems.push(`hide=${name}: nothing of that name (known: ${HIDEABLE.join(', ')}); ignored`);
      }
    } else if (key === 'sweep') {
      const parsed = parseSweepFractions(raw);
      if (parsed.problems.length) problems.push(`sweep=${raw}: ${parsed.problems.join('; ')}; using the default list`);
      else sweep = parsed.fractions;
    } else {
      problems.push(`unknown setting "${key}" in the address; ignored`);
    }
  }
  const invalid = validateSettings(overrides);
  for (const line of invalid) problems.push(`${line}; ignored`);
  return { preset, overrides: keepValidSettings(overrides), hide, sweep, problems };
}

export function hashOfConfig(preset: PresetName, overrides: Partial<Settings>, hide: Iterable<Hideable> = [], sweep: readonly number[] | null = null): string {
  const params = new URLSearchParams({ preset });
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) params.set(k, String(v));
  const hidden = [...hide];
  if (hidden.length) params.set('hide', hidden.join(','));
  if (sweep?.length) params.set('sweep', sweep.join(','));
  return `#${params.toString()}`;
}
