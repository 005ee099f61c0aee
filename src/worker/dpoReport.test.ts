/**
 * A DPO stage's report (rlhfJobs.ts, dpoReport) made where the page's lab worker hands it, in its side worker: on a
 * copy of the lab (Lab.fromSnapshot, as the side worker gets it) with what the lab worker gives along (the reference's
 * log-probs, and SFT's evaluation through handedBaselines), the numbers
 * are those the stage makes in place, to the bit; handed over, the stage ends without them, marked pending. On the
 * Quick demo's shipped model and pairs, through a stand-in fetch of public/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/nodeBackend';
import { Lab } from '../lab/lab/lab';
import { adoptBaselines, handedBaselines } from '../lab/train/rlBaseline';
import type { JobContext } from './jobContext';
import { currentLab, replaceLab } from './labSession';
import { loadQuickDemo } from './quickDemo';
import { dpoReport, dpoReportGiven, runStage, type DpoReportGiven } from './rlhfJobs';
import type { StageJob } from './sideProtocol';

const BASE = 'http://lab.test/';
const urls = [`${BASE}quick/sft.ckpt`, `${BASE}quick/prefs.json`, `${BASE}data/brown.json`] as const;
// A short DPO (one epoch of seven steps), so that the test trains in seconds.
const job: StageJob = { kind: 'stage', stage: 'dpo', preset: 'tiny', overrides: { dpoEpochs: 1, dpoBatch: 512 }, dataUrl: urls[2] };
const REPORT = ['trainAccuracy', 'gold', 'sftGold', 'winRate', 'kl', 'length', 'sftLength'];

function context(reportBeside?: JobContext['reportBeside']): JobContext {
  return { runId: 'dpo-test', backend: 'wasm', post: () => {}, cancelled: () => false, pauseGate: () => Promise.resolve(), ...(reportBeside ? { reportBeside } : {}) };
}

describe("a DPO stage's report, made in place or on a copy of the lab", () => {
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    globalThis.fetch = (async (input: string | URL | Request) => new Response(readFileSync(join(process.cwd(), 'public', String(input).slice(BASE.length))))) as typeof fetch;
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
    replaceLab(null);
  });

  it('gives the same numbers to the bit, and a stage that hands it over ends without them', async () => {
    replaceLab(null);
    await loadQuickDemo(urls[0], urls[1], 'wasm', urls[2]);
    const inPlace = await runStage(context(), job);
    if (inPlace.kind !== 'stage') throw new Error('not a stage');
    expect(inPlace.reportPending).toBeUndefined();
    expect(Object.keys(inPlace.values)).toEqual(['heldOutAccuracy', 'heldOutMargin', 'steps', ...REPORT]);
    expect(inPlace.values.steps).toBe(7);
    expect(inPlace.values.trainAccuracy).toBeGreaterThan(0.5);

    // The same stage again (the same seed and weights), handing its report over.
    let handed: DpoReportGiven | null = null;
    const beside = await runStage(
      context((_job, given) => {
        handed = given;
        return true;
      }),
      job,
    );
    if (beside.kind !== 'stage') throw new Error('not a stage');
    expect(beside.reportPending).toBe(true);
    expect(beside.values).toEqual({ heldOutAccuracy: inPlace.values.heldOutAccuracy, heldOutMargin: inPlace.values.heldOutMargin, steps: 7 });
    expect(handed).toEqual(await dpoReportGiven(job));

    // The side worker's way: a copy of the lab (its own model tensors, so its caches miss) and what was handed.
    const lab = currentLab()!;
    const baselines = structuredClone(handedBaselines(lab.sft!.model.params));
    expect(baselines).toHaveLength(1); // SFT's evaluation, computed for the report
    const copy = Lab.fromSnapshot({ ...lab.snapshot(), runs: [] });
    replaceLab(copy);
    adoptBaselines(copy.sft!.model.params, baselines);
    try {
      const report = await dpoReport(job, handed!);
      expect(report).toEqual(Object.fromEntries(REPORT.map((k) => [k, inPlace.values[k]])));
    } finally {
      replaceLab(null);
    }
  });
});
