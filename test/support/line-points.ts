/**
 * The points of a lineChart spec, one {series, x, y} per point, as its flatten transform unfolds
 * the stored rows (one row per series holding arrays x and y): what the tests compare.
 */
export type LinePoint = { series: string; x: number | null; y: number | null };

export function linePoints(spec: unknown): LinePoint[] {
  const s = spec as {
    data: { values: { series: string; x: (number | null)[]; y: (number | null)[] }[] };
    transform?: unknown[];
  };
  if (JSON.stringify(s.transform?.[0]) !== JSON.stringify({ flatten: ["x", "y"] }))
    throw new Error("linePoints: not a lineChart spec (its first transform flattens x and y)");
  return s.data.values.flatMap((row) => row.x.map((x, k) => ({ series: row.series, x, y: row.y[k] })));
}
