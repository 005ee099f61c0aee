/** The official RTO launch built from the lab's settings (openrlhf.ts): golden command, flag mapping, PPO mode. */
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config';
import { formatUnmapped, openrlhfLaunch, TASK_SHAPES, type ExportMethod } from './openrlhf';

const GOLDEN_TINY_SENTIMENT_RTO = `deepspeed --module openrlhf.cli.train_ppo \\
  --pretrain <SFT_MODEL_PATH> \\
  --reward_pretrain <REWARD_MODEL_PATH> \\
  --critic_pretrain <REWARD_MODEL_PATH> \\
  --dpo_pretrain <DPO_MODEL_PATH> \\
  --normalize_reward \\
  --prompt_data <PROMPT_DATA> \\
  --input_key <PROMPT_KEY> \\
  --max_samples 1280 \\
  --num_episodes 1 \\
  --prompt_max_len 6 \\
  --generate_max_len 16 \\
  --rollout_batch_size 64 \\
  --n_samples_per_prompt 1 \\
  --train_batch_size 16 \\
  --micro_rollout_batch_size 4 \\
  --micro_train_batch_size 1 \\
  --max_epochs 1 \\
  --actor_learning_rate 0.00054 \\
  --critic_learning_rate 0.005 \\
  --adam_betas 0.9 0.95 \\
  --init_kl_coef 0.71 \\
  --dpo_reward_scale 1.7 \\
  --dpo_reward_clip 0.26 \\
  --gamma 1 \\
  --lambd 0.95 \\
  --eps_clip 0.2 \\
  --value_clip 0.2 \\
  --max_norm 1 \\
  --temperature 1 \\
  --top_p 1 \\
  --seed 1 \\
  --save_path <SAVE_PATH> \\
  --zero_stage 2 \\
  --adam_offload \\
  --flash_attn \\
  --gradient_checkpointing \\
  --bf16`;

const launch = (overrides: Record<string, number> = {}, method: ExportMethod = 'rto', task: 'sentiment' | 'oracle' = 'sentiment') =>
  openrlhfLaunch(resolveSettings('tiny', overrides, task), method, TASK_SHAPES[task]);
const valueOf = (l: ReturnType<typeof launch>, flag: string) => l.flags.find((f) => f.flag === flag)?.value;

describe('openrlhfLaunch', () => {
  it('gives the golden command for the tiny sentiment RTO setup', () => {
    expect(launch().command).toBe(GOLDEN_TINY_SENTIMENT_RTO);
  });

  it('lists each flag once, in the order of the command', () => {
    const l = launch();
    const names = l.flags.map((f) => f.flag);
    expect(new Set(names).size).toBe(names.length);
    expect(l.command.split(' \\\n  ').slice(1)).toEqual(l.flags.map((f) => (f.value === null ? f.flag : `${f.flag} ${f.value}`)));
  });

  it.each([
    ['beta1', 0.05, '--dpo_reward_scale', '0.05'],
    ['rtoClip', 0.5, '--dpo_reward_clip', '0.5'],
    ['beta2', 0.01, '--init_kl_coef', '0.01'],
    ['actorLr', 5e-7, '--actor_learning_rate', '5e-7'],
    ['criticLr', 9e-6, '--critic_learning_rate', '0.000009'],
    ['gamma', 0.99, '--gamma', '0.99'],
    ['lambda', 0.9, '--lambd', '0.9'],
    ['epsClip', 0.1, '--eps_clip', '0.1'],
    ['valueClip', 0.5, '--value_clip', '0.5'],
    ['seed', 7, '--seed', '7'],
    ['rlPrompts', 128, '--rollout_batch_size', '128'],
  ])('%s = %s changes %s to %s', (key, value, flag, expected) => {
    expect(valueOf(launch(), flag)).not.toBe(expected);
    expect(valueOf(launch({ [key]: value }), flag)).toBe(expected);
  });

  it('derives the batch sizes and the prompt pool from prompts, minibatches, iterations and prompt fraction', () => {
    const l = launch({ rlPrompts: 96, rlMinibatches: 8, rlIterations: 10, rlPromptFraction: 0.25, groupSize: 4 });
    expect(valueOf(l, '--train_batch_size')).toBe('12');
    expect(valueOf(l, '--micro_rollout_batch_size')).toBe('4');
    expect(valueOf(l, '--max_samples')).toBe('240');
    expect(valueOf(l, '--num_episodes')).toBe('4');
    // 6 prompts per rollout: the official micro-batch of 4 does not divide them, 2 does.
    expect(valueOf(launch({ rlPrompts: 6, rlMinibatches: 2, groupSize: 2 }), '--micro_rollout_batch_size')).toBe('2');
  });

  it('takes the generation and prompt lengths from the task', () => {
    const l = launch({}, 'rto', 'oracle');
    expect(valueOf(l, '--generate_max_len')).toBe('10');
    expect(valueOf(l, '--prompt_max_len')).toBe('5');
    expect(formatUnmapped(l.unmapped)).toContain('the oracle task and its gold reward');
  });

  it('PPO mode leaves out the DPO model and its flags and uses PPO’s own β2 and actor LR', () => {
    const l = launch({ ppoBeta2: 0.03, ppoActorLr: 2e-6 }, 'ppo');
    for (const flag of ['--dpo_pretrain', '--dpo_reward_scale', '--dpo_reward_clip']) {
      expect(valueOf(l, flag)).toBeUndefined();
      expect(l.command).not.toContain(flag);
    }
    expect(valueOf(l, '--init_kl_coef')).toBe('0.03');
    expect(valueOf(l, '--actor_learning_rate')).toBe('0.000002');
    expect(l.unmapped.some((u) => u.side === 'lab' && u.what.includes('β1'))).toBe(true);
  });

  it('says when β3 is not carried over', () => {
    const why = (l: ReturnType<typeof launch>) => l.unmapped.find((u) => u.what.startsWith('β3'))?.why ?? '';
    expect(why(launch())).toContain('as here');
    expect(why(launch({ beta3: 2 }))).toContain('2 is not carried over');
  });

  it('lists what has no counterpart on both sides', () => {
    const sides = new Set(launch().unmapped.map((u) => u.side));
    expect(sides).toEqual(new Set(['lab', 'engine']));
    expect(launch().unmapped.some((u) => u.what.includes('--zero_stage'))).toBe(true);
  });

  it('refuses a method the fork does not have', () => {
    expect(() => openrlhfLaunch(resolveSettings('tiny'), 'grpo' as ExportMethod, TASK_SHAPES.sentiment)).toThrow(/PPO and RTO only/);
  });
});
