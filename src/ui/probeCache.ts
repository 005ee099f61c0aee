/**
 * Auto mode's probe timings, cached per browser in localStorage so the probe runs once. The worker validates
 * what it gets back (schema + browser/GPU fingerprint); here we only guard against storage that is missing,
 * full or blocked — a failure to cache never stops the lab.
 */
import type { ProbeRecord } from '../worker/backendChoice';

const KEY = 'rto-lab:backend-probe';

export function loadProbeCache(): unknown {
  try {
    const text = window.localStorage.getItem(KEY);
    return text === null ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

/** Returns an error message when the cache could not be written (e.g. quota exceeded), else null. */
export function saveProbeCache(record: ProbeRecord): string | null {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(record));
    return null;
  } catch (error) {
    return `Could not cache the backend probe (${error instanceof Error ? error.name : 'storage error'}); it will run again next time.`;
  }
}

export function clearProbeCache(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // Storage blocked: nothing was cached either.
  }
}
