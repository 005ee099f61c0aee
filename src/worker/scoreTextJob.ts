/**
 * "Score your own text" in the worker: typed words → token ids (unknown response words dropped, unknown prompt words
 * kept as <unk>; encodeTypedText) → scoreText on the chain's models. RTO's β1 and clip c are those of the settings the
 * DPO stage ran with (chain.ts keeps them with the DPO model); the score says which it used.
 */
import { encodeTypedText, scoreText, type TextScore } from '../lab/eval/scoreText';
import { getChain } from './chain';
import { getSftModel, taskOfSft } from './session';

export async function scoreTypedText(prompt: string, response: string, dataUrl: string): Promise<TextScore> {
  const sft = getSftModel();
  const { rm, dpo } = getChain();
  if (!sft || !rm || !dpo) throw new Error('scoring needs the SFT model, the reward model and DPO: run those stages first');
  const task = await taskOfSft(sft, dataUrl);
  const models = { sft: sft.params, dpo: dpo.params, rm: rm.params, norm: rm.norm, config: sft.config, dpoBeta: dpo.beta, beta1: dpo.rto.beta1, clip: dpo.rto.clip };
  return scoreText(task, models, encodeTypedText(task.tokenizer, prompt, response));
}
