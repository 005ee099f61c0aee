/** "Score your own text" in the worker: typed words → token ids → scoreText on the chain's models. */
import { BOS, splitText } from '../lab/data/tokenizer';
import { scoreText, type TextScore } from '../lab/eval/scoreText';
import { getChain } from './chain';
import { getSftModel, taskFor } from './session';

export async function scoreTypedText(prompt: string, response: string, dataUrl: string): Promise<TextScore> {
  const sft = getSftModel();
  const { rm, dpo } = getChain();
  if (!sft || !rm || !dpo) throw new Error('scoring needs the SFT model, the reward model and DPO: run those stages first');
  const task = await taskFor(sft.summary.task, dataUrl, sft.summary.settings);
  const ids = (text: string) => task.tokenizer.encode(splitText(text, task.tokenizer));
  return scoreText(task, { sft: sft.params, dpo: dpo.params, rm: rm.params, norm: rm.norm, config: sft.config, dpoBeta: dpo.beta }, [BOS, ...ids(prompt)], ids(response));
}
