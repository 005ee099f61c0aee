/**
 * A label per RL run that says how its settings differ from the other runs' (so "RTO (β1 0.5, c 0.2)" beside
 * "PPO (β2 0.05)" is read correctly), from the settings each run was started with.
 */
import { resolveSettings, SETTINGS, type PresetName, type Settings } from '../lab/config';

export interface LabelledRun {
  stage: 'ppo' | 'rto';
  preset: PresetName;
  overrides: Partial<Settings>;
  /** The task whose defaults the run's settings start from (sentiment when absent). */
  task?: 'sentiment' | 'oracle';
}

const SHORT: Partial<Record<keyof Settings, string>> = { beta1: 'β1', rtoClip: 'c', beta2: 'β2', beta3: 'β3', actorLr: 'actor lr', criticLr: 'critic lr', rlPromptFraction: 'prompts ×' };
// PPO's own β2 and actor LR are compared as β2 and actor LR (what each run trains with), not as separate keys.
const PPO_OWN: Partial<Record<keyof Settings, keyof Settings>> = { beta2: 'ppoBeta2', actorLr: 'ppoActorLr' };
const RL_KEYS = SETTINGS.filter((s) => (s.group === 'rl' || s.key === 'seed') && !Object.values(PPO_OWN).includes(s.key)).map((s) => s.key);
const effective = (stage: LabelledRun['stage'], s: Settings, key: keyof Settings) => s[(stage === 'ppo' && PPO_OWN[key]) || key];

export function runLabels(runs: readonly LabelledRun[]): string[] {
  const settings = runs.map((r) => resolveSettings(r.preset, r.overrides, r.task));
  // PPO ignores the DPO reward's settings, so they never distinguish it.
  const relevant = (stage: LabelledRun['stage'], key: string) => stage === 'rto' || !['beta1', 'rtoClip', 'beta3'].includes(key);
  const labels = runs.map((run, i) => {
    const own = settings[i]!;
    const parts: string[] = [];
    if (run.stage === 'rto') parts.push(`β1 ${own.beta1}`, `c ${own.rtoClip}`);
    for (const key of RL_KEYS) {
      if (!relevant(run.stage, key) || (run.stage === 'rto' && (key === 'beta1' || key === 'rtoClip'))) continue;
      const mine = effective(run.stage, own, key);
      const differs = settings.some((other, j) => j !== i && relevant(runs[j]!.stage, key) && effective(runs[j]!.stage, other, key) !== mine);
      if (differs) parts.push(`${SHORT[key] ?? key} ${mine}`);
    }
    return parts.length ? `${run.stage.toUpperCase()} (${parts.join(', ')})` : run.stage.toUpperCase();
  });
  // Runs with the same settings (a re-run) are told apart by their order.
  return labels.map((label, i) => (labels.filter((l) => l === label).length > 1 ? `${label} #${labels.slice(0, i + 1).filter((l) => l === label).length}` : label));
}
