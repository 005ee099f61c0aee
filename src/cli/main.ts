/**
 * The lab's command line: the same src/lab code as the browser, on tfjs's wasm or cpu backend under Node.
 *   npm run lab -- check [--backend wasm]   every GPT op and its gradient, compared with cpu
 *   npm run lab -- probe                     auto mode's speed probe, timed on each Node backend
 * Later issues add the pipeline stages (sft, rm, dpo, ppo, rto) and experiment sweeps here.
 */
import { parseArgs } from 'node:util';
import { compareOpResults, runOpSuite } from '../lab/checks/opSuite';
import { timeProbe } from '../lab/checks/probe';
import { isNodeBackendName, NODE_BACKENDS, useNodeBackend, type NodeBackendName } from './nodeBackend';

const USAGE = `usage: npm run lab -- <command> [options]

commands:
  check [--backend wasm|cpu]   run every GPT op and its gradient on the backend and on cpu; print the differences
  probe [--passes N]           time auto mode's probe (3 matmuls + 1 gradient step) on each Node backend
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function check(backend: NodeBackendName): Promise<number> {
  await useNodeBackend(backend);
  const onBackend = await runOpSuite('cli-check');
  await useNodeBackend('cpu');
  const onCpu = await runOpSuite('cli-check');
  const rows = compareOpResults(onBackend, onCpu);
  const tolerance = 1e-5;
  console.log(`op check: ${backend} versus cpu (tolerance ${tolerance})`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(26)} value ${r.maxAbsDiffOutput.toExponential(2)}  gradient ${r.maxAbsDiffGrad.toExponential(2)}`);
  }
  const worst = Math.max(...rows.map((r) => Math.max(r.maxAbsDiffOutput, r.maxAbsDiffGrad)));
  const ok = worst <= tolerance;
  console.log(`${ok ? 'PASS' : 'FAIL'}: worst difference ${worst.toExponential(2)}`);
  return ok ? 0 : 1;
}

async function probe(passes: number): Promise<number> {
  console.log(`probe: warm-up, then the median of ${passes} passes (ms)`);
  for (const backend of NODE_BACKENDS) {
    await useNodeBackend(backend);
    const t = await timeProbe({ now: () => performance.now(), passes, budgetMs: 120_000 });
    console.log(`  ${backend.padEnd(5)} warm-up ${t.warmupMs.toFixed(1).padStart(8)}  per step ${(t.stepMs ?? NaN).toFixed(1).padStart(8)}`);
  }
  return 0;
}

async function main(): Promise<number> {
  const { positionals, values } = (() => {
    try {
      return parseArgs({
        allowPositionals: true,
        options: {
          backend: { type: 'string', default: 'wasm' },
          passes: { type: 'string', default: '5' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  })();
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'check': {
      if (!isNodeBackendName(values.backend)) fail(`--backend must be one of ${NODE_BACKENDS.join(', ')} under Node, got "${values.backend}"`);
      return check(values.backend);
    }
    case 'probe': {
      const passes = Number(values.passes);
      if (!Number.isInteger(passes) || passes < 1 || passes > 100) fail(`--passes must be an integer from 1 to 100, got "${values.passes}"`);
      return probe(passes);
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
