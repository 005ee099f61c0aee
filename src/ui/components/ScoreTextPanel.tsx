import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { TextScore } from '../../lab/eval/scoreText';
import { corpusUrl } from '../appFiles';
import { divergingColor, textColorOn } from '../heatmapScale';
import { previewTypedText, type Vocabulary } from '../typedPreview';
import type { LabApi } from '../useLab';
import { TokenCells } from './TokenCells';
import { TypedPreviewLine } from './TypedPreviewLine';

const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const quoted = (words: readonly string[]) => words.map((w) => `“${w}”`).join(', ');

/** The vocabulary of the worker's SFT model, asked for once per model (null until it arrives, or without a model). */
function useVocabulary(lab: LabApi): Vocabulary | null {
  const { request, state } = lab;
  const model = state.sftModel;
  const [vocab, setVocab] = useState<{ model: object; vocab: Vocabulary } | null>(null);
  useEffect(() => {
    if (!model || state.backendStatus !== 'ready') return;
    let live = true;
    request({ type: 'vocabulary', dataUrl: corpusUrl() })
      .then((event) => {
        if (live && event.type === 'vocabulary') setVocab({ model, vocab: { words: event.words, horizon: event.horizon, maxPromptWords: event.maxPromptWords } });
      })
      .catch(() => {}); // no model yet in the worker: the preview waits for the next one
    return () => {
      live = false;
    };
  }, [request, model, state.backendStatus]);
  return vocab && vocab.model === model ? vocab.vocab : null;
}

/**
 * Type a prompt and a response; see which words the model knows as you type, then (Enter or Score) the DPO term
 * RTO trains on at each token, the reward model's score and the gold reward.
 */
export function ScoreTextPanel({ lab }: { lab: LabApi }) {
  const { state } = lab;
  const [prompt, setPrompt] = useState('the dinner was');
  const [response, setResponse] = useState('very good and the people were happy .');
  const [score, setScore] = useState<TextScore | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ready = state.stages.rm?.status === 'done' && state.stages.dpo?.status === 'done';
  const vocab = useVocabulary(lab);
  const preview = useMemo(() => (vocab ? previewTypedText(prompt, response, vocab) : null), [vocab, prompt, response]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setError(null);
    try {
      const event = await lab.request({ type: 'scoreText', prompt, response, dataUrl: corpusUrl() });
      if (event.type === 'textScored') setScore(event.score);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  // RTO's term is clipped to ±c: that is its scale (fixed, zero-centred); without a clip, the largest |term|.
  const max = score ? (Number.isFinite(score.clip) && score.clip > 0 ? score.clip : Math.max(1e-6, ...score.rtoDpoReward.map(Math.abs))) : 1;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return (
    <section className="panel" aria-labelledby="score-title">
      <h2 id="score-title">Score your own text</h2>
      <p className="hint">
        Each response token gets the DPO term RTO trains on, clip(β1·log(π_dpo/π_ref), ±c); the reward model gives one number, at the end. The
        model knows {vocab ? `${(vocab.words.length - 4).toLocaleString('en')} words` : 'a fixed list of words'}: the preview marks the others as you
        type.
      </p>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <label htmlFor="score-prompt">Prompt</label>
        <input id="score-prompt" data-testid="score-prompt" size={24} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <label htmlFor="score-response">Response</label>
        <input id="score-response" data-testid="score-response" size={40} value={response} onChange={(e) => setResponse(e.target.value)} />
        <button type="submit" data-testid="score-run" disabled={!ready}>
          Score
        </button>
        {!ready && <span className="hint">Needs the reward model and DPO (stages 3 and 4).</span>}
      </form>
      {preview && vocab && <TypedPreviewLine preview={preview} vocab={vocab} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {score && (
        <div data-testid="score-result">
          <div className="heatmap-row" role="group" aria-label="Scored response (arrow keys read each token)">
            <span className="heatmap-prompt">{score.promptTokens.join(' ')} ▸ </span>
            <TokenCells
              testId="score-token"
              cells={score.tokens.map((t, h) => {
                const v = score.rtoDpoReward[h] ?? 0;
                return {
                  text: t,
                  value: v,
                  background: divergingColor(v, max),
                  color: textColorOn(v, max),
                  tip: [
                    `RTO's DPO term clip(β1·log ratio, ±c): ${f(v, 4)}`,
                    `DPO token reward β·log(π_dpo/π_ref), unclipped: ${f(score.dpoReward[h], 4)}`,
                    `log π_dpo: ${f(score.logpDpo[h], 4)}`,
                    `log π_ref: ${f(score.logpRef[h], 4)}`,
                    ...(score.trueReward ? [`true token reward r*: ${f(score.trueReward[h], 4)}`] : []),
                  ].join('\n'),
                };
              })}
            />
          </div>
          <p className="hint" data-testid="score-scale">
            Colour: RTO&apos;s DPO term from −{f(max, 2)} (blue) to +{f(max, 2)} (orange), β1 {score.beta1}, c {Number.isFinite(score.clip) ? score.clip : 'none'}; DPO&apos;s β{' '}
            {score.dpoBeta}. Hover a token or use ←/→ for its numbers.
          </p>
          <p data-testid="score-summary">
            Σ RTO DPO term {f(sum(score.rtoDpoReward))} · Σ DPO reward (unclipped) {f(sum(score.dpoReward))} · reward model {f(score.rmScore)} (normalised{' '}
            {f(score.rmScoreNormalised)}) · gold (VADER) {f(score.gold)}
          </p>
          {score.truncated && (
            <p className="notice" data-testid="score-cut">
              The response was cut: only its first {score.tokens.length - 1} words fit the horizon, then &lt;eos&gt;.
            </p>
          )}
          {score.unknownWords.length > 0 && (
            <p className="notice" data-testid="score-dropped">
              Dropped from the response before scoring (not in the vocabulary): {quoted(score.unknownWords)}.
            </p>
          )}
          {score.promptUnknownWords.length > 0 && (
            <p className="hint" data-testid="score-unk">
              Read as &lt;unk&gt; in the prompt: {quoted(score.promptUnknownWords)}.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
