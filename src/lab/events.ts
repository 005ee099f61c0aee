/**
 * What a running stage tells the outside world. Stage runners know nothing of React, the worker or the terminal
 * (minGPT's trainer callbacks); the worker forwards these events to the UI, the CLI prints them.
 */
import type { StageId } from './stages';

export interface SampleText {
  prompt: string;
  response: string;
  /** The task's gold reward of the response. */
  gold: number;
}

export type StageEvent =
  | { type: 'metrics'; stage: StageId; step: number; totalSteps: number; values: Record<string, number> }
  | { type: 'samples'; stage: StageId; step: number; samples: SampleText[] };

export type EventSink = (event: StageEvent) => void;
