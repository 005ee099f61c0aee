/**
 * Reading RL Logging Board rollout logs (docs/internals.md, "Real runs' logs"): what a shell (CLI, page worker)
 * calls. Stream each file's text into a RolloutFileReader, hand its records to one StepAggregator per run, then
 * read the per-file summaries and the per-step rows.
 */
export { ROLLOUT_FIELDS, ROLLOUT_VIEWS, recordSupportsView, viewNeedsText } from './fields';
export type { RolloutField, RolloutRecord, RolloutView, RolloutViewId } from './fields';
export { LineSplitter, type SplitLine } from './lineSplitter';
export { parseRolloutLine, type ParsedLine, type ParseOptions } from './parseLine';
export { readRolloutText, RolloutFileReader, type BadLine, type RolloutFileSummary, type RolloutReaderOptions } from './fileReader';
export { sequenceLogRatio, StepAggregator, type StepRow } from './stepAggregator';
export { DEFAULT_VIEW_LIMITS, rolloutRunViewOf, RolloutRunCollector, rolloutTokenRow } from './runView';
export type { RolloutFileFeed, RolloutFileView, RolloutRunView, RolloutSeries, RolloutStepRow, RolloutTableRow, RolloutTokenChannels, RolloutTokenRow, RolloutViewLimits, StepSamples } from './runView';
