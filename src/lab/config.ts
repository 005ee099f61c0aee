/**
 * Every setting of the lab in one declarative table (after tensorflow/playground's state.ts): default, range,
 * label and help for each, grouped by stage. Presets, validation, CLI flags and (later) the URL hash and the UI's
 * controls all read this table, so a setting is declared once.
 */
export type SettingGroup = 'run' | 'model' | 'sft' | 'prefs' | 'rm' | 'dpo' | 'rl';

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
  { key: 'vocabSize', group: 'model', label: 'Frequent words', help: 'The 4 specials plus the most frequent corpus words, this many in all. Sentiment adds every VADER lexicon word seen 10+ times on top (439 more at 1,000: 1,439 tokens). The output layer grows with the total.', default: 1000, min: 50, max: 5004, integer: true },
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
  { key: 'rlIterations', group: 'rl', label: 'RL iterations', help: 'Rollouts of PPO/RTO; each samples one response per prompt, then updates once.', default: 60, min: 1, max: 10_000, integer: true },
  { key: 'rlPrompts', group: 'rl', label: 'Prompts per rollout', help: 'Episodes per iteration (the paper uses 1,024; 64 at toy scale).', default: 64, min: 2, max: 4096, integer: true },
  { key: 'rlMinibatches', group: 'rl', label: 'Minibatches', help: 'Optimiser steps per rollout: one pass over it in this many minibatches; must divide the prompts.', default: 4, min: 1, max: 256, integer: true },
  { key: 'rlPromptFraction', group: 'rl', label: 'Prompt fraction', help: 'Share of the RL prompt pool (iterations × prompts) used; smaller sets repeat prompts. The sample-efficiency sweep varies it.', default: 1, min: 0.001, max: 1, integer: false },
  { key: 'actorLr', group: 'rl', label: 'Actor learning rate', help: 'Peak Adam learning rate of the policy (starts as SFT) in RTO and the ablations; PPO has its own.', default: 5e-4, min: 1e-7, max: 1e-1, integer: false },
  { key: 'criticLr', group: 'rl', label: 'Critic learning rate', help: 'Peak Adam learning rate of the critic (starts as the reward model); about 10× the actor.', default: 5e-3, min: 1e-7, max: 1e-1, integer: false },
  { key: 'beta1', group: 'rl', label: 'β1 (DPO reward)', help: 'Scale of the dense DPO token reward β1·log(π_dpo/π_ref). Paper: 0.05; toy scale needs more.', default: 0.5, min: 0, max: 100, integer: false },
  { key: 'rtoClip', group: 'rl', label: 'c (DPO reward clip)', help: 'Each scaled DPO token reward is clipped to ±c (the official code does; the paper does not). Unclipped, it is hacked.', default: 0.2, min: 1e-4, max: 1e6, integer: false },
  { key: 'beta2', group: 'rl', label: 'β2 (KL penalty)', help: 'Per-token penalty −β2·log(π/π_ref) in RTO and the ablations (PPO has its own). Low values let the policy drift and hack the reward.', default: 0.2, min: 0, max: 100, integer: false },
  { key: 'ppoBeta2', group: 'rl', label: 'β2 for PPO', help: 'PPO’s own KL penalty. It is tuned apart from the β2 of RTO and the ablations: equal β2 is not equal KL, since RTO’s dense reward pulls the policy further from π_ref.', default: 0.2, min: 0, max: 100, integer: false },
  { key: 'ppoActorLr', group: 'rl', label: 'Actor learning rate for PPO', help: 'PPO’s own peak actor learning rate, tuned apart from RTO’s (same budget, same rule).', default: 5e-4, min: 1e-7, max: 1e-1, integer: false },
  { key: 'beta3', group: 'rl', label: 'β3 (RM score)', help: 'Weight of the reward-model score on the <eos> token in RTO and the ablations (PPO always uses 1).', default: 1, min: 0, max: 100, integer: false },
  { key: 'gamma', group: 'rl', label: 'γ', help: 'Discount of GAE.', default: 1, min: 0, max: 1, integer: false },
  { key: 'lambda', group: 'rl', label: 'λ', help: 'GAE λ: 1 is Monte Carlo, 0 is one-step TD.', default: 0.95, min: 0, max: 1, integer: false },
  { key: 'epsClip', group: 'rl', label: 'ε (ratio clip)', help: 'PPO clips the ratio π_new/π_old to [1−ε, 1+ε].', default: 0.2, min: 0.01, max: 10, integer: false },
  { key: 'valueClip', group: 'rl', label: 'Value clip', help: 'The critic’s new value may move at most this far from the old one in the clipped loss.', default: 0.2, min: 0.01, max: 100, integer: false },
  { key: 'groupSize', group: 'rl', label: 'Group size', help: 'G: responses sampled per prompt by the group methods (GRPO, RLOO). Prompts per rollout counts responses, so a rollout has Prompts/G prompts and as many episodes as PPO’s. Must divide Prompts per rollout.', default: 4, min: 1, max: 256, integer: true },
  { key: 'grpoBeta', group: 'rl', label: 'GRPO β (KL)', help: 'Weight of GRPO’s KL to π_ref: of the k3 estimator in the loss (the paper: 0.04), or of the per-token penalty in the reward when GRPO KL in loss is 0.', default: 0.04, min: 0, max: 100, integer: false },
  { key: 'grpoKlInLoss', group: 'rl', label: 'GRPO KL in loss', help: '1: β·k3 (π_ref/π − log(π_ref/π) − 1) in the loss, as the paper; 0: −β·log(π/π_ref) per token in the reward, as PPO.', default: 1, min: 0, max: 1, integer: true },
  { key: 'grpoLengthNorm', group: 'rl', label: 'GRPO length norm', help: '1: each response’s token losses are averaged (1/|y_i|, the paper); 0: summed and divided by the length cap for all (Dr. GRPO).', default: 1, min: 0, max: 1, integer: true },
  { key: 'grpoStdNorm', group: 'rl', label: 'GRPO std norm', help: '1: advantages are divided by the group’s std (the paper); 0: only the group mean is subtracted (Dr. GRPO).', default: 1, min: 0, max: 1, integer: true },
  { key: 'rlEvalEvery', group: 'rl', label: 'Evaluate every', help: 'Iterations between gold-reward evaluations on held-out prompts (iteration 0, the SFT policy, is always evaluated).', default: 5, min: 1, max: 10_000, integer: true },
  { key: 'rlEvalPrompts', group: 'rl', label: 'Evaluation prompts', help: 'Held-out prompts for gold reward and win rate against SFT, the same prompts and seed at every evaluation; the standard error shrinks as 1/√n and each evaluation costs about n sampled responses.', default: 128, min: 1, max: 4096, integer: true },
  { key: 'rlTokensEvery', group: 'rl', label: 'Heatmap every', help: 'Iterations between per-token reward rows for the heatmaps (0: never).', default: 10, min: 0, max: 10_000, integer: true },
  { key: 'autosaveEvery', group: 'rl', label: 'Autosave every', help: 'Iterations between saves of an RL run in the browser (IndexedDB), so a reload or a crash can continue it from there (0: only at the end).', default: 5, min: 0, max: 10_000, integer: true },
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof SETTINGS)[number]['key'];
export type Settings = Record<SettingKey, number>;

