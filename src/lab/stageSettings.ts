/**
 * From the settings table (config.ts) to each stage runner's settings: the fixed parts of the recipe (warm-up,
 * floor, clipping; rto-spec.md) live here once, for the CLI and the worker alike.
 */
import type { Settings } from './config';
import type { DpoSettings } from './train/dpo';
import type { PreferenceSettings } from './train/preferences';
import type { RmSettings } from './train/rm';
import type { SftSettings } from './train/sft';

const RECIPE = { warmupFraction: 0.03, floorFraction: 0.1, maxGradNorm: 1 };

export const modelOf = (s: Settings) => ({ layers: s.layers, heads: s.heads, width: s.width });

export function sftSettingsOf(s: Settings, samples = 4): SftSettings {
  return {
    ...RECIPE,
    steps: s.sftSteps,
    batchSize: s.sftBatch,
    lr: s.sftLr,
    evalEvery: s.sftEvalEvery,
    sampleEvery: s.sftSampleEvery,
    evalExamples: 1024,
    samples,
    sampleTemperature: 0.8,
  };
}

export const preferenceSettingsOf = (s: Settings): PreferenceSettings => ({ temperature: s.prefTemperature, batchSize: 128 });

export const rmSettingsOf = (s: Settings): RmSettings => ({ ...RECIPE, epochs: s.rmEpochs, batchSize: s.rmBatch, lr: s.rmLr, evalEvery: 50 });

export const dpoSettingsOf = (s: Settings): DpoSettings => ({ ...RECIPE, epochs: s.dpoEpochs, batchSize: s.dpoBatch, lr: s.dpoLr, beta: s.dpoBeta, evalEvery: 50 });
