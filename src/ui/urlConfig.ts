/**
 * The lab's configuration in the address's hash (Playground style), so a link reproduces a setup:
 *   #preset=tiny&seed=3&rlIterations=10&beta2=0.05&hide=backend,score
 * Any setting of src/lab/config.ts may appear by its key; values are validated against the settings table, and
 * problems come back as readable lines instead of being silently dropped.
 */
import { isPresetName, keepValidSettings, SETTINGS, validateSettings, type PresetName, type Settings } from '../lab/config';

/** Parts of the page a `hide=` list may name (Playground's classroom flags). */
export const HIDEABLE = ['intro', 'pipeline', 'backend', 'sft', 'rlhf', 'preset', 'score', 'theory', 'messages'] as const;
export type Hideable = (typeof HIDEABLE)[number];

export interface UrlConfig {
  preset: PresetName;
  overrides: Partial<Settings>;
  /** From `hide=backend,score`: parts of the page a teacher chose to hide. */
  hide: Set<Hideable>;
  problems: string[];
}

export function parseHashConfig(hash: string): UrlConfig {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems: string[] = [];
  let preset: PresetName = 'tiny';
  const overrides: Record<string, number> = {};
  const hide = new Set<Hideable>();
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
    } else {
      problems.push(`unknown setting "${key}" in the address; ignored`);
    }
  }
  const invalid = validateSettings(overrides);
  for (const line of invalid) problems.push(`${line}; ignored`);
  return { preset, overrides: keepValidSettings(overrides), hide, problems };
}

export function hashOfConfig(preset: PresetName, overrides: Partial<Settings>, hide: Iterable<Hideable> = []): string {
  const params = new URLSearchParams({ preset });
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) params.set(k, String(v));
  const hidden = [...hide];
  if (hidden.length) params.set('hide', hidden.join(','));
  return `#${params.toString()}`;
}
