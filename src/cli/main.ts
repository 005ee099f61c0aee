/**
 * The lab's command line: the same src/lab code as the browser, on tfjs's wasm or cpu backend under Node.
 *   npm run lab -- sft --preset tiny|small [--steps N] [--seed S] [--out DIR]
 *   npm run lab -- check [--backend wasm]   every GPT op and its gradient, compared with cpu
 *   npm run lab -- probe                     auto mode's speed probe, timed on each Node backend
 */
import { parseArgs } from 'node:util';
import { isPresetName, PRESET_NAMES, resolveSettings } from '../lab/config';
import { checkCommand } from './commands/check';
import { probeCommand } from './commands/probe';
import { sftCommand } from './commands/sft';
import { isNodeBackendName, NODE_BACKENDS } from './nodeBackend';

const USAGE = `usage: npm run lab -- <command> [options]

commands:
  sft    [--preset tiny|small] [--steps N] [--seed S] [--backend wasm|cpu] [--out DIR]
         supervised fine-tuning on the sentiment task; prints one line per step and samples; writes
         DIR/sft.ckpt and DIR/sft.metrics.json (DIR defaults to .lab-out/sentiment-<preset>-seed<S>)
  check  [--backend wasm|cpu]   every GPT op and its gradient on the backend and on cpu; prints the differences
  probe  [--passes N]           times auto mode's probe (3 matmuls + 1 gradient step) on each Node backend
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
      allowPositionals: true,
      options: {
        backend: { type: 'string', default: 'wasm' },
        passes: { type: 'string', default: '5' },
        preset: { type: 'string', default: 'tiny' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
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
    case 'probe': {
      const passes = integerFlag('passes', values.passes) ?? 5;
      if (passes < 1 || passes > 100) fail(`--passes must be from 1 to 100, got ${passes}`);
      return probeCommand(passes);
    }
    case 'sft': {
      const preset = values.preset;
      if (!isPresetName(preset)) fail(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${preset}"`);
      const overrides: Record<string, number> = {};
      const steps = integerFlag('steps', values.steps);
      const seed = integerFlag('seed', values.seed);
      if (steps !== undefined) overrides.sftSteps = steps;
      if (seed !== undefined) overrides.seed = seed;
      let settings;
      try {
        settings = resolveSettings(preset, overrides);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
      const outDir = values.out ?? `.lab-out/sentiment-${preset}-seed${settings.seed}`;
      return sftCommand({ preset, settings, backend, outDir });
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
