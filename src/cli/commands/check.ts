import { compareOpResults, runOpSuite } from '../../lab/checks/opSuite';
import { useNodeBackend, type NodeBackendName } from '../nodeBackend';

/** Every GPT op and its gradient on `backend` and on cpu; prints the worst differences. Exit code 1 on a mismatch. */
export async function checkCommand(backend: NodeBackendName): Promise<number> {
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
