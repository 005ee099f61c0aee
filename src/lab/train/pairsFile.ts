/**
 * Preference pairs as a file (the CLI's prefs.json, and the Quick demo's shipped pairs): checked with a schema so
 * that a damaged or foreign file is refused with the reason, and every token id is checked against the vocabulary.
 */
import { z } from 'zod';
import type { PreferencePair, PreferenceStats } from './preferences';

const ids = z.array(z.number().int().nonnegative());
const pair = z.object({ prompt: ids.min(1), chosen: ids.min(1), rejected: ids.min(1), goldChosen: z.number(), goldRejected: z.number() });
const stats = z.object({ prompts: z.number(), pairs: z.number(), ties: z.number(), tieRate: z.number(), zeroShare: z.number().default(Number.NaN), agreement: z.number() }); // zeroShare: NaN in files made before it was counted
const schema = z.object({ train: z.array(pair).min(1), heldOut: z.array(pair), stats: z.object({ train: stats, heldOut: stats }) });

export interface PairsFile {
  train: PreferencePair[];
  heldOut: PreferencePair[];
  stats: { train: PreferenceStats; heldOut: PreferenceStats };
}

export function parsePairsFile(json: unknown, vocabSize: number): PairsFile {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a preference-pairs file: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`);
  }
  for (const p of [...parsed.data.train, ...parsed.data.heldOut]) {
    for (const id of [...p.prompt, ...p.chosen, ...p.rejected]) {
      if (id >= vocabSize) throw new Error(`the pairs use token id ${id}, outside the SFT model's vocabulary of ${vocabSize}: they belong to another model`);
    }
  }
  return parsed.data;
}
