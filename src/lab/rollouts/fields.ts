/**
 * The fields of the RL Logging Board rollout-log convention (docs/internals.md, "Real runs' logs") and RTO's
 * optional extra channels, by kind, and the views of a log that each set of fields makes possible.
 */

/** Text fields. */
export const TEXT_FIELDS = ['prompt', 'response', 'ref_response', 'method'] as const;
/** Numbers per response. */
export const NUMBER_FIELDS = ['reward', 'ref_reward', 'score_reward', 'gold'] as const;
/** Numbers per response token (aligned with response_tokens). */
export const TOKEN_ARRAY_FIELDS = ['logprobs', 'ref_logprobs', 'values', 'token_rewards', 'dpo_logprobs', 'dpo_rewards', 'kl_rewards'] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
export type NumberField = (typeof NUMBER_FIELDS)[number];
export type TokenArrayField = (typeof TOKEN_ARRAY_FIELDS)[number];
export type RolloutField = TextField | NumberField | TokenArrayField | 'step' | 'response_tokens';

/** Every field a reader knows, in the order summaries list them. */
export const ROLLOUT_FIELDS: readonly RolloutField[] = [
  'step', 'prompt', 'response', 'response_tokens', 'reward', 'ref_response', 'ref_reward',
  'logprobs', 'ref_logprobs', 'values', 'token_rewards',
  'dpo_logprobs', 'dpo_rewards', 'kl_rewards', 'score_reward', 'gold', 'method',
];

/** One record of a rollout log after validation; a field the line did not hold (or held as null) is absent. */
export interface RolloutRecord {
  /** The line of its file the record came from (1-based). */
  line: number;
  step?: number;
  prompt?: string;
  response?: string;
  response_tokens?: string[];
  reward?: number;
  ref_response?: string;
  ref_reward?: number;
  logprobs?: number[];
  ref_logprobs?: number[];
  values?: number[];
  token_rewards?: number[];
  dpo_logprobs?: number[];
  dpo_rewards?: number[];
  kl_rewards?: number[];
  score_reward?: number;
  gold?: number;
  method?: string;
}

export type RolloutViewId =
  | 'reward-curve'
  | 'ref-reward-curve'
  | 'reward-distribution'
  | 'reward-minus-ref'
  | 'responses-by-reward'
  | 'responses-by-kl'
  | 'ref-responses'
  | 'token-heatmap'
  | 'token-rewards'
  | 'token-values'
  | 'token-probs'
  | 'token-log-ratio'
  | 'token-rto-channels'
  | 'gold-curve';

export interface RolloutView {
  id: RolloutViewId;
  /** What the view shows, in words. */
  label: string;
  /** Fields a record must all hold. */
  needs: readonly RolloutField[];
  /** When set, a record must also hold at least one of these. */
  needsOneOf?: readonly RolloutField[];
}

/** The views of RL Logging Board's reward, response and token areas, plus the lab's RTO channels. */
export const ROLLOUT_VIEWS: readonly RolloutView[] = [
  { id: 'reward-curve', label: 'reward per step', needs: ['step', 'reward'] },
  { id: 'ref-reward-curve', label: "the reference model's reward per step", needs: ['step', 'ref_reward'] },
  { id: 'reward-distribution', label: 'distribution of rewards in a step', needs: ['step', 'reward'] },
  { id: 'reward-minus-ref', label: 'distribution of reward − ref_reward', needs: ['reward', 'ref_reward'] },
  { id: 'responses-by-reward', label: "a step's responses sorted by reward", needs: ['step', 'response', 'reward'] },
  { id: 'responses-by-kl', label: "a step's responses sorted by KL (Σ log-ratio)", needs: ['step', 'response', 'logprobs', 'ref_logprobs'] },
  { id: 'ref-responses', label: "responses beside the reference model's", needs: ['response', 'ref_response'] },
  { id: 'token-heatmap', label: 'a per-token heatmap', needs: ['response_tokens'], needsOneOf: TOKEN_ARRAY_FIELDS },
  { id: 'token-rewards', label: 'reward per token', needs: ['response_tokens', 'token_rewards'] },
  { id: 'token-values', label: 'value per token', needs: ['response_tokens', 'values'] },
  { id: 'token-probs', label: 'prob and ref_prob per token', needs: ['response_tokens', 'logprobs', 'ref_logprobs'] },
  { id: 'token-log-ratio', label: 'log-ratio per token', needs: ['response_tokens', 'logprobs', 'ref_logprobs'] },
  { id: 'token-rto-channels', label: "RTO's DPO and KL channels per token", needs: ['response_tokens'], needsOneOf: ['dpo_logprobs', 'dpo_rewards', 'kl_rewards'] },
  { id: 'gold-curve', label: 'gold reward per step (lab runs)', needs: ['step', 'gold'] },
];

/** What a view needs, in words ("step and reward", "response_tokens and one of logprobs, …"). */
export function viewNeedsText(view: RolloutView): string {
  const all = view.needs.join(' and ');
  return view.needsOneOf ? `${all} and one of ${view.needsOneOf.join(', ')}` : all;
}

/** Whether one record holds what `view` needs. */
export function recordSupportsView(record: RolloutRecord, view: RolloutView): boolean {
  for (const f of view.needs) if (record[f] === undefined) return false;
  if (view.needsOneOf) return view.needsOneOf.some((f) => record[f] !== undefined);
  return true;
}
