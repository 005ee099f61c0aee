/**
 * "A method is data": every RL method of the lab as one row of one table, which the RL loop's settings
 * (stageSettings.ts, rlSettingsOf), the CLI (--mode, experiment --modes), the page's picker, run labels and the docs
 * read. A row names the per-token reward (rewards.ts RewardMode), the advantage estimator (advantages.ts), whether the
 * method trains a critic, needs the DPO model, samples G responses per prompt, which settings (config.ts) it reads,
 * what it isolates, and its paper. docs/method.md, "Methods as data", has the formulas.
 *
 * The group estimators (R_i = Σ_t r_{i,t} is response i's return under its reward mode; a group is the G responses
 * to one prompt; only real response tokens, <eos> included, ever enter a statistic; padding never does):
 *   grpo        Â_{i,t} = (R_i − mean_j R_j) / (std_j R_j + 1e-8)        (std: population, over the G responses)
 *   grpo-dense  r̂_{i,s} = (r_{i,s} − mean) / (std + 1e-8) over every step s of every response of the group,
 *               Â_{i,t} = Σ_{s≥t} r̂_{i,s}                                (process supervision, RTO's token reward)
 *   rloo        Â_{i,t} = R_i − (1/(G−1)) Σ_{j≠i} R_j                     (every token of response i)
 *   rloo-dense  with the reward-to-go g_{i,t} = Σ_{s≥t} r_{i,s}:
 *               Â_{i,t} = g_{i,t} − mean{ g_{j,t} : j ≠ i, |y_j| > t }    (the others still running at position t;
 *               0 when none is). At t = 0 it is RLOO on the dense return; later positions compare the rest of
 *               response i with the rest of the others at the same position.
 * grpoStdNorm 0 drops the std division (Dr. GRPO); grpoLengthNorm 0 replaces each response's 1/|y_i| in the loss by
 * the constant 1/horizon (Dr. GRPO); grpoKlInLoss 1 puts grpoBeta·k3 in the loss (the paper), 0 puts −grpoBeta·
 * (ℓ_π − ℓ_ref) per token in the reward, as PPO does. Group advantages are not whitened again. RLOO keeps PPO's KL
 * in the reward with β2.
 */
import type { SettingKey } from '../config';
import type { AdvantageEstimator } from './advantages';
import type { RewardMode } from './rewards';

