import { useState } from 'react';
import type { TextScore } from '../../lab/eval/scoreText';
import { divergingColor, textColorOn } from '../heatmapScale';
import type { LabApi } from '../useLab';
import { corpusUrl } from '../appFiles';

const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** Type a prompt and a response; see the DPO token rewards, the reward model's score and the gold reward. */
export function ScoreTextPanel({ lab }: { lab: LabApi }) {
  const { state } = lab;
  const [prompt, setPrompt] = useState('the dinner was');
  const [response, setResponse] = useState('very good and the people were happy .');
  const [score, setScore] = useState<TextScore | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ready = state.stages.rm?.status === 'done' && state.stages.dpo?.status === 'done';

  const run = async () => {
    setError(null);
    try {
      const event = await lab.request({ type: 'scoreText', prompt, response, dataUrl: corpusUrl() });
      if (event.type === 'textScored') setScore(event.score);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const max = score ? Math.max(1e-6, ...score.dpoReward.map(Math.abs)) : 1;
  return (
    <section className="panel" aria-labelledby="score-title">
      <h2 id="score-title">Score your own text</h2>
      <p className="hint">
        Words outside the vocabulary become &lt;unk&gt;. The DPO token reward is β·log(π_dpo/π_ref) for each word; the reward model gives one number,
        at the end.
      </p>
      <div className="row">
        <label htmlFor="score-prompt">Prompt</label>
        <input id="score-prompt" data-testid="score-prompt" size={24} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <label htmlFor="score-response">Response</label>
        <input id="score-response" data-testid="score-response" size={40} value={response} onChange={(e) => setResponse(e.target.value)} />
        <button type="button" data-testid="score-run" disabled={!ready} onClick={() => void run()}>
          Score
        </button>
        {!ready && <span className="hint">Needs the reward model and DPO (stages 3 and 4).</span>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {score && (
        <div data-testid="score-result">
          <p className="heatmap-row">
            <span className="heatmap-prompt">{score.promptTokens.join(' ')} ▸ </span>
            {score.tokens.map((t, h) => {
              const v = score.dpoReward[h] ?? 0;
              const tip = `DPO token reward ${f(v, 4)}\nlog π_dpo ${f(score.logpDpo[h], 4)}\nlog π_ref ${f(score.logpRef[h], 4)}`;
              return (
                <span key={h} className="heatmap-token" data-testid="score-token" data-tip={tip} data-value={v} tabIndex={0} title={tip} aria-label={`token '${t}', DPO reward ${f(v, 4)}`} style={{ background: divergingColor(v, max), color: textColorOn(v, max) }}>
                  {t}
                </span>
              );
            })}
          </p>
          <p data-testid="score-summary">
            Σ DPO token reward {f(score.dpoReward.reduce((a, b) => a + b, 0))} · reward model {f(score.rmScore)} (normalised {f(score.rmScoreNormalised)}) · gold
            (VADER) {f(score.gold)}
          </p>
        </div>
      )}
    </section>
  );
}
