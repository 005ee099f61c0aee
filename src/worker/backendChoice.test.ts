import { describe, expect, it } from 'vitest';
import { decideAuto, parseBackendChoice, readCachedProbe, type ProbeEntry, type ProbeRecord } from './backendChoice';

const entry = (backend: ProbeEntry['backend'], stepMs: number | null, extra: Partial<ProbeEntry> = {}): ProbeEntry => ({
  backend,
  ok: true,
  warmupMs: 100,
  stepMs,
  passes: stepMs === null ? 0 : 3,
  overBudget: stepMs === null,
  software: false,
  error: null,
  ...extra,
});

describe('backend choice from the address bar', () => {
  it('reads ?backend= and defaults to auto', () => {
    expect(parseBackendChoice('?backend=wasm')).toEqual({ choice: 'wasm', warning: null });
    expect(parseBackendChoice('?x=1&backend=WebGPU')).toEqual({ choice: 'webgpu', warning: null });
    expect(parseBackendChoice('')).toEqual({ choice: 'auto', warning: null });
  });
  it('falls back to auto with a message naming the bad value and the valid ones', () => {
    const r = parseBackendChoice('?backend=cuda');
    expect(r.choice).toBe('auto');
    expect(r.warning).toContain('"cuda"');
    expect(r.warning).toContain('webgpu, webgl, wasm, cpu');
  });
});

describe('auto mode', () => {
  it('picks the fastest measured backend', () => {
    const d = decideAuto([entry('webgl', 40), entry('wasm', 12), entry('cpu', 80)]);
    expect(d.backend).toBe('wasm');
    expect(d.reason).toContain('wasm 12 ms/step');
  });
  it('never settles for a software WebGPU adapter when another backend is faster, and says why', () => {
    const d = decideAuto([entry('webgpu', 200, { software: true }), entry('wasm', 25), entry('webgl', null)]);
    expect(d.backend).toBe('wasm');
    expect(d.reason).toContain('software');
  });
  it('takes a real GPU when it is fastest', () => {
    expect(decideAuto([entry('webgpu', 3), entry('wasm', 25)]).backend).toBe('webgpu');
  });
  it('ranks over-budget backends after timed ones and never picks an unavailable one', () => {
    expect(decideAuto([entry('webgl', null, { warmupMs: 10 }), entry('cpu', 500)]).backend).toBe('cpu');
    expect(decideAuto([entry('webgpu', 1, { ok: false, error: 'no adapter' }), entry('wasm', 30)]).backend).toBe('wasm');
    expect(decideAuto([entry('webgpu', 1, { ok: false })]).backend).toBe('cpu');
  });
});

describe('probe cache', () => {
  const record: ProbeRecord = { version: 1, fingerprint: 'fp', measuredAt: '2026-11-27T00:00:00Z', entries: [entry('wasm', 10)] };
  it('accepts a well-formed record for the same browser', () => {
    expect(readCachedProbe(JSON.parse(JSON.stringify(record)), 'fp')).toEqual(record);
  });
  it('rejects another browser, a malformed record, and junk', () => {
    expect(readCachedProbe(record, 'other')).toBeNull();
    expect(readCachedProbe({ ...record, entries: [{ backend: 'cuda' }] }, 'fp')).toBeNull();
    expect(readCachedProbe({ ...record, entries: [] }, 'fp')).toBeNull();
    expect(readCachedProbe('{"version":1', 'fp')).toBeNull();
    expect(readCachedProbe(null, 'fp')).toBeNull();
  });
});
