import { timeProbe } from '../../lab/checks/probe';
import { NODE_BACKENDS, useNodeBackend } from '../nodeBackend';

/** Auto mode's speed probe, timed on each Node backend. */
export async function probeCommand(passes: number): Promise<number> {
  console.log(`probe: warm-up, then the median of ${passes} passes (ms)`);
  for (const backend of NODE_BACKENDS) {
    await useNodeBackend(backend);
    const t = await timeProbe({ now: () => performance.now(), passes, budgetMs: 120_000 });
    console.log(`  ${backend.padEnd(5)} warm-up ${t.warmupMs.toFixed(1).padStart(8)}  per step ${(t.stepMs ?? NaN).toFixed(1).padStart(8)}`);
  }
  return 0;
}
