/**
 * The RLHF pipeline of the RTO paper as a stage graph (docs/method.md, "The stages"). Each stage names what
 * it needs; the UI shows the graph with each stage's status, the CLI and the worker run it.
 */
export type StageId = 'sft' | 'preferences' | 'rm' | 'dpo' | 'ppo' | 'rto' | 'eval';

export interface StageSpec {
  id: StageId;
  title: string;
  /** One sentence a student can read: what the stage does, in the paper's terms. */
  summary: string;
  needs: readonly StageId[];
}

export const STAGES: readonly StageSpec[] = [
  { id: 'sft', title: 'SFT', summary: 'Fine-tune a tiny GPT on task text; cross-entropy on response tokens only. Becomes π_ref.', needs: [] },
  { id: 'preferences', title: 'Preferences', summary: 'Sample two responses per prompt from π_ref; the gold reward picks a winner by Bradley–Terry.', needs: ['sft'] },
  { id: 'rm', title: 'Reward model', summary: 'A scalar head read at EOS, trained on −log σ(r(y_w) − r(y_l)). The sparse reward PPO uses.', needs: ['preferences'] },
  { id: 'dpo', title: 'DPO', summary: 'Train π_dpo on the same pairs; β·log(π_dpo/π_ref) per token is a dense reward.', needs: ['preferences'] },
  { id: 'ppo', title: 'PPO (sparse)', summary: 'RL with the reward-model score on the last token only, minus a per-token KL penalty.', needs: ['rm'] },
  { id: 'rto', title: 'RTO (dense)', summary: 'The same PPO, plus β1·log(π_dpo/π_ref) on every token: reward where it comes from.', needs: ['rm', 'dpo'] },
  { id: 'eval', title: 'Evaluation', summary: 'Gold reward, win rate against SFT, and KL for PPO versus RTO, per episode seen.', needs: ['ppo', 'rto'] },
];
