/**
 * Which tfjs backend the lab runs on: parsing a user's choice (UI, URL `?backend=`), and auto mode's rule —
 * the fastest measured backend wins, so a software WebGPU adapter (SwiftShader) is never picked over a faster one.
 * Pure functions: no tfjs, no DOM; the worker's backend.ts does the measuring.
 */
import { z } from 'zod';

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_NAMES];

export function isBackendChoice(value: unknown): value is BackendChoice {
  return typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** Reads `?backend=` from a query string. An unknown value falls back to auto with a message saying so. */
export function parseBackendChoice(search: string): { choice: BackendChoice; warning: string | null } {
  const raw = new URLSearchParams(search).get('backend');
  if (raw === null || raw === '') return { choice: 'auto', warning: null };
  const value = raw.trim().toLowerCase();
  if (isBackendChoice(value)) return { choice: value, warning: null };
  return {
    choice: 'auto',
    warning: `Unknown backend "${raw}" in the address; using auto. Choose one of: ${BACKEND_CHOICES.join(', ')}.`,
  };
}

export const probeEntrySchema = z.object({
  backend: z.enum(BACKEND_NAMES),
  /** Backend initialised and ran the probe. */
  ok: z.boolean(),
  warmupMs: z.number().nonnegative().nullable(),
  stepMs: z.number().nonnegative().nullable(),
  passes: z.number().int().nonnegative(),
  overBudget: z.boolean(),
  /** The WebGPU adapter is a software rasteriser (SwiftShader / isFallbackAdapter). */
  software: z.boolean(),
  error: z.string().nullable(),
});
export type ProbeEntry = z.infer<typeof probeEntrySchema>;

export const probeRecordSchema = z.object({
  version: z.literal(1),
  /** Browser + adapter identity the timings belong to; a different browser or GPU re-probes. */
  fingerprint: z.string(),
  measuredAt: z.string(),
  entries: z.array(probeEntrySchema).min(1),
});
export type ProbeRecord = z.infer<typeof probeRecordSchema>;

export interface AutoDecision {
  backend: BackendName;
  reason: string;
}

const fmtMs = (ms: number | null): string => (ms === null ? '—' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);

/** Human summary of one probe entry, e.g. "webgpu (software adapter) 212 ms/step". */
export function describeEntry(e: ProbeEntry): string {
  const name = e.software ? `${e.backend} (software adapter)` : e.backend;
  if (!e.ok) return `${name}: unavailable${e.error ? ` (${e.error})` : ''}`;
  if (e.stepMs === null) return `${name}: over the probe budget (warm-up ${fmtMs(e.warmupMs)})`;
  return `${name} ${fmtMs(e.stepMs)}/step`;
}

/**
 * Auto mode's rule: the backend with the lowest measured step time. Backends that ran out of probe budget rank
 * after every timed backend (by warm-up); unavailable ones are never chosen. cpu is the last resort.
 */
export function decideAuto(entries: readonly ProbeEntry[]): AutoDecision {
  const usable = entries.filter((e) => e.ok);
  if (usable.length === 0) {
    return { backend: 'cpu', reason: 'no backend passed the probe; falling back to cpu' };
  }
  const rank = (e: ProbeEntry): [number, number] =>
    e.stepMs !== null ? [0, e.stepMs] : [1, e.warmupMs ?? Number.POSITIVE_INFINITY];
  const sorted = [...usable].sort((a, b) => {
    const [ga, ta] = rank(a);
    const [gb, tb] = rank(b);
    return ga - gb || ta - tb;
  });
  const best = sorted[0] as ProbeEntry;
  const others = sorted.slice(1).map(describeEntry);
  const softwareNote = entries.some((e) => e.software && e.backend !== best.backend)
    ? ' The WebGPU adapter is a software rasteriser (no GPU found), so it is not used.'
    : '';
  return {
    backend: best.backend,
    reason: `fastest in the probe: ${describeEntry(best)}${others.length ? `; others: ${others.join(', ')}` : ''}.${softwareNote}`,
  };
}

/** Parses a cached probe record; returns null (re-probe) when it is missing, malformed or from another setup. */
export function readCachedProbe(raw: unknown, fingerprint: string): ProbeRecord | null {
  const parsed = probeRecordSchema.safeParse(raw);
  if (!parsed.success || parsed.data.fingerprint !== fingerprint) return null;
  return parsed.data;
}
