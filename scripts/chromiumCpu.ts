/**
 * CPU seconds of headless Chromium's threads, read from /proc (Linux), for the timing scripts: the page's workers
 * ("DedicatedWorker": the lab's worker and its side worker), the page's main thread (named after the binary,
 * "chromium"), and the rest, grouped by process type and thread name. On 2 cores the page's rendering takes CPU
 * from the workers, so a stage's wall time alone does not say whose work it was. Elsewhere (no /proc) it reports
 * nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds so far per "process type: thread name" of every Chromium process. */
export function chromiumThreadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync('/proc/self/stat')) return out;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const type = cmd.match(/--type=([a-z-]+)/)?.[1] ?? 'browser';
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
        const key = `${type}: ${name}`;
        out.set(key, (out.get(key) ?? 0) + seconds);
      }
    } catch {
      // the process or thread ended while being read
    }
  }
  return out;
}

/** "workers 17.2 s, page 4.0 s, other 4.4 s" between two readings (the lab's worker and its side worker together). */
export function describeCpu(before: Map<string, number>, after: Map<string, number>): string {
  if (after.size === 0) return 'CPU per thread: not available here';
  let worker = 0;
  let page = 0;
  let other = 0;
  for (const [key, seconds] of after) {
    const used = seconds - (before.get(key) ?? 0);
    if (key === 'renderer: DedicatedWorker') worker += used;
    else if (key === 'renderer: chromium') page += used;
    else other += used;
  }
  return `CPU: workers ${worker.toFixed(1)} s, page's main thread ${page.toFixed(1)} s, other Chromium threads ${other.toFixed(1)} s`;
}

/**
 * CPU seconds the hypervisor gave to other machines so far ("steal" in /proc/stat, all CPUs together): on a shared
 * virtual machine a run that was stolen from is slower for it, so the timing scripts print it beside their times.
 * null where /proc/stat is not there.
 */
export function stolenSeconds(): number | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(fields[8] ?? NaN) / TICKS_PER_SECOND;
}
