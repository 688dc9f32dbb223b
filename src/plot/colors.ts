/**
 * Colours of the original (matplotlib) figures.
 * Used by src/plot/lines.ts and src/plot/surface.ts, and by notebooks 003/004, whose annotation
 * points are written as matplotlib colour letters ('r', 'b', 'm', 'c', 'g', 'y').
 */

/** matplotlib's single-letter colours (matplotlib.colors.BASE_COLORS), as CSS hex. */
export const MATPLOTLIB_COLORS: Readonly<Record<string, string>> = Object.freeze({
  b: "#0000ff",
  g: "#008000",
  r: "#ff0000",
  c: "#00bfbf",
  m: "#bf00bf",
  y: "#bfbf00",
  k: "#000000",
  w: "#ffffff",
});

/** matplotlib's default colour cycle (tab10), used when a series has no colour of its own. */
export const TAB10: readonly string[] = Object.freeze([
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
]);

/**
 * A matplotlib colour letter becomes its hex value; any other string is passed through as a CSS
 * colour (Vega accepts CSS names, hex and rgb()), so notebooks can copy the seeds' letters as-is.
 */
export function resolveColor(color: string): string {
  return MATPLOTLIB_COLORS[color] ?? color;
}
