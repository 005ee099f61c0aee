import { PRESET_NAMES, type PresetName } from '../../lab/config';
import type { TaskName } from '../../lab/tasks/task';
import { customSettings, withoutCustom, withPreset, type Setup } from '../setup';
import { TASK_NAMES } from '../urlConfig';

const TASK_LABEL: Record<TaskName, string> = {
  sentiment: 'sentiment (Brown corpus, VADER gold)',
  oracle: 'oracle (hidden teacher, true token rewards)',
};

/**
 * The task and preset pickers of a panel (ids `${idPrefix}-task`, `${idPrefix}-preset`): every panel shows and
 * changes the same shared setup. With `hide=preset` in the address the link fixes them, and they are only named.
 */
export function SetupPickers({ idPrefix, setup, onChange, disabled, show = true }: { idPrefix: string; setup: Setup; onChange: (next: Setup) => void; disabled: boolean; show?: boolean }) {
  if (!show) {
    return (
      <span className="hint" data-testid={`${idPrefix}-setup`}>
        Task {setup.task}, preset {setup.preset} (set by the link)
      </span>
    );
  }
  const custom = customSettings(setup);
  return (
    <>
      <label htmlFor={`${idPrefix}-task`}>Task</label>
      <select id={`${idPrefix}-task`} data-testid={`${idPrefix}-task`} value={setup.task} disabled={disabled} onChange={(e) => onChange({ ...setup, task: e.target.value as TaskName })}>
        {TASK_NAMES.map((t) => (
          <option key={t} value={t}>
            {TASK_LABEL[t]}
          </option>
        ))}
      </select>
      <label htmlFor={`${idPrefix}-preset`}>Preset</label>
      <select id={`${idPrefix}-preset`} data-testid={`${idPrefix}-preset`} value={setup.preset} disabled={disabled} onChange={(e) => onChange(withPreset(setup, e.target.value as PresetName))}>
        {PRESET_NAMES.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      {custom.length > 0 && (
        <>
          <span className="hint" data-testid={`${idPrefix}-custom`} title={custom.join(', ')}>
            custom: {custom.length === 1 ? `${custom[0]} changed` : `${custom.length} settings changed`}
          </span>
          <button type="button" data-testid={`${idPrefix}-reset`} disabled={disabled} onClick={() => onChange(withoutCustom(setup))}>
            Back to the preset
          </button>
        </>
      )}
    </>
  );
}
