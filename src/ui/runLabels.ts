/**
 * A label per RL run that says how its settings differ from the other runs' (so "RTO (β1 0.5, c 0.2)" beside
 * "PPO (β2 0.05)" is read correctly), from the settings each run was started with.
 */
import { resolveSettings, SETTINGS, type PresetName, type Settings } from '../lab/config';
import { methodOf, type Method, type MethodName } from '../lab/train/methods';

export interface LabelledRun {
  stage: 'ppo' | 'rto';
  preset: PresetName;
  overrides: Partial<Settings>;
  /** The task whose defaults the run's settings start from (sentiment when absent). */
  task?: 'sentiment' | 'oracle';
  /** The run's method (src/lab/train/methods.ts); the stage's own when absent. */
  method?: MethodName;
}

const SHORT: Partial<Record<keyof Settings, string>> = { beta1: 'β1', rtoClip: 'c', beta2: 'β2', beta3: 'β3', actorLr: 'actor lr', criticLr: 'critic lr', rlPromptFraction: 'prompts ×', groupSize: 'G' };
// PPO's own β2 and actor LR are compared as β2 and actor LR (what each run trains with), not as separate keys.
const PPO_OWN: Partial<Record<keyof Settings, keyof Settings>> = { beta2: 'ppoBeta2', actorLr: 'ppoActorLr' };
// How often a run is evaluated changes no weight and no point it evaluates (rl.test.ts): the Quick demo's runs,
// evaluated every 4th iteration (src/lab/quickDemoSettings.ts), are not told apart from a Start button's by it.
const SAME_NUMBERS: readonly string[] = ['rlEvalEvery'];
const RL_KEYS = SETTINGS.filter((s) => (s.group === 'rl' || s.key === 'seed') && !Object.values(PPO_OWN).includes(s.key) && !SAME_NUMBERS.includes(s.key)).map((s) => s.key);
const DENSE_KEYS: readonly string[] = ['beta1', 'rtoClip', 'beta3'];
const methodOfRun = (run: LabelledRun): Method => methodOf(run.method ?? run.stage);
const effective = (m: Method, s: Settings, key: keyof Settings) => s[(m.name === 'ppo' && PPO_OWN[key]) || key];

/** Labels by method ("RTO", "GRPO (dense)") with the settings in which a run differs from the others. */
export function runLabels(runs: readonly LabelledRun[]): string[] {
  const settings = runs.map((r) => resolveSettings(r.preset, r.overrides, r.task));
  const methods = runs.map(methodOfRun);
  // A method without the DPO reward ignores its settings, so they never distinguish it; G only matters to group methods.
  const relevant = (m: Method, key: string) => (DENSE_KEYS.includes(key) ? m.needsDpo : key === 'groupSize' ? m.usesGroups : true);
  const labels = runs.map((_, i) => {
    const own = settings[i]!;
    const m = methods[i]!;
    const parts: string[] = [];
    if (m.needsDpo) parts.push(`β1 ${own.beta1}`, `c ${own.rtoClip}`);
    for (const key of RL_KEYS) {
      if (!relevant(m, key) || (m.needsDpo && (key === 'beta1' || key === 'rtoClip'))) continue;
      const mine = effective(m, own, key);
      const differs = settings.some((other, j) => j !== i && relevant(methods[j]!, key) && effective(methods[j]!, other, key) !== mine);
      if (differs) parts.push(`${SHORT[key] ?? key} ${mine}`);
    }
    return parts.length ? `${m.label} (${parts.join(', ')})` : m.label;
  });
  // Runs with the same settings (a re-run) are told apart by their order.
  return labels.map((label, i) => (labels.filter((l) => l === label).length > 1 ? `${label} #${labels.slice(0, i + 1).filter((l) => l === label).length}` : label));
}
