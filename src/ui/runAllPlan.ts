/**
 * What the RLHF panel's "Run all" button does (pure): without an SFT model it trains SFT first and queues every
 * later stage once SFT is done; with one it queues the stages not done yet.
 */
import { RLHF_STAGES, type RlhfStage, type SftSummary } from '../worker/protocol';
import type { SftRun } from './labState';

export interface RunAllPlan {
  /** SFT must be trained first. */
  sft: boolean;
  /** The later stages to queue (after SFT, when `sft`). */
  stages: RlhfStage[];
  /** The button's label, saying what it will do. */
  label: string;
}

export function runAllPlan(hasSftModel: boolean, isDone: (stage: RlhfStage) => boolean): RunAllPlan {
  if (!hasSftModel) return { sft: true, stages: [...RLHF_STAGES], label: 'Run the whole chain (SFT → RTO)' };
  const stages = RLHF_STAGES.filter((s) => !isDone(s));
  return { sft: false, stages, label: stages.length ? 'Run all remaining stages' : 'All stages done' };
}

/**
 * After "Run the whole chain" started the SFT run `pending`: wait while it runs; go on (queue the later stages)
 * once it is done with a model; drop the chain when it failed, was stopped early, or another SFT run replaced it.
 */
export function chainAfterSft(pending: string | null, sft: SftRun | null, sftModel: SftSummary | null): 'idle' | 'wait' | 'go' | 'drop' {
  if (pending === null) return 'idle';
  if (!sft || sft.runId !== pending || sft.status === 'failed') return 'drop';
  if (sft.status === 'running' || sft.status === 'paused') return 'wait';
  return sftModel && !sftModel.stopped ? 'go' : 'drop';
}
