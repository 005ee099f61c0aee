import { describe, expect, it } from 'vitest';
import { nextTokenIndex, placeTooltip } from './tooltipPlacement';

const viewport = { width: 1280, height: 900 };
const tip = { width: 360, height: 150 };
const token = (left: number, top: number, width = 40, height = 18) => ({ left, top, right: left + width, bottom: top + height });
const inside = (p: { left: number; top: number }) =>
  p.left >= 0 && p.top >= 0 && p.left + tip.width <= viewport.width && p.top + tip.height <= viewport.height;

describe('placeTooltip', () => {
  it('puts the tooltip under the token, left edges aligned, when there is room', () => {
    expect(placeTooltip(token(100, 200), tip, viewport)).toEqual({ left: 100, top: 222, above: false });
  });

  it('shifts it left near the right edge so its right side stays 6 px inside', () => {
    const p = placeTooltip(token(1200, 200), tip, viewport);
    expect(p.left).toBe(1280 - 6 - 360);
    expect(p.top).toBe(222);
    expect(inside(p)).toBe(true);
  });

  it('flips it above the token near the bottom edge', () => {
    const p = placeTooltip(token(100, 820), tip, viewport);
    expect(p).toEqual({ left: 100, top: 820 - 4 - 150, above: true });
  });

  it('stays inside for tokens in every corner, and for a tooltip wider than the room left of the token', () => {
    for (const [x, y] of [
      [0, 0],
      [1270, 0],
      [0, 890],
      [1270, 890],
      [640, 450],
    ] as const) {
      expect(inside(placeTooltip(token(x, y, 10, 10), tip, viewport)), `${x},${y}`).toBe(true);
    }
    // A viewport too small for the tooltip: clamped to the margin (top-left), not pushed off the left or top.
    expect(placeTooltip(token(50, 50), { width: 500, height: 500 }, { width: 300, height: 300 })).toEqual({ left: 6, top: 6, above: false });
  });
});

describe('nextTokenIndex', () => {
  it('moves one token with the arrows, to the ends with Home/End, and stops at the ends', () => {
    expect(nextTokenIndex('ArrowRight', 2, 5)).toBe(3);
    expect(nextTokenIndex('ArrowRight', 4, 5)).toBe(4);
    expect(nextTokenIndex('ArrowLeft', 2, 5)).toBe(1);
    expect(nextTokenIndex('ArrowLeft', 0, 5)).toBe(0);
    expect(nextTokenIndex('Home', 3, 5)).toBe(0);
    expect(nextTokenIndex('End', 0, 5)).toBe(4);
  });

  it('leaves other keys (Tab) to the browser, and an empty row alone', () => {
    expect(nextTokenIndex('Tab', 1, 5)).toBeNull();
    expect(nextTokenIndex('ArrowDown', 1, 5)).toBeNull();
    expect(nextTokenIndex('ArrowRight', 0, 0)).toBeNull();
  });
});