export const METHOD_NAMES = ['ppo', 'rto', 'ddpo', 'rs-ppo', 'semi-rto', 'reinforce++', 'grpo', 'grpo-dense', 'rloo', 'rloo-dense'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export interface Method {
  /** The id of the CLI's --mode, experiment --modes and the jobs. */
  name: MethodName;
  /** Short, for the page's picker and legends. */
  label: string;
  reward: RewardMode;
  estimator: AdvantageEstimator;
  needsCritic: boolean;
  needsDpo: boolean;
  /** Samples groupSize responses per prompt (rlPrompts counts responses, so episodes match PPO's). */
  usesGroups: boolean;
  /** The settings (config.ts) this method reads besides the shared ones (iterations, prompts, minibatches, …). */
  settings: readonly SettingKey[];
  /** One sentence: what the method isolates. */
  help: string;
  paper: { title: string; arxiv: string };
}

const RTO_PAPER = { title: 'DPO Meets PPO: Reinforced Token Optimization for RLHF', arxiv: '2404.18922' };
const PPO_PAPER = { title: 'Training language models to follow instructions with human feedback', arxiv: '2203.02155' };
const GRPO_PAPER = { title: 'DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models', arxiv: '2402.03300' };
const RLOO_PAPER = { title: 'Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs', arxiv: '2402.14740' };
const CRITIC = ['criticLr', 'gamma', 'lambda', 'valueClip', 'epsClip'] as const;
const DENSE = ['beta1', 'rtoClip', 'beta2', 'beta3', 'actorLr'] as const;
const GRPO = ['groupSize', 'grpoBeta', 'grpoKlInLoss', 'grpoLengthNorm', 'grpoStdNorm', 'epsClip', 'actorLr'] as const;

export const METHODS: readonly Method[] = [
  { name: 'ppo', label: 'PPO', reward: 'ppo', estimator: 'gae', needsCritic: true, needsDpo: false, usesGroups: false, settings: ['ppoBeta2', 'ppoActorLr', ...CRITIC], help: 'The baseline: the reward-model score on <eos> only (sparse), credit assigned by a learned critic (GAE).', paper: PPO_PAPER },
  { name: 'rto', label: 'RTO', reward: 'rto', estimator: 'gae', needsCritic: true, needsDpo: true, usesGroups: false, settings: [...DENSE, ...CRITIC], help: 'Density: DPO’s token reward β1·log(π_dpo/π_ref) on every token plus the score, with PPO’s critic.', paper: RTO_PAPER },
  { name: 'ddpo', label: 'dDPO', reward: 'ddpo', estimator: 'gae', needsCritic: true, needsDpo: true, usesGroups: false, settings: [...DENSE, ...CRITIC], help: 'Density, removed: the same DPO reward summed onto <eos>, so only where it is paid differs from RTO.', paper: RTO_PAPER },
  { name: 'rs-ppo', label: 'RS-PPO', reward: 'rs-ppo', estimator: 'gae', needsCritic: true, needsDpo: true, usesGroups: false, settings: [...DENSE, ...CRITIC], help: 'Shaping: the dense DPO terms paid per token and taken back at <eos>, so the return is PPO’s and only the credit differs.', paper: RTO_PAPER },
  { name: 'semi-rto', label: 'Semi-RTO', reward: 'semi-rto', estimator: 'gae', needsCritic: true, needsDpo: true, usesGroups: false, settings: [...DENSE, ...CRITIC], help: 'Granularity: DPO’s reward summed per sentence (at . ! ? ; and the last token) instead of per token.', paper: RTO_PAPER },
  { name: 'reinforce++', label: 'RTO + REINFORCE++', reward: 'rto', estimator: 'reinforce++', needsCritic: false, needsDpo: true, usesGroups: false, settings: [...DENSE, 'gamma', 'epsClip'], help: 'The critic: RTO’s dense reward with the reward-to-go, whitened over the batch, instead of a learned value.', paper: { title: 'REINFORCE++: A Simple and Efficient Approach for Aligning Large Language Models', arxiv: '2501.03262' } },
  { name: 'grpo', label: 'GRPO', reward: 'ppo', estimator: 'grpo', needsCritic: false, needsDpo: false, usesGroups: true, settings: GRPO, help: 'The group baseline: the sparse score normalised within G responses to the same prompt, no critic (outcome supervision).', paper: GRPO_PAPER },
  { name: 'grpo-dense', label: 'GRPO (dense)', reward: 'rto', estimator: 'grpo-process', needsCritic: false, needsDpo: true, usesGroups: true, settings: [...GRPO, 'beta1', 'rtoClip', 'beta3'], help: 'Density with a group baseline: RTO’s token reward as GRPO’s process reward, normalised over the group’s steps, no critic.', paper: GRPO_PAPER },
  { name: 'rloo', label: 'RLOO', reward: 'ppo', estimator: 'rloo', needsCritic: false, needsDpo: false, usesGroups: true, settings: ['groupSize', 'beta2', 'epsClip', 'actorLr'], help: 'The leave-one-out baseline: the sparse return minus the mean of the other G − 1 responses’ returns, no critic.', paper: RLOO_PAPER },
  { name: 'rloo-dense', label: 'RLOO (dense)', reward: 'rto', estimator: 'rloo-dense', needsCritic: false, needsDpo: true, usesGroups: true, settings: ['groupSize', ...DENSE, 'epsClip'], help: 'Density with a leave-one-out baseline: RTO’s reward-to-go minus the others’ reward-to-go at the same position, no critic.', paper: RLOO_PAPER },
];

export function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

/** The method's row; an unknown name is refused with the list of known ones. */
export function methodOf(name: string): Method {
  const m = METHODS.find((x) => x.name === name);
  if (!m) throw new RangeError(`unknown RL method "${name}" (known: ${METHOD_NAMES.join(', ')})`);
  return m;
}

/** The method whose row has this reward mode and estimator (a run's label), or undefined for a free combination. */
export const methodWith = (reward: RewardMode, estimator: AdvantageEstimator): Method | undefined => METHODS.find((m) => m.reward === reward && m.estimator === estimator);

/** The group estimators and the name their refusals use. */
export const GROUP_ESTIMATOR_FAMILY: Partial<Record<AdvantageEstimator, 'GRPO' | 'RLOO'>> = { grpo: 'GRPO', 'grpo-process': 'GRPO', rloo: 'RLOO', 'rloo-dense': 'RLOO' };
export const isGroupEstimator = (e: AdvantageEstimator): boolean => GROUP_ESTIMATOR_FAMILY[e] !== undefined;
