import { useId } from 'react';
import { brokenRules, fieldProblem, keepValidSettings, mergeSettings, resolveSettings, SETTINGS, type PresetName, type SettingGroup, type Settings } from '../../lab/config';
import type { TaskName } from '../../lab/tasks/task';

/**
 * The settings of one or more groups, straight from the config table (src/lab/config.ts): each with its label,
 * range and one-line help, showing the preset's value (for the task) until the user changes it. Invalid input is flagged and
 * kept out of the overrides, so a run never starts with a value the table refuses. A broken cross-field rule
 * (config.ts CROSS_FIELD_RULES, judged on the preset's values with the changes on top) shows its message next to each
 * of its fields here, as the user types; setupProblems (config.ts) is the same check for whoever starts the stage.
 */
export function SettingsEditor({
  groups,
  preset,
  task = 'sentiment',
  overrides,
  onChange,
  disabled,
}: {
  groups: readonly SettingGroup[];
  preset: PresetName;
  task?: TaskName;
  overrides: Partial<Settings>;
  onChange: (next: Partial<Settings>) => void;
  disabled: boolean;
}) {
  const id = useId();
  const base = resolveSettings(preset, {}, task);
  const specs = SETTINGS.filter((s) => (groups as readonly string[]).includes(s.group));
  const broken = brokenRules(mergeSettings(preset, keepValidSettings(overrides), task));
  const ruleProblem = (key: string) => broken.find(({ rule }) => (rule.fields as readonly string[]).includes(key))?.message ?? null;
  const set = (key: string, raw: string) => {
    const next: Record<string, number> = { ...overrides };
    if (raw.trim() === '') delete next[key];
    else next[key] = Number(raw);
    onChange(next as Partial<Settings>);
  };
  return (
    <div className="settings-grid">
      {specs.map((s) => {
        const value = overrides[s.key];
        const problem = (value === undefined ? null : fieldProblem(s.key, value)) ?? ruleProblem(s.key);
        return (
          <div key={s.key} className="setting">
            <label htmlFor={`${id}-${s.key}`}>{s.label}</label>
            <input
              id={`${id}-${s.key}`}
              data-setting={s.key}
              inputMode="decimal"
              size={8}
              placeholder={String(base[s.key])}
              value={value === undefined ? '' : String(value)}
              disabled={disabled}
              aria-invalid={problem !== null}
              aria-describedby={`${id}-${s.key}-help`}
              onChange={(e) => set(s.key, e.target.value)}
            />
            <span id={`${id}-${s.key}-help`} className="hint">
              {problem ?? `${s.help} (${s.min}–${s.max})`}
            </span>
          </div>
        );
      })}
    </div>
  );
}
