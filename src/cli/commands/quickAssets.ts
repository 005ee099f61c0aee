/**
 * `quick-assets`: makes the Quick demo's shipped files with the lab's own chain (sentiment, tiny preset, seed 1):
 * the SFT checkpoint and its preference pairs, copied to public/quick/. The page's Quick demo starts from them and
 * runs the reward model, DPO, PPO and RTO itself.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveSettings } from '../../lab/config';
import { disposeParams } from '../../lab/model/gpt';
import { useNodeBackend } from '../nodeBackend';
import { ensurePairs, ensureSft, makeContext } from './pipeline';

export const QUICK_DIR = 'public/quick';

export async function quickAssetsCommand(): Promise<number> {
  await useNodeBackend('wasm');
  const settings = resolveSettings('tiny', {}, 'sentiment');
  const outDir = `.lab-out/sentiment-tiny-seed${settings.seed}`;
  const ctx = await makeContext('sentiment', 'tiny', settings, outDir);
  const sft = await ensureSft(ctx);
  try {
    await ensurePairs(ctx, sft);
  } finally {
    disposeParams(sft.params);
    ctx.lab.dispose();
  }
  await mkdir(QUICK_DIR, { recursive: true });
  const sizes: string[] = [];
  for (const f of ['sft.ckpt', 'prefs.json']) {
    await copyFile(join(outDir, f), join(QUICK_DIR, f));
    sizes.push(`${QUICK_DIR}/${f} (${(await stat(join(QUICK_DIR, f))).size} bytes)`);
  }
  console.log(`quick-assets: wrote ${sizes.join(' and ')}; sentiment, tiny preset, seed ${settings.seed}, vocabulary ${ctx.task.tokenizer.size}`);
  if (tf.memory().numTensors !== 0) console.warn(`warning: ${tf.memory().numTensors} tensors still allocated`);
  return 0;
}
