/**
 * Writes a lab RL run's heatmap rows (the `tokens` stage events, events.ts TokenRow) as RL Logging Board rollout-log
 * lines (docs/internals.md, "Real runs' logs"), with the lab's RTO channels, in the key order and shapes that
 * python/rl_logging_board_writer.py writes:
 *   step, prompt, response (the words joined by spaces), response_tokens (the words, <eos> last), reward,
 *   logprobs (ℓ_π), ref_logprobs (ℓ_ref), values (V), token_rewards (the lab's total per token),
 *   dpo_logprobs (ℓ_dpo, when a DPO model was loaded), dpo_rewards, kl_rewards, score_reward, gold, method.
 * reward and score_reward are both the score term the run paid on the last token (Σ of the score channel: the
 * reward model's normalised score, times β3 where the method scales it); the raw RM score is not in the rows.
 * The convention has no per-response kl key (a reader gets KL as Σ logprobs − ref_logprobs), and the lab's
 * advantage and true-reward channels have no key in it either, so they are not written.
 * Pure: no I/O. A non-finite number or a misshapen row is refused with an Error naming the step, row and field.
 */
import type { TokenRow } from '../events';

export interface RolloutRun {
  /** The method (ppo | rto | …), written as each line's method. */
  method: string;
  tokens: readonly { step: number; rows: readonly TokenRow[] }[];
}

/** The JSON lines (no newlines) of a run's heatmap rows, in event order. */
export function rolloutLinesOf(run: RolloutRun): string[] {
  const lines: string[] = [];
  for (const event of run.tokens) {
    event.rows.forEach((row, index) => lines.push(JSON.stringify(rolloutRecordOf(run.method, event.step, row, index))));
  }
  return lines;
}

/** The text of a .jsonl file: every line followed by a newline. */
export function rolloutTextOf(run: RolloutRun): string {
  return rolloutLinesOf(run).map((l) => `${l}\n`).join('');
}

/** One record, keys in the convention's order. `index` (the row's place in its event) only names it in errors. */
export function rolloutRecordOf(method: string, step: number, row: TokenRow, index: number): Record<string, unknown> {
  const where = `step ${step} row ${index}`;
  if (!Number.isInteger(step) || step < 0) throw new Error(`rollout log: ${where}: step must be a whole number >= 0, got ${step}`);
  const n = row.tokens.length;
  const c = row.channels;
  const perToken = (name: string, xs: readonly number[]): number[] => {
    if (xs.length !== n) throw new Error(`rollout log: ${where}: ${name} has ${xs.length} values but response_tokens has ${n} tokens; they must match`);
    xs.forEach((x, i) => finite(where, `${name}[${i}]`, x));
    return [...xs];
  };
  const logprobs = perToken('logprobs', c.logpPolicy);
  const refLogprobs = perToken('ref_logprobs', c.logpRef);
  const values = perToken('values', c.value);
  const tokenRewards = perToken('token_rewards', c.total);
  const dpoLogprobs = c.logpDpo ? perToken('dpo_logprobs', c.logpDpo) : undefined;
  const dpoRewards = perToken('dpo_rewards', c.dpo);
  const klRewards = perToken('kl_rewards', c.kl);
  const scoreChannel = perToken('score channel', c.score);
  const score = finite(where, 'score_reward', scoreChannel.reduce((a, x) => a + x, 0));
  return {
    step,
    prompt: row.prompt,
    response: row.tokens.join(' '),
    response_tokens: [...row.tokens],
    reward: score,
    logprobs,
    ref_logprobs: refLogprobs,
    values,
    token_rewards: tokenRewards,
    ...(dpoLogprobs ? { dpo_logprobs: dpoLogprobs } : {}),
    dpo_rewards: dpoRewards,
    kl_rewards: klRewards,
    score_reward: score,
    gold: finite(where, 'gold', row.gold),
    method,
  };
}

function finite(where: string, field: string, x: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`rollout log: ${where}: ${field} must be a finite number, got ${String(x)}`);
  return x;
}
