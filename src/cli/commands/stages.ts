/** `sft`, `prefs`, `rm`, `dpo`: run the chain up to the named stage (reusing saved earlier stages) and report it. */
import * as tf from '@tensorflow/tfjs-core';
import { tokenRewardAgreement } from '../../lab/eval/tokenRewards';
import { disposeParams } from '../../lab/model/gpt';
import { useNodeBackend, type NodeBackendName } from '../nodeBackend';
import { ensureDpo, ensurePairs, ensureRewardModel, ensureSft, makeContext } from './pipeline';
import type { PresetName, Settings } from '../../lab/config';
import type { TaskName } from '../../lab/tasks/task';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type StageCommand = 'sft' | 'prefs' | 'rm' | 'dpo';

export interface StageCommandOptions {
  stage: StageCommand;
  task: TaskName;
  preset: PresetName;
  settings: Settings;
  backend: NodeBackendName;
  outDir: string;
  /** A lab file to start from (--lab). */
  fromLab?: string;
}

export async function stageCommand(o: StageCommandOptions): Promise<number> {
  await useNodeBackend(o.backend);
  const ctx = await makeContext(o.task, o.preset, o.settings, o.outDir, o.fromLab);
  const sft = await ensureSft(ctx, o.stage === 'sft');
  const owned = [sft.params];
  try {
    if (o.stage === 'sft') return 0;
    const pairs = await ensurePairs(ctx, sft);
    if (o.stage === 'rm') owned.push((await ensureRewardModel(ctx, sft, pairs)).params);
    if (o.stage === 'dpo') {
      const dpo = await ensureDpo(ctx, sft, pairs);
      owned.push(dpo.params);
      if (ctx.task.trueTokenRewards) {
        const agreement = await tokenRewardAgreement(ctx.task, dpo.params, sft.params, dpo.config, pairs.heldOut, o.settings.dpoBeta);
        console.log(`dpo token reward against the true token reward r* on ${agreement.tokens} held-out tokens: Pearson ${agreement.pearson.toFixed(3)}, Spearman ${agreement.spearman.toFixed(3)}`);
        await writeFile(join(o.outDir, 'token-rewards.json'), JSON.stringify(agreement, null, 1));
      }
    }
    return 0;
  } finally {
    for (const p of owned) disposeParams(p);
    ctx.lab.dispose();
    if (tf.memory().numTensors !== 0) console.warn(`warning: ${tf.memory().numTensors} tensors still allocated`);
  }
}
