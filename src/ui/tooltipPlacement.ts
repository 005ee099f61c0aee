/**
 * Where a token's tooltip goes so that it stays inside the viewport: below the token, left edges aligned, by
 * default; shifted left near the right edge, flipped above the token near the bottom edge, and clamped to the
 * margin when it is larger than the room on either side. Pure, so it is checked in Node.
 */

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Viewport coordinates (CSS px, as getBoundingClientRect gives them) of the tooltip's top-left corner. */
export function placeTooltip(anchor: Rect, tip: Size, viewport: Size, gap = 4, margin = 6): { left: number; top: number; above: boolean } {
  const maxLeft = viewport.width - margin - tip.width;
  const left = Math.max(margin, Math.min(anchor.left, maxLeft));
  const below = anchor.bottom + gap;
  const fitsBelow = below + tip.height <= viewport.height - margin;
  const above = anchor.top - gap - tip.height;
  // Below when it fits, else above when that fits, else whichever side has more room (clamped to the margin).
  const useAbove = !fitsBelow && (above >= margin || anchor.top > viewport.height - anchor.bottom);
  const top = useAbove ? Math.max(margin, above) : Math.max(margin, Math.min(below, viewport.height - margin - tip.height));
  return { left, top, above: useAbove };
}

/**
 * Roving focus inside one row of tokens: the index a key moves to (ArrowLeft/ArrowRight one token, Home/End to
 * the ends), or null for a key the row does not handle (Tab leaves the row: the row is one Tab stop).
 */
export function nextTokenIndex(key: string, index: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
      return Math.min(count - 1, index + 1);
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
