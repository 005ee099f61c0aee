import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PresetName, Settings } from '../../lab/config';
import type { StageEvent } from '../../lab/events';
import { checkpointToBinary, makeCheckpoint } from '../../lab/model/checkpoint';
import { disposeParams, parameterCount } from '../../lab/model/gpt';
import { sentimentTask } from '../../lab/tasks/sentiment';
import { runSft } from '../../lab/train/sft';
import { loadCorpusAssetFromDisk } from '../assets';
import { useNodeBackend, type NodeBackendName } from '../nodeBackend';

export interface SftCommandOptions {
  preset: PresetName;
  settings: Settings;
  backend: NodeBackendName;
  outDir: string;
}

const fmt = (x: number | undefined, digits = 4) => (x === undefined ? '—' : x.toFixed(digits));

/** Trains SFT on the sentiment task; one line per step; writes sft.ckpt (binary checkpoint) and sft.metrics.json. */
export async function sftCommand(o: SftCommandOptions): Promise<number> {
  const s = o.settings;
  await useNodeBackend(o.backend);
  const task = sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: s.vocabSize, seed: s.seed });
  console.log(`sft: task sentiment, ${task.train.length} train / ${task.heldOut.length} held-out examples, vocabulary ${task.tokenizer.size}`);
  console.log(`     preset ${o.preset}: ${s.layers} layers, width ${s.width}, ${s.heads} heads; ${s.sftSteps} steps of batch ${s.sftBatch}, lr ${s.sftLr}; backend ${o.backend}`);
  const metrics: StageEvent[] = [];
  const started = performance.now();
  const result = await runSft({
    task,
    model: { layers: s.layers, heads: s.heads, width: s.width },
    seed: s.seed,
    settings: {
      steps: s.sftSteps,
      batchSize: s.sftBatch,
      lr: s.sftLr,
      warmupFraction: 0.03,
      floorFraction: 0.1,
      maxGradNorm: 1,
      evalEvery: s.sftEvalEvery,
      sampleEvery: s.sftSampleEvery,
      evalExamples: 1024,
      samples: 5,
      sampleTemperature: 0.8,
    },
    onEvent: (e) => {
      metrics.push(e);
      if (e.type === 'metrics') {
        const v = e.values;
        const evalPart = v['eval/loss'] === undefined ? '' : `  held-out loss ${fmt(v['eval/loss'])} ppl ${fmt(v['eval/perplexity'], 1)} (unigram ${fmt(v['eval/unigram_loss'])})`;
        console.log(`step ${e.step} loss ${fmt(v.loss)} tok/s ${Math.round(v['tokens/s'] ?? 0)} grad ${fmt(v['grad/norm'], 3)} lr ${(v.lr ?? 0).toExponential(2)}${evalPart}`);
      } else {
        console.log(`samples at step ${e.step} (temperature 0.8; gold = VADER compound):`);
        for (const x of e.samples) console.log(`  ${x.prompt} ▸ ${x.response}   [${x.gold.toFixed(3)}]`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await mkdir(o.outDir, { recursive: true });
  const ckpt = await makeCheckpoint(result.params, result.config, task.tokenizer.vocab, 'sft', { task: 'sentiment', preset: o.preset, settings: s, steps: result.steps });
  await writeFile(join(o.outDir, 'sft.ckpt'), checkpointToBinary(ckpt));
  const summary = {
    task: 'sentiment',
    preset: o.preset,
    backend: o.backend,
    settings: s,
    parameters: parameterCount(result.params),
    steps: result.steps,
    seconds,
    trainLoss: result.trainLoss,
    heldOutLoss: result.heldOutLoss,
    heldOutPerplexity: result.heldOutPerplexity,
    unigramLoss: result.unigramLoss,
    tokensPerSecond: result.tokensPerSecond,
    events: metrics,
  };
  await writeFile(join(o.outDir, 'sft.metrics.json'), JSON.stringify(summary, null, 1));
  console.log(
    `done: ${result.steps} steps in ${seconds.toFixed(1)} s; held-out loss ${fmt(result.heldOutLoss)} (perplexity ${fmt(result.heldOutPerplexity, 1)}) against unigram ${fmt(result.unigramLoss)}; ${parameterCount(result.params)} parameters`,
  );
  console.log(`wrote ${join(o.outDir, 'sft.ckpt')} and ${join(o.outDir, 'sft.metrics.json')}`);
  disposeParams(result.params);
  if (tf.memory().numTensors !== 0) console.warn(`warning: ${tf.memory().numTensors} tensors still allocated`);
  return 0;
}