export const PRESET_NAMES = ['tiny', 'small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Presets change only what they name; everything else keeps its default. */
export const PRESETS: Record<PresetName, { description: string; values: Partial<Settings>; taskValues?: Partial<Record<'sentiment' | 'oracle', Partial<Settings>>> }> = {
  tiny: {
    description: 'About a minute per stage on a laptop CPU: 1 layer, width 32, 300 SFT steps, 20 RL iterations. For tests and quick looks.',
    // Evaluation: 11 points (iterations 0, 2, …, 20) of 256 prompts. Measured on tiny SFT models of the 1,000- and
    // 1,439-word vocabularies (Node, wasm): one evaluation 0.56–0.69 s of CPU (0.35–0.38 s at 128 prompts, 1.0–1.1 s
    // at 512–521), gold SE 0.014–0.018 (0.016–0.022 at 128, 0.010–0.011 at 512–521); the band on the curves shows it.
    values: { layers: 1, heads: 2, width: 32, sftSteps: 300, sftBatch: 64, sftLr: 1e-2, sftEvalEvery: 50, sftSampleEvery: 150, prefPrompts: 1500, prefHeldOutPrompts: 300, rmEpochs: 5, rmLr: 3e-3, dpoEpochs: 2, dpoLr: 1e-3, rlIterations: 20, rlEvalEvery: 2, rlEvalPrompts: 256 },
    // Sentiment's reward model and DPO must learn the valence of 541 lexicon words from the pairs: with 1,500 prompts
    // (1,180 pairs) both stayed near chance (held-out 0.536 and 0.528, seed 1); 4,000 prompts gave 0.736 and 0.681.
    taskValues: { sentiment: { prefPrompts: 4000 } },
  },
  small: {
    description: 'The reference setup measured at browser scale (docs/method.md): 2 layers, width 64, 4 heads, SFT batch 64 for 600 steps.',
    values: {},
  },
};

/**
 * What differs between tasks (docs/method.md, "Pitfalls"): sentiment's judge scales the VADER difference by 5 (τ 0.2),
 * and its reward model must learn the valence of 541 lexicon words, so it gets nearly every training prompt: 8,000
 * prompts give 6,300 pairs (a fifth tie) and held-out accuracy 0.758 at the small preset, against 0.741 with 6,000 and
 * 0.667 with 4,000 (seed 1); the RL prompt pool then reuses preference prompts. The oracle's token-wise Bradley–Terry
 * judge has τ 1 and 3,000 prompts give 3,000 pairs.
 */
export const TASK_DEFAULTS: Record<'sentiment' | 'oracle', Partial<Settings>> = {
  // The RL settings of both tasks were tuned at the tiny preset on seeds 1–3, 12 settings per method, keeping the best
  // mean final gold within DPO's own KL (npm run tune; docs/results.md); PPO has its own β2 and actor LR.
  sentiment: { prefPrompts: 8000, beta1: 1.7, rtoClip: 0.26, beta2: 0.71, actorLr: 5.4e-4, ppoBeta2: 0.17, ppoActorLr: 4.4e-4 },
  oracle: { prefPrompts: 3000, prefHeldOutPrompts: 300, prefTemperature: 1, beta1: 0.59, rtoClip: 0.17, beta2: 0.015, actorLr: 4.9e-4, ppoBeta2: 0.0037, ppoActorLr: 4.8e-4 },
};

/**
 * Reward settings worth comparing (docs/method.md, "Presets"): the lab's per-task defaults,
 * the official script's values, and (sentiment) a low KL penalty under which both methods visibly game VADER.
 */
export const REWARD_PRESET_NAMES = ['lab', 'paper', 'hacking'] as const;
export type RewardPresetName = (typeof REWARD_PRESET_NAMES)[number];
export const REWARD_PRESETS: Record<RewardPresetName, { description: string; values: Partial<Settings> }> = {
  lab: { description: 'Tuned at the tiny preset (seeds 1–3, 12 settings per method, best gold within DPO’s KL): sentiment RTO β1 1.7, c 0.26, β2 0.71, PPO β2 0.17; oracle RTO β1 0.59, c 0.17, β2 0.015, PPO β2 0.0037.', values: {} },
  paper: { description: 'The official RTO script: β1 = c = 0.05, β2 = 0.01, β3 = 1.', values: { beta1: 0.05, rtoClip: 0.05, beta2: 0.01, ppoBeta2: 0.01, beta3: 1 } },
  hacking: { description: 'β2 0.05: the KL anchor is weak enough that the policy games the gold reward (watch the text).', values: { beta2: 0.05, ppoBeta2: 0.05 } },
};

export function isRewardPresetName(name: string): name is RewardPresetName {
  return (REWARD_PRESET_NAMES as readonly string[]).includes(name);
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function defaultSettings(): Settings {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as Settings;
}

/** A value as a message shows it (one whose conversion to text throws by its type). */
function shown(v: unknown): string {
  try {
    return String(v);
  } catch {
    return `a value of type ${typeof v}`;
  }
}

/** Problems with one value against its own row of the table (number, whole number, range); null when it is fine. */
export function fieldProblem(key: string, v: unknown): string | null {
  const s = SETTINGS.find((spec) => spec.key === key);
  if (!s) return `unknown setting "${key}"`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${s.label} (${s.key}) must be a number, got ${shown(v)}`;
  if (s.integer && !Number.isInteger(v)) return `${s.label} (${s.key}) must be a whole number, got ${v}`;
  if (v < s.min || v > s.max) return `${s.label} (${s.key}) must be between ${s.min} and ${s.max}, got ${v}`;
  return null;
}

/**
 * A rule between settings: `check` holds for every good combination of `fields`' values. Each rule is checked
 * wherever a setting enters (the address, the settings editor, the command line) and again when settings resolve,
 * always with `ruleMessage`, so the words are the same everywhere.
 */
export interface CrossFieldRule {
  /** The settings involved; the message names each by label with its value. */
  fields: readonly [SettingKey, SettingKey];
  check: (values: Readonly<Record<SettingKey, number>>) => boolean;
  /** How the rule is broken, completing "<first> (value) must be … <second> (value)". */
  relation: string;
}

/**
 * Every cross-field rule of the settings, one row each. The model's attention splits the width into equal heads
 * (model/gpt.ts validateGptConfig); an RL rollout splits into equal minibatches and, for the group methods, into
 * groups of G responses per prompt (train/rlSettings.ts validateRlSettings).
 */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  { fields: ['width', 'heads'], check: (v) => v.width % v.heads === 0, relation: 'divisible by' },
  { fields: ['rlPrompts', 'rlMinibatches'], check: (v) => v.rlPrompts % v.rlMinibatches === 0, relation: 'divisible by' },
  { fields: ['rlPrompts', 'groupSize'], check: (v) => v.rlPrompts % v.groupSize === 0, relation: 'divisible by' },
];

const labelOf = (key: SettingKey): string => SETTINGS.find((s) => s.key === key)?.label ?? key;

/** The one wording of a broken rule, e.g. "Width (64) must be divisible by Heads (3)". */
export function ruleMessage(rule: CrossFieldRule, values: Readonly<Partial<Record<string, number>>>): string {
  const [a, b] = rule.fields;
  return `${labelOf(a)} (${String(values[a])}) must be ${rule.relation} ${labelOf(b)} (${String(values[b])})`;
}

/** The message of the rule over these two settings, for code that checks the rule on values from elsewhere (a model config, RL settings). */
export function crossFieldMessage(a: SettingKey, b: SettingKey, values: Readonly<Partial<Record<string, number>>>): string {
  const rule = CROSS_FIELD_RULES.find((r) => r.fields[0] === a && r.fields[1] === b);
  if (!rule) throw new Error(`no cross-field rule over ${a} and ${b}`);
  return ruleMessage(rule, values);
}

/**
 * The rules `values` break, each with its message. A rule is judged only when each of its fields is present and
 * fine on its own (a value out of range already has its own problem line).
 */
export function brokenRules(values: Readonly<Partial<Record<string, number>>>): { rule: CrossFieldRule; message: string }[] {
  return CROSS_FIELD_RULES.filter((rule) => rule.fields.every((k) => values[k] !== undefined && fieldProblem(k, values[k]) === null))
    .filter((rule) => !rule.check(values as Record<SettingKey, number>))
    .map((rule) => ({ rule, message: ruleMessage(rule, values) }));
}

/** Problems with a set of values, one readable line each (each value on its own, then the cross-field rules); empty when all is well. */
export function validateSettings(values: Partial<Record<string, number>>): string[] {
  const problems: string[] = [];
  for (const [key, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const problem = fieldProblem(key, v);
    if (problem) problems.push(problem);
  }
  for (const { message } of brokenRules(values)) problems.push(message);
  return problems;
}

/** Only the values the settings table accepts, each judged on its own (a bad one must not poison the rest). */
export function keepValidSettings(values: Partial<Record<string, number>>): Partial<Settings> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && fieldProblem(k, v) === null) out[k] = v;
  return out as Partial<Settings>;
}

/** Defaults, then the task's, the size preset, the reward preset, then `overrides`, unchecked (resolveSettings checks). */
export function mergeSettings(
  preset: PresetName,
  overrides: Partial<Record<string, number>> = {},
  task: 'sentiment' | 'oracle' = 'sentiment',
  rewards: RewardPresetName = 'lab',
): Partial<Record<string, number>> {
  const presetValues = { ...PRESETS[preset].values };
  // A preset's prompt counts are for sentiment; the oracle keeps its own unless they are smaller.
  if (task === 'oracle') {
    for (const k of ['prefPrompts', 'prefHeldOutPrompts'] as const) {
      const t = TASK_DEFAULTS.oracle[k];
      const p = presetValues[k];
      if (t !== undefined && p !== undefined) presetValues[k] = Math.min(t, p);
    }
  }
  return { ...defaultSettings(), ...TASK_DEFAULTS[task], ...presetValues, ...PRESETS[preset].taskValues?.[task], ...REWARD_PRESETS[rewards].values, ...overrides };
}

/**
 * The problems of changed settings on top of a preset: each changed value on its own, then every cross-field rule
 * on the merged values (so `heads=3` is judged against the preset's width). What the address, the settings editor
 * and the command line check when a setting enters.
 */
export function setupProblems(
  preset: PresetName,
  overrides: Partial<Record<string, number>>,
  task: 'sentiment' | 'oracle' = 'sentiment',
  rewards: RewardPresetName = 'lab',
): string[] {
  return validateSettings(mergeSettings(preset, overrides, task, rewards));
}

/** Defaults, then the task's, the size preset, the reward preset, then explicit overrides; throws one message listing every problem. */
export function resolveSettings(
  preset: PresetName,
  overrides: Partial<Record<string, number>> = {},
  task: 'sentiment' | 'oracle' = 'sentiment',
  rewards: RewardPresetName = 'lab',
): Settings {
  const values = mergeSettings(preset, overrides, task, rewards);
  const problems = validateSettings(values);
  if (problems.length) throw new RangeError(`invalid settings: ${problems.join('; ')}`);
  return values as Settings;
}
