/**
 * The lab's RL setup as the official RTO launch (the zkshan2002/RTO fork of OpenRLHF 0.4.4,
 * examples/scripts/train_rto_llama_8b.sh; docs/internals.md, "Real runs' logs"): the
 * `deepspeed --module openrlhf.cli.train_ppo …` command with each lab setting on its flag, placeholders for the model
 * and data paths, and a table of what has no counterpart either way. Pure: settings in, text and tables out.
 *
 * The fork switches RTO on by `--dpo_pretrain` (args._use_dpo); without it, `--dpo_reward_scale` and
 * `--dpo_reward_clip` are unused and the run is OpenRLHF's PPO, so PPO mode leaves all three out.
 */
import type { Settings } from '../config';
import { rlSettingsOf } from '../stageSettings';
import { ORACLE_HORIZON, ORACLE_PROMPT_TOKENS } from '../tasks/oracle';
import { SENTIMENT_HORIZON } from '../tasks/sentiment';
import type { TaskName } from '../tasks/task';

export type ExportMethod = 'rto' | 'ppo';
export const EXPORT_METHODS: readonly ExportMethod[] = ['rto', 'ppo'];

export interface LaunchFlag {
  /** The flag as train_ppo.py's argparse spells it, with its dashes. */
  flag: string;
  /** Its value as typed on the command line; null for a switch (store_true). */
  value: string | null;
  /** Where the value comes from: a lab setting, the lab's fixed recipe, a placeholder or the official script. */
  from: string;
}

export interface UnmappedItem {
  /** 'lab': the lab has it and the fork does not; 'engine': the fork (OpenRLHF/DeepSpeed) has it and the lab does not. */
  side: 'lab' | 'engine';
  what: string;
  why: string;
}

export interface OpenrlhfLaunch {
  command: string;
  flags: LaunchFlag[];
  unmapped: UnmappedItem[];
}

/** What the launch needs of a task: its response horizon and longest prompt, in the lab's tokens. */
export interface TaskShape {
  name: TaskName;
  horizon: number;
  maxPromptLength: number;
}

/**
 * The shapes of the lab's tasks. Sentiment's prompts are <bos> plus at most 5 words (sentiment.ts MAX_PROMPT_WORDS,
 * not exported there; its maxPromptLength is 1 + 5); the oracle's are <bos> plus ORACLE_PROMPT_TOKENS.
 */
export const TASK_SHAPES: Record<TaskName, TaskShape> = {
  sentiment: { name: 'sentiment', horizon: SENTIMENT_HORIZON, maxPromptLength: 1 + 5 },
  oracle: { name: 'oracle', horizon: ORACLE_HORIZON, maxPromptLength: 1 + ORACLE_PROMPT_TOKENS },
};

export const PLACEHOLDERS = {
  sft: '<SFT_MODEL_PATH>',
  rm: '<REWARD_MODEL_PATH>',
  dpo: '<DPO_MODEL_PATH>',
  prompts: '<PROMPT_DATA>',
  inputKey: '<PROMPT_KEY>',
  save: '<SAVE_PATH>',
} as const;

