/**
 * The runs the worker can do, each reporting through `post` with its runId. The maths lives in src/lab; a job
 * only wires settings, data and events.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compareOpResults, OP_CASES, runOpSuite } from '../lab/checks/opSuite';
import { resolveSettings } from '../lab/config';
import { parameterCount } from '../lab/model/gpt';
import { modelOf, sftSettingsOf } from '../lab/stageSettings';
import { runSft } from '../lab/train/sft';
import { activateBackend } from './backend';
import { RunCancelled, type JobContext } from './jobContext';
import type { RunJob, RunResult, SftSummary } from './protocol';
import { runStage } from './rlhfJobs';
import { setSftModel, taskFor } from './session';

export { RunCancelled, type JobContext };

async function backendCheck(ctx: JobContext): Promise<RunResult> {
  const start = performance.now();
  const total = 2 * OP_CASES.length;
  let done = 0;
  const progress = (where: string) => (name: string) => {
    if (ctx.cancelled()) throw new RunCancelled();
    ctx.post({ type: 'runProgress', runId: ctx.runId, done: done++, total, label: `${name} on ${where}` });
  };
  const onBackend = await runOpSuite('backend-check', progress(ctx.backend));
  await activateBackend('cpu');
  try {
    const onCpu = await runOpSuite('backend-check', progress('cpu'));
    const comparisons = compareOpResults(onBackend, onCpu);
    const maxAbsDiff = Math.max(...comparisons.map((c) => Math.max(c.maxAbsDiffOutput, c.maxAbsDiffGrad)));
    return { kind: 'backendCheck', backend: ctx.backend, reference: 'cpu', comparisons, maxAbsDiff, elapsedMs: performance.now() - start };
  } finally {
    await activateBackend(ctx.backend);
  }
}

async function sft(ctx: JobContext, job: Extract<RunJob, { kind: 'sft' }>): Promise<RunResult> {
  const settings = resolveSettings(job.preset, job.overrides, job.task);
  ctx.post({ type: 'runProgress', runId: ctx.runId, done: 0, total: settings.sftSteps, label: 'loading the corpus' });
  const task = await taskFor(job.task, job.dataUrl, settings);
  const started = performance.now();
  const result = await runSft({
    task,
    model: modelOf(settings),
    seed: settings.seed,
    settings: { ...sftSettingsOf(settings), evalExamples: 512 },
    onEvent: (event) => {
      ctx.post({ type: 'stage', runId: ctx.runId, event });
      if (event.type === 'metrics') ctx.post({ type: 'runProgress', runId: ctx.runId, done: event.step, total: event.totalSteps, label: `step ${event.step}` });
    },
    shouldStop: ctx.cancelled,
    pauseGate: ctx.pauseGate,
  });
  const summary: SftSummary = {
    task: job.task,
    preset: job.preset,
    steps: result.steps,
    stopped: result.stopped,
    heldOutLoss: result.heldOutLoss,
    heldOutPerplexity: result.heldOutPerplexity,
    unigramLoss: result.unigramLoss,
    parameters: parameterCount(result.params),
    seconds: (performance.now() - started) / 1000,
    settings,
    backend: tf.getBackend(),
  };
  await setSftModel({ params: result.params, config: result.config, vocab: task.tokenizer.vocab, summary }, job.preset, task, [ctx.runId]);
  return { kind: 'sft', ...summary };
}

export function runJob(ctx: JobContext, job: RunJob): Promise<RunResult> {
  switch (job.kind) {
    case 'backendCheck':
      return backendCheck(ctx);
    case 'sft':
      return sft(ctx, job);
    case 'stage':
      return runStage(ctx, job);
  }
}
