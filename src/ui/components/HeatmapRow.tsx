import { channelValues, divergingColor, returnParts, rowSum, textColorOn, tokenDetails, type ChannelKey, type HeatRow, type ReturnParts } from '../heatmapScale';
import { TokenCells } from './TokenCells';

/** The share bar's colours: distinct from the diverging token colours (blue/orange), since they mean terms, not signs. */
export const TERM_COLORS = { dpo: '#762a83', kl: '#9e9e9e', score: '#1b7837' } as const;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const signed = (x: number) => (x >= 0 ? `+${x.toFixed(3)}` : x.toFixed(3));

/** Where one response's return comes from: a bar split by |DPO|, |KL| and |RM score|, the signed sums in its label. */
function ReturnBar({ parts }: { parts: ReturnParts }) {
  const { shares } = parts;
  const label = `return ${signed(parts.total)}: DPO ${signed(parts.dpo)} (${pct(shares.dpo)}), KL ${signed(parts.kl)} (${pct(shares.kl)}), RM score ${signed(parts.score)} (${pct(shares.score)})`;
  return (
    <span className="return-bar" role="img" aria-label={label} title={label} data-testid="return-bar" data-dpo-share={shares.dpo} data-score-share={shares.score}>
      {(['dpo', 'kl', 'score'] as const).map((k) => (
        <span key={k} style={{ width: pct(shares[k]), background: TERM_COLORS[k] }} />
      ))}
    </span>
  );
}

export interface RowScale {
  /** 'terms': tokens by the DPO term, the RM score as a chip; else the one channel shown. */
  view: 'terms' | ChannelKey;
  /** ± of the colour scale of the tokens (the DPO term's in the terms view), and of the RM chip. */
  max: number;
  scoreMax: number;
  short: string;
}

/**
 * One response: the prompt in grey, each token coloured, then (terms view) the RM score chip and the return bar, or
 * (a channel) the row sum; then the gold reward when the row has one. One Tab stop; ←/→ read the tokens (TokenCells).
 */
export function HeatmapRow({ row, scale, name }: { row: HeatRow; scale: RowScale; name: string }) {
  const terms = scale.view === 'terms';
  const values = channelValues(row, scale.view === 'terms' ? 'dpo' : scale.view) ?? [];
  const sum = rowSum(values);
  const parts = returnParts(row);
  const shown = row.tokens.flatMap((token, i) => (values[i] === undefined ? [] : [{ token, i, value: values[i] }]));
  return (
    <div className="heatmap-row" data-testid="heat-row" data-sum={sum} role="group" aria-label={`${name}: ${row.prompt} … (${shown.length} tokens; arrow keys read each)`}>
      <span className="heatmap-prompt">{row.prompt}</span>
      <TokenCells
        testId="heat-token"
        cells={shown.map(({ token, i, value }) => ({
          text: token,
          value,
          background: divergingColor(value, scale.max),
          color: textColorOn(value, scale.max),
          tip: tokenDetails(row, i),
        }))}
      />
      {row.tokens.slice(shown.length).map((token, i) => (
        <span key={i} className="heatmap-token heatmap-token-missing">
          {token}
        </span>
      ))}
      {terms ? (
        <>
          <span
            className="score-chip"
            data-testid="score-chip"
            data-value={parts.score}
            style={{ background: divergingColor(parts.score, scale.scoreMax), color: textColorOn(parts.score, scale.scoreMax) }}
          >
            RM {signed(parts.score)}
          </span>
          <ReturnBar parts={parts} />
        </>
      ) : (
        <span className="heatmap-sum">Σ {sum.toFixed(3)}</span>
      )}
      {row.gold !== undefined && <span className="heatmap-gold">gold {row.gold.toFixed(3)}</span>}
    </div>
  );
}
