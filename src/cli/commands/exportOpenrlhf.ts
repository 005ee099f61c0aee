/**
 * `npm run lab -- export-openrlhf [--task --preset --mode rto|ppo --set …]`: prints the official RTO launch
 * (the zkshan2002/RTO fork of OpenRLHF 0.4.4) for the lab's resolved settings, then what has no counterpart either
 * way (src/lab/export/openrlhf.ts builds both).
 */
import type { Settings } from '../../lab/config';
import { EXPORT_METHODS, formatUnmapped, openrlhfLaunch, TASK_SHAPES, type ExportMethod } from '../../lab/export/openrlhf';
import type { TaskName } from '../../lab/tasks/task';

const isExportMethod = (mode: string): mode is ExportMethod => (EXPORT_METHODS as readonly string[]).includes(mode);

export function exportOpenrlhfCommand(task: TaskName, settings: Settings, mode: string): number {
  if (!isExportMethod(mode)) {
    process.stderr.write(`error: export-openrlhf --mode must be ${EXPORT_METHODS.join(' or ')} (the official RTO code runs only these), got "${mode}"\n`);
    return 2;
  }
  const launch = openrlhfLaunch(settings, mode, TASK_SHAPES[task]);
  const placeholders = [...new Set(launch.flags.map((f) => f.value).filter((v): v is string => v !== null && v.startsWith('<')))];
  process.stdout.write(
    `# The official ${mode.toUpperCase()} launch for the ${task} task (zkshan2002/RTO, OpenRLHF 0.4.4 fork).\n` +
      `# Replace ${placeholders.join(', ')} before running it.\n` +
      `${launch.command}\n\n` +
      `# No counterpart either way (lab: the lab has it, the fork does not; engine: the other way round):\n` +
      `${formatUnmapped(launch.unmapped)}\n`,
  );
  return 0;
}
