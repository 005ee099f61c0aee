/**
 * The lab's command line: the same src/lab code as the browser, on tfjs's wasm or cpu backend under Node.
 *   npm run lab -- sft|prefs|rm|dpo --task sentiment|oracle --preset tiny|small [--seed S] [--out DIR]
 *   npm run lab -- check [--backend wasm]   every GPT op and its gradient, compared with cpu
 *   npm run lab -- probe                     auto mode's speed probe, timed on each Node backend
 */
import { parseArgs } from 'node:util';
import { isPresetName, isRewardPresetName, PRESET_NAMES, resolveSettings, REWARD_PRESET_NAMES } from '../lab/config';
import { isMethodName, METHOD_NAMES, METHODS } from '../lab/train/methods';
import { rlCommand } from './commands/rl';
import { parseSets, settingFlagsAsSets } from './args';
import { exportLabCommand, prepareLabCommand } from './commands/labs';
import { exportOpenrlhfCommand } from './commands/exportOpenrlhf';
import { checkCommand } from './commands/check';
import { quickAssetsCommand } from './commands/quickAssets';
import { probeCommand } from './commands/probe';
import { stageCommand } from './commands/stages';
import { rolloutsCommand } from './commands/rollouts';
import { isNodeBackendName, NODE_BACKENDS } from './nodeBackend';

