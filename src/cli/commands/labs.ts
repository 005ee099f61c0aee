/**
 * `export-lab`: a folder's lab (DIR/lab.rtolab) as one checked lab file, the file the page's Open lab reads.
 * `prepare-lab`: the prepared lab the page ships in public/labs/ (sentiment, small preset, seed 1), made with the
 * same stage commands: SFT → pairs → RM → DPO, then PPO and RTO, each recorded in the lab with its curves.
 */
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveSettings } from '../../lab/config';
import { decodeLabFile, labFileName } from '../../lab/lab/labFile';
import type { NodeBackendName } from '../nodeBackend';
import { rlCommand } from './rl';
import { stageCommand } from './stages';

export const PREPARED_DIR = 'public/labs';
export const PREPARED_LAB = 'sentiment-small.rtolab';

export async function exportLabCommand(outDir: string, file: string | undefined, fromLab: string | undefined): Promise<number> {
  const source = fromLab ?? join(outDir, 'lab.rtolab');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(source));
  } catch {
    process.stderr.write(`error: there is no lab at ${source}: run a stage command first (e.g. npm run lab -- sft --out ${outDir})\n`);
    return 1;
  }
  const snapshot = decodeLabFile(bytes); // the whole file checked, as the page checks it
  const target = file ?? join(outDir, labFileName(snapshot));
  if (target !== source) await copyFile(source, target);
  const stages = [snapshot.sft && 'SFT', snapshot.pairs && 'pairs', snapshot.rm && 'reward model', snapshot.dpo && 'DPO'].filter(Boolean).join(', ');
  console.log(`export-lab: wrote ${target} (${(bytes.byteLength / 2 ** 20).toFixed(2)} MiB; ${snapshot.task}, ${snapshot.preset}; ${stages}; ${snapshot.runs.length} runs); open it in the page with Open lab or #lab=<its URL>`);
  return 0;
}

export async function prepareLabCommand(backend: NodeBackendName): Promise<number> {
  const task = 'sentiment';
  const preset = 'small';
  const settings = resolveSettings(preset, { seed: 1 }, task);
  const outDir = '.lab-out/prepared-sentiment-small';
  const common = { task, preset, settings, backend, outDir } as const;
  const started = performance.now();
  if ((await stageCommand({ ...common, stage: 'dpo' })) !== 0) return 1;
  if ((await stageCommand({ ...common, stage: 'rm' })) !== 0) return 1;
  for (const mode of ['ppo', 'rto'] as const) if ((await rlCommand({ ...common, mode, estimator: 'gae' })) !== 0) return 1;
  await mkdir(PREPARED_DIR, { recursive: true });
  const target = join(PREPARED_DIR, PREPARED_LAB);
  await exportLabCommand(outDir, target, undefined);
  console.log(`prepare-lab: ${target} is ${(await stat(target)).size} bytes; ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  return 0;
}
