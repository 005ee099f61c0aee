// vader-sentiment 1.1.3 ships no types. Its build is one CommonJS bundle whose module.exports holds the analyzer;
// bundlers and Node both hand that object over as the default import.
declare module 'vader-sentiment' {
  export interface PolarityScores {
    neg: number;
    neu: number;
    pos: number;
    /** Normalised sum of valences in [-1, 1], rounded to 4 decimals. */
    compound: number;
  }
  const vader: {
    SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
  };
  export default vader;
}