const USAGE = `usage: npm run lab -- <command> [options]

commands:
  sft | prefs | rm | dpo   [--task sentiment|oracle] [--preset tiny|small] [--seed S] [--steps N] [--backend wasm|cpu]
         [--out DIR]   runs the chain SFT → preference pairs → reward model / DPO up to the named stage, reusing
         what DIR already holds when its settings match (sft always retrains); one line per step; writes
         DIR/<stage>.ckpt (or prefs.json) and DIR/<stage>.metrics.json. DIR defaults to
         .lab-out/<task>-<preset>-seed<S>. --steps sets the SFT steps.
  rl     --mode ${METHOD_NAMES.join('|')}
         [--advantage gae|reinforce++] [--rewards lab|paper|hacking] [--dump-rollout FILE] [--rollout-log FILE] plus the options above
         one RL run on the saved chain (trained first if missing): a line per iteration, token-reward rows every
         rlTokensEvery iterations, final gold, KL and length; writes DIR/rl-<mode>.metrics.json. --advantage swaps
         a one-response method's estimator (GAE with a critic, REINFORCE++ without); the methods:
${METHODS.map((m) => `           ${m.name.padEnd(12)}${m.help}`).join('\n')}
  every command takes --set key=value (repeatable) for any setting of src/lab/config.ts, e.g. --set beta2=0.05,
         or the same as --beta2 0.05; a value breaking a rule (heads must divide width, …) stops before anything runs
  every stage command keeps its lab in DIR/lab.rtolab (the page's lab file: Download lab / Open lab) and reuses
         what it holds; --lab FILE starts from that lab file instead
  export-lab [--out DIR] [--file F]   writes DIR's lab as one lab file F (default DIR/<task>-<preset>-<date>.rtolab)
                                after checking it whole; --lab FILE checks and copies that file instead
  export-openrlhf [--mode rto|ppo]   prints the official RTO/OpenRLHF launch for these settings, and what has no counterpart
  prepare-lab                   makes the prepared lab the page ships (sentiment, small preset, seed 1: SFT → pairs →
                                RM → DPO → PPO and RTO) and writes it to public/labs/
  quick-assets                  makes the Quick demo's SFT checkpoint and preference pairs (sentiment, tiny, seed 1)
                                with the chain above and copies them to public/quick/
  check  [--backend wasm|cpu]   every GPT op and its gradient on the backend and on cpu; prints the differences
  probe  [--passes N]           times auto mode's probe (3 matmuls + 1 gradient step) on each Node backend
  rollouts FILE... [--pad TOKEN]  reads rollout logs (RL Logging Board .jsonl), merged by step: a line per step, then per file its fields, views, bad lines
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integerFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) fail(`--${name} must be a whole number, got "${raw}"`);
  return n;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      // --<setting> value is --set <setting>=value (one flag per setting of config.ts; --seed has its own).
      args: settingFlagsAsSets(process.argv.slice(2), new Set(['seed'])),
      allowPositionals: true,
      options: {
        backend: { type: 'string', default: 'wasm' },
        passes: { type: 'string', default: '5' },
        preset: { type: 'string', default: 'tiny' },
        task: { type: 'string', default: 'sentiment' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        mode: { type: 'string', default: 'rto' },
        advantage: { type: 'string' },
        rewards: { type: 'string', default: 'lab' },
        'dump-rollout': { type: 'string' },
        'rollout-log': { type: 'string' },
        lab: { type: 'string' },
        file: { type: 'string' },
        pad: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const backend = values.backend;
  if (!isNodeBackendName(backend)) fail(`--backend must be one of ${NODE_BACKENDS.join(', ')} under Node, got "${backend}"`);
  switch (command) {
    case 'check':
      return checkCommand(backend);
    case 'rollouts':
      return rolloutsCommand({ files: positionals.slice(1), padToken: values.pad });
    case 'quick-assets':
      return quickAssetsCommand();
    case 'prepare-lab':
      return prepareLabCommand(backend);
    case 'probe': {
      const passes = integerFlag('passes', values.passes) ?? 5;
      if (passes < 1 || passes > 100) fail(`--passes must be from 1 to 100, got ${passes}`);
      return probeCommand(passes);
    }
    case 'export-lab':
    case 'export-openrlhf':
    case 'sft':
    case 'prefs':
    case 'rm':
    case 'dpo':
    case 'rl': {
      const preset = values.preset;
      if (!isPresetName(preset)) fail(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${preset}"`);
      const task = values.task;
      if (task !== 'sentiment' && task !== 'oracle') fail(`--task must be sentiment or oracle, got "${task}"`);
      const overrides: Record<string, number> = {};
      const steps = integerFlag('steps', values.steps);
      const seed = integerFlag('seed', values.seed);
      if (steps !== undefined) overrides.sftSteps = steps;
      if (seed !== undefined) overrides.seed = seed;
      const sets = parseSets(values.set);
      if ('problem' in sets) fail(sets.problem);
      Object.assign(overrides, sets.overrides);
      const rewards = values.rewards;
      if (!isRewardPresetName(rewards)) fail(`--rewards must be one of ${REWARD_PRESET_NAMES.join(', ')}, got "${rewards}"`);
      let settings;
      try {
        settings = resolveSettings(preset, overrides, task, rewards);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
      const outDir = values.out ?? `.lab-out/${task}-${preset}-seed${settings.seed}`;
      if (command === 'export-lab') return exportLabCommand(outDir, values.file, values.lab);
      if (command === 'export-openrlhf') return exportOpenrlhfCommand(task, settings, values.mode);
      if (command !== 'rl') return stageCommand({ stage: command, task, preset, settings, backend, outDir, fromLab: values.lab });
      const mode = values.mode;
      if (!isMethodName(mode)) fail(`--mode must be one of ${METHOD_NAMES.join(', ')}, got "${mode}"`);
      const estimator = values.advantage;
      if (estimator !== undefined && estimator !== 'gae' && estimator !== 'reinforce++') fail(`--advantage must be gae or reinforce++, got "${estimator}"`);
      const method = METHODS.find((m) => m.name === mode);
      if (estimator && method?.usesGroups) fail(`--advantage is for the one-response methods; ${mode} has its own group estimator`);
      return rlCommand({ task, preset, settings, backend, outDir, fromLab: values.lab, mode, estimator, dumpRollout: values['dump-rollout'], rolloutLog: values['rollout-log'] });
    }
    default:
      fail(`unknown command "${command}"`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
