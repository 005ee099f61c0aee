/**
 * The sentiment task's gold reward: VADER's compound score (Hutto & Gilbert 2014), the rule-based lexicon scorer
 * behind the `vader-sentiment` package. Kept apart so the one CommonJS import has a single home.
 */
// Default import, not a named one: the package is a CommonJS bundle, and module.exports is what both Node (tsx,
// Vitest) and Vite's CommonJS interop expose as the default.
import vader from 'vader-sentiment';

/** VADER compound score of a text, in [-1, 1]; 0 for text with no sentiment-bearing words (and for ""). */
export function vaderCompound(text: string): number {
  return vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
}
