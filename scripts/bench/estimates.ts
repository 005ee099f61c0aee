/**
 * `--write-estimates`: one backend's per-unit costs from a full benchmark run into src/ui/expectedTimeFigures.json
 * (the page's expected times, src/ui/expectedTime.ts), as the entry for the run's task and model shape. The other
 * entries (other backends, the other prepared lab's model) stay as they were.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Settings } from '../../src/lab/config';
import { measuredShapeOf, sameModel, UNIT_KEYS, type BackendFigures, type Figures, type UnitCosts } from '../../src/ui/expectedTime';
import type { Timing } from './stats';

export const FIGURES_PATH = 'src/ui/expectedTimeFigures.json';

export interface MachineInfo {
  nproc: number;
  cpu: string;
  date: string;
  loadAverageAtStart?: string;
}

export function figuresOf(shell: string, machine: MachineInfo, settings: Settings, task: 'sentiment' | 'oracle', pairsPerPrompt: number, rows: readonly Timing[]): BackendFigures {
  const byKey = new Map(rows.filter((r) => r.key).map((r) => [r.key!, r.median]));
  const ms = {} as UnitCosts;
  for (const k of UNIT_KEYS) {
    const v = byKey.get(k);
    if (v === undefined || !Number.isFinite(v)) throw new Error(`the run has no figure for ${k}`);
    ms[k] = v;
  }
  return {
    shell,
    machine: `a ${machine.nproc}-core machine`,
    date: machine.date.slice(0, 10),
    ...(machine.loadAverageAtStart ? { loadAverage: machine.loadAverageAtStart } : {}),
    task,
    model: measuredShapeOf(settings),
    at: { sftBatch: settings.sftBatch, rmBatch: settings.rmBatch, dpoBatch: settings.dpoBatch, rlPrompts: settings.rlPrompts, rlMinibatches: settings.rlMinibatches, rlEvalPrompts: settings.rlEvalPrompts },
    pairsPerPrompt: Math.round(pairsPerPrompt * 1000) / 1000,
    ms,
  };
}

/** Writes `backend`'s figures for their task and model shape (replacing that entry, keeping the others); returns the path. */
export function writeFigures(backend: string, figures: BackendFigures): string {
  const all: Figures = existsSync(FIGURES_PATH) ? (JSON.parse(readFileSync(FIGURES_PATH, 'utf8')) as Figures) : { backends: {} };
  const others = (all.backends[backend] ?? []).filter((f) => f.task !== figures.task || !sameModel(f.model, figures.model));
  all.backends[backend] = [...others, figures].sort((a, b) => a.task.localeCompare(b.task) || a.model.width - b.model.width || a.model.layers - b.model.layers);
  const sorted: Figures = { backends: Object.fromEntries(Object.entries(all.backends).sort(([a], [b]) => a.localeCompare(b))) };
  writeFileSync(FIGURES_PATH, `${JSON.stringify(sorted, null, 2)}\n`);
  return FIGURES_PATH;
}
