/**
 * Benchmark (prints figures; not a test): sampling speed of the saved small SFT model, per batch size.
 * Usage: npm run bench:sample -- [sentiment|oracle] [wasm|cpu]
 * Needs the small SFT checkpoint: npm run lab -- sft --preset small [--task oracle].
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadCorpusAssetFromDisk } from '../src/cli/assets';
import { useNodeBackend, type NodeBackendName } from '../src/cli/nodeBackend';
import { checkpointFromBinary, paramsFromCheckpoint } from '../src/lab/model/checkpoint';
import { sampleResponses, taskSampleOptions } from '../src/lab/model/sample';
import type { GptConfig } from '../src/lab/model/gpt';
import { createRng } from '../src/lab/rng';
import { oracleTask } from '../src/lab/tasks/oracle';
import { sentimentTask } from '../src/lab/tasks/sentiment';
import * as tf from '@tensorflow/tfjs-core';

const taskName = process.argv[2] === 'oracle' ? 'oracle' : 'sentiment';
await useNodeBackend((process.argv[3] ?? 'wasm') as NodeBackendName);
const task = taskName === 'sentiment' ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: 1000, seed: 1 }) : oracleTask({ seed: 1 });
const path = `.lab-out/${taskName}-small-seed1/sft.ckpt`;
if (!existsSync(path)) throw new Error(`${path} is missing: run npm run lab -- sft --preset small --task ${taskName} first`);
const ckpt = checkpointFromBinary(new Uint8Array(await readFile(path)));
const params = paramsFromCheckpoint(ckpt);
const config = ckpt.header.config as GptConfig;
const prompts = task.train.map((e) => e.prompt);
for (const B of [64, 128, 256]) {
  const batch = prompts.slice(0, B);
  await sampleResponses(params, config, batch, taskSampleOptions(task), createRng(1)); // warm-up
  const reps = 3;
  const t0 = performance.now();
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    const out = await sampleResponses(params, config, prompts.slice(r * B, (r + 1) * B), taskSampleOptions(task), createRng(r));
    tokens += out.responses.reduce((a, x) => a + x.length, 0);
  }
  const ms = (performance.now() - t0) / reps;
  console.log(`${taskName} B ${B}: ${ms.toFixed(0)} ms per batch, ${(ms / B).toFixed(2)} ms per response, ${(tokens / reps / B).toFixed(1)} tokens per response; tensors ${tf.memory().numTensors}`);
}
