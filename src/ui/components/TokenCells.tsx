import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { nextTokenIndex, placeTooltip } from '../tooltipPlacement';

// One tooltip in the page at a time: a row that opens one tells the others to close theirs (a hovered token in one
// row and a focused token in another would otherwise both show).
const rows = new Set<(opener: string) => void>();
const opened = (opener: string) => rows.forEach((close) => close(opener));

export interface TokenCell {
  text: string;
  /** The number the colour shows (data-value, for tests and for reading the page's numbers back). */
  value: number;
  background: string;
  color: string;
  /** The tooltip: one "label: value" line per number. Also on the cell as data-tip. */
  tip: string;
}

/**
 * A row of coloured tokens with a roving tab stop: the row is one Tab stop, ←/→ (Home/End) move between its
 * tokens, and the focused or hovered token shows its tooltip, placed inside the viewport (tooltipPlacement.ts).
 * Escape hides the tooltip. The tooltip is the token's accessible description while it shows.
 */
export function TokenCells({ cells, testId }: { cells: TokenCell[]; testId: string }) {
  const tipId = useId();
  const [stop, setStop] = useState(0);
  // The token whose tooltip shows, with its element (the tooltip's anchor); the focused one comes back on mouse-out.
  const [shown, setShown] = useState<{ i: number; el: HTMLElement } | null>(null);
  const focused = useRef<{ i: number; el: HTMLElement } | null>(null);
  const refs = useRef<(HTMLSpanElement | null)[]>([]);
  const tabStop = Math.min(stop, Math.max(0, cells.length - 1));
  useEffect(() => {
    const close = (opener: string) => {
      if (opener !== tipId) setShown(null);
    };
    rows.add(close);
    return () => {
      rows.delete(close);
    };
  }, [tipId]);
  const show = (next: { i: number; el: HTMLElement } | null) => {
    if (next) opened(tipId);
    setShown(next);
  };

  const onKeyDown = (i: number, e: KeyboardEvent<HTMLSpanElement>) => {
    if (e.key === 'Escape') {
      show(null);
      return;
    }
    const next = nextTokenIndex(e.key, i, cells.length);
    if (next === null) return;
    e.preventDefault();
    setStop(next);
    refs.current[next]?.focus();
  };
  return (
    <>
      {cells.map((cell, i) => (
        <span
          key={i}
          ref={(el) => {
            refs.current[i] = el;
          }}
          className="heatmap-token"
          data-testid={testId}
          data-value={cell.value}
          data-tip={cell.tip}
          tabIndex={i === tabStop ? 0 : -1}
          aria-describedby={shown?.i === i ? tipId : undefined}
          style={{ background: cell.background, color: cell.color }}
          onKeyDown={(e) => onKeyDown(i, e)}
          onFocus={(e) => {
            focused.current = { i, el: e.currentTarget };
            setStop(i);
            show(focused.current);
          }}
          onBlur={() => {
            focused.current = null;
            show(null);
          }}
          onMouseEnter={(e) => show({ i, el: e.currentTarget })}
          onMouseLeave={() => show(focused.current)}
        >
          {cell.text}
        </span>
      ))}
      {shown && cells[shown.i] && <TokenTooltip id={tipId} anchor={shown.el} text={cells[shown.i]?.tip ?? ''} />}
    </>
  );
}

/** The tooltip, fixed to the viewport at the place placeTooltip gives for its anchor; follows scrolling and resizing. */
function TokenTooltip({ id, anchor, text }: { id: string; anchor: HTMLElement; text: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [place, setPlace] = useState<{ left: number; top: number } | null>(null);
  useLayoutEffect(() => {
    const tip = ref.current;
    if (!tip) return;
    const update = () => {
      const root = document.documentElement;
      const box = tip.getBoundingClientRect();
      setPlace(placeTooltip(anchor.getBoundingClientRect(), { width: box.width, height: box.height }, { width: root.clientWidth, height: root.clientHeight }));
    };
    update();
    window.addEventListener('scroll', update, true);
    window.addEventListener('resize', update);
    return () => {
      window.removeEventListener('scroll', update, true);
      window.removeEventListener('resize', update);
    };
  }, [anchor, text]);
  return (
    <span
      ref={ref}
      id={id}
      role="tooltip"
      className="token-tip"
      data-testid="token-tip"
      style={place ? { left: place.left, top: place.top } : { left: 0, top: 0, visibility: 'hidden' }}
    >
      {text}
    </span>
  );
}
