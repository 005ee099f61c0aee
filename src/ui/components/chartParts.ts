/**
 * Axis titles and the legend's place, the same on every chart of the page. The legend sits above the plot: below
 * it, Recharts draws it over the x-axis title. A y title sits 10 px in from the edge, so the tall letters of a
 * rotated title ("l", "(") are not cut off by the chart's left border.
 */
export const xLabel = (value: string) => ({ value, position: 'insideBottom', offset: -10, fontSize: 11 }) as const;

export const yLabel = (value: string, side: 'left' | 'right' = 'left') =>
  ({ value, angle: side === 'left' ? -90 : 90, position: side === 'left' ? 'insideLeft' : 'insideRight', offset: 10, fontSize: 11, style: { textAnchor: 'middle' } }) as const;

export const LEGEND_TOP = { verticalAlign: 'top', height: 24 } as const;
