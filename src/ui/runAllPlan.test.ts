import { describe, expect, it } from 'vitest';
import type { SftSummary } from '../worker/protocol';
import type { SftRun } from './labState';
import { chainAfterSft, runAllPlan } from './runAllPlan';

const sftRun = (status: SftRun['status'], runId = 'run-1'): SftRun => ({ runId, status, done: 0, total: 3, label: '', points: [], unigramLoss: null, samples: null, error: null });
const model = (stopped = false) => ({ task: 'sentiment', stopped }) as SftSummary;

describe('Run all', () => {
  it('trains SFT first when there is no SFT model, then every later stage', () => {
    expect(runAllPlan(false, () => true)).toEqual({ sft: true, stages: ['preferences', 'rm', 'dpo', 'ppo', 'rto'], label: 'Run the whole chain (SFT → RTO)' });
  });

  it('with an SFT model, runs the stages not done yet, and says when none is left', () => {
    expect(runAllPlan(true, (s) => s === 'preferences' || s === 'rm')).toEqual({ sft: false, stages: ['dpo', 'ppo', 'rto'], label: 'Run all remaining stages' });
    expect(runAllPlan(true, () => true)).toEqual({ sft: false, stages: [], label: 'All stages done' });
  });

  it('goes on after its SFT run only when that run finished with a model', () => {
    expect(chainAfterSft(null, sftRun('done'), model())).toBe('idle');
    expect(chainAfterSft('run-1', sftRun('running'), null)).toBe('wait');
    expect(chainAfterSft('run-1', sftRun('paused'), null)).toBe('wait');
    expect(chainAfterSft('run-1', sftRun('done'), model())).toBe('go');
    expect(chainAfterSft('run-1', sftRun('done'), model(true))).toBe('drop'); // stopped early
    expect(chainAfterSft('run-1', sftRun('failed'), null)).toBe('drop');
    expect(chainAfterSft('run-1', sftRun('running', 'run-2'), null)).toBe('drop'); // another SFT run
    expect(chainAfterSft('run-1', null, null)).toBe('drop'); // the worker restarted
  });
});