/** The official script's micro-batch sizes (per GPU; memory knobs the lab has no counterpart for). */
const OFFICIAL_MICRO_ROLLOUT = 4;
const OFFICIAL_MICRO_TRAIN = 1;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A number as argparse reads it back exactly (JavaScript's shortest round-trip form, e.g. 0.00054, 1e-7). */
const num = (v: number): string => String(v);

/** The launch for one method on one task from resolved settings (config.ts resolveSettings). */
export function openrlhfLaunch(settings: Settings, method: ExportMethod, task: TaskShape): OpenrlhfLaunch {
  if (!EXPORT_METHODS.includes(method)) {
    throw new RangeError(`the official RTO code runs PPO and RTO only; "${String(method)}" has no counterpart there (use rto or ppo)`);
  }
  const rl = rlSettingsOf(settings, method);
  const rto = method === 'rto';
  const trainBatch = rl.promptsPerRollout / rl.minibatches;
  const promptsSeen = rl.iterations * rl.promptsPerRollout;
  const pool = Math.max(1, Math.ceil(settings.rlPromptFraction * promptsSeen));
  const episodes = Math.ceil(promptsSeen / pool);
  const lr = method === 'ppo' ? 'ppoActorLr' : 'actorLr';
  const kl = method === 'ppo' ? 'ppoBeta2' : 'beta2';

  const flags: LaunchFlag[] = [
    { flag: '--pretrain', value: PLACEHOLDERS.sft, from: 'placeholder: the SFT model (the lab’s SFT stage; also π_ref)' },
    { flag: '--reward_pretrain', value: PLACEHOLDERS.rm, from: 'placeholder: the reward model (the lab’s RM stage)' },
    { flag: '--critic_pretrain', value: PLACEHOLDERS.rm, from: 'placeholder: the critic starts as the reward model, as in the lab' },
    ...(rto ? [{ flag: '--dpo_pretrain', value: PLACEHOLDERS.dpo, from: 'placeholder: the DPO model (the lab’s DPO stage); switches RTO on' }] : []),
    { flag: '--normalize_reward', value: null, from: 'the lab’s recipe: the RM score is (r − μ)/σ with the RM’s held-out μ, σ' },
    { flag: '--prompt_data', value: PLACEHOLDERS.prompts, from: 'placeholder: the RL prompts' },
    { flag: '--input_key', value: PLACEHOLDERS.inputKey, from: 'placeholder: the prompt field of the data set' },
    { flag: '--max_samples', value: num(pool), from: `rlPromptFraction × rlIterations × rlPrompts = ${num(settings.rlPromptFraction)} × ${rl.iterations} × ${rl.promptsPerRollout}, rounded up (the prompt pool)` },
    { flag: '--num_episodes', value: num(episodes), from: `passes over the pool to see rlIterations × rlPrompts = ${promptsSeen} prompts${promptsSeen % pool === 0 ? '' : ' (rounded up: the pool does not divide them)'}` },
    { flag: '--prompt_max_len', value: num(task.maxPromptLength), from: `the ${task.name} task’s longest prompt, <bos> included (lab tokens)` },
    { flag: '--generate_max_len', value: num(task.horizon), from: `the ${task.name} task’s horizon H, <eos> included (lab tokens)` },
    { flag: '--rollout_batch_size', value: num(rl.promptsPerRollout), from: 'rlPrompts (prompts per rollout)' },
    { flag: '--n_samples_per_prompt', value: '1', from: 'the lab’s PPO and RTO sample one response per prompt' },
    { flag: '--train_batch_size', value: num(trainBatch), from: `rlPrompts / rlMinibatches = ${rl.promptsPerRollout} / ${rl.minibatches} (samples per optimiser step)` },
    { flag: '--micro_rollout_batch_size', value: num(gcd(rl.promptsPerRollout, OFFICIAL_MICRO_ROLLOUT)), from: `per-GPU memory knob: the official ${OFFICIAL_MICRO_ROLLOUT}, or the largest divisor of rlPrompts below it` },
    { flag: '--micro_train_batch_size', value: num(OFFICIAL_MICRO_TRAIN), from: 'per-GPU memory knob: the official script’s' },
    { flag: '--max_epochs', value: '1', from: 'the lab’s recipe: one pass over each rollout' },
    { flag: '--actor_learning_rate', value: num(rl.actorLr), from: lr },
    { flag: '--critic_learning_rate', value: num(rl.criticLr), from: 'criticLr' },
    { flag: '--adam_betas', value: '0.9 0.95', from: 'the lab’s Adam (optim.ts ADAM_DEFAULTS)' },
    { flag: '--init_kl_coef', value: num(rl.beta2), from: `${kl} (β2, fixed: no --kl_target)` },
    ...(rto
      ? [
          { flag: '--dpo_reward_scale', value: num(rl.beta1), from: 'beta1 (β1)' },
          { flag: '--dpo_reward_clip', value: num(rl.clip), from: 'rtoClip (c)' },
        ]
      : []),
    { flag: '--gamma', value: num(rl.gamma), from: 'gamma (γ)' },
    { flag: '--lambd', value: num(rl.lambda), from: 'lambda (λ)' },
    { flag: '--eps_clip', value: num(rl.epsClip), from: 'epsClip (ε)' },
    { flag: '--value_clip', value: num(rl.valueClip), from: 'valueClip' },
    { flag: '--max_norm', value: num(rl.maxGradNorm), from: 'the lab’s recipe: global-norm gradient clip' },
    { flag: '--temperature', value: '1', from: 'the lab’s rollout samples at temperature 1' },
    { flag: '--top_p', value: '1', from: 'the lab’s rollout has no top-p cut' },
    { flag: '--seed', value: num(settings.seed), from: 'seed' },
    { flag: '--save_path', value: PLACEHOLDERS.save, from: 'placeholder: where the trained actor goes' },
    { flag: '--zero_stage', value: '2', from: 'engine: the official script’s' },
    { flag: '--adam_offload', value: null, from: 'engine: the official script’s' },
    { flag: '--flash_attn', value: null, from: 'engine: the official script’s' },
    { flag: '--gradient_checkpointing', value: null, from: 'engine: the official script’s' },
    { flag: '--bf16', value: null, from: 'engine: the official script’s' },
  ];

  const command = ['deepspeed --module openrlhf.cli.train_ppo', ...flags.map((f) => (f.value === null ? f.flag : `${f.flag} ${f.value}`))].join(' \\\n  ');
  return { command, flags, unmapped: unmappedItems(settings, method, task) };
}

function unmappedItems(settings: Settings, method: ExportMethod, task: TaskShape): UnmappedItem[] {
  const rto = method === 'rto';
  const beta3 = settings.beta3;
  const lab: UnmappedItem[] = [
    { side: 'lab', what: `the ${task.name} task and its gold reward`, why: 'the fork trains on real prompts with a learned reward model only; there is no gold reward to judge by' },
    { side: 'lab', what: 'the evaluation (rlEvalEvery, rlEvalPrompts: gold reward and win rate against SFT)', why: 'the fork logs training statistics only; the paper evaluates afterwards (AlpacaEval 2, Arena-Hard)' },
    { side: 'lab', what: 'the model size (vocabSize, layers, heads, width)', why: 'the real models are whatever the paths hold' },
    { side: 'lab', what: 'the SFT, preference, reward-model and DPO stages (their settings, dpoBeta among them)', why: 'other OpenRLHF commands (train_sft, train_rm, train_dpo) make the three models this launch reads' },
    {
      side: 'lab',
      what: `β3 (beta3 = ${num(beta3)}), the weight of the RM score on <eos>`,
      why: rto
        ? `train_ppo.py has no flag for it; the official value is 1${beta3 === 1 ? ', as here' : `, so this setup’s ${num(beta3)} is not carried over`}`
        : 'PPO weighs the score by 1 in the lab and in the fork',
    },
    ...(rto ? [] : [{ side: 'lab' as const, what: 'β1 (beta1) and c (rtoClip)', why: 'PPO has no DPO term: the launch leaves out --dpo_pretrain, which is what switches RTO on in the fork' }]),
    { side: 'lab', what: 'the methods other than PPO and RTO (dDPO, RS-PPO, Semi-RTO, RTO + REINFORCE++, GRPO, RLOO and their dense forms)', why: 'the fork implements PPO and RTO only' },
    { side: 'lab', what: 'the lab’s masking of illegal tokens (pad, bos, unk, early <eos>) at sampling', why: 'the fork samples from the raw softmax and stops at <eos> or the length limit' },
    { side: 'lab', what: 'the heatmap rows and autosave (rlTokensEvery, autosaveEvery)', why: 'page features; the fork logs with --logging_steps and saves with --save_steps' },
    { side: 'lab', what: 'warm-up 3% and floor 10% of the cosine schedule', why: 'no flag: train_ppo.py fixes the same cosine_with_min_lr schedule' },
    { side: 'lab', what: 'DPO’s reference model (π_ref, the SFT model)', why: 'no flag needed: the fork reuses --pretrain when --dpo_ref is unset' },
  ];
  const engine: UnmappedItem[] = [
    { side: 'engine', what: 'DeepSpeed: --zero_stage, --adam_offload, --gradient_checkpointing, --bf16, --zpg, --grad_accum_dtype', why: 'multi-GPU memory and precision; the lab trains one float32 model in one process' },
    { side: 'engine', what: '--flash_attn', why: 'an attention kernel; the lab’s attention is plain tfjs ops' },
    { side: 'engine', what: '--micro_rollout_batch_size, --micro_train_batch_size', why: 'per-GPU micro-batches (gradient accumulation); the lab takes each minibatch at once. train_batch_size must be a multiple of micro_train_batch_size × GPUs' },
    { side: 'engine', what: 'vLLM generation (--vllm_num_engines, … of train_ppo_ray)', why: 'a generation server for speed; the lab samples in-process' },
    { side: 'engine', what: '--apply_chat_template, --input_template', why: 'depend on the prompt data and tokenizer; the lab’s prompts are raw token ids' },
    { side: 'engine', what: 'LoRA and 4-bit loading (--lora_rank, --load_in_4bit, …)', why: 'the lab trains every weight' },
    { side: 'engine', what: '--enable_ema, --pretrain_data with --ptx_coef, --kl_target', why: 'options the official RTO script leaves off and the lab does not have' },
    { side: 'engine', what: 'checkpoints and logging (--save_steps, --ckpt_path, --use_wandb, --use_tensorboard)', why: 'the lab keeps its runs in its lab file' },
  ];
  return [...lab, ...engine];
}

/** The unmapped table as text, one line per item: side, what, why. */
export function formatUnmapped(items: readonly UnmappedItem[]): string {
  return items.map((i) => `${i.side.padEnd(6)} ${i.what} — ${i.why}`).join('\n');
}
