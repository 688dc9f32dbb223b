/**
 * Loss-surface charts of notebooks 003 and 004: filled contours of the loss (+1) over
 * (w_in, w_rec) at 30 log-spaced levels, viridis, a log colour bar titled ξ, the annotated points
 * as coloured dots and, in 004, the RProp trajectory (white dots, final point a white star).
 *
 * Why polygons and not one rect per grid cell: the original is matplotlib's contourf, whose band
 * edges are interpolated between grid points. Cells snapped to levels show a staircase at every
 * band edge (clearly so on 004's 50×50 grid), draw 10 000 rects per panel and seam under
 * anti-aliasing; level polygons (src/plot/contours.ts) look like the original and are ≤ 30 paths
 * per panel (lab 003's 100×100 figure: ~160 kB of JSON, ~0.2 s to PNG).
 * Vega-Lite has no polygon mark with axes, so each level's region is a GeoJSON MultiPolygon
 * drawn by `geoshape` through an identity projection in the panel's own pixel coordinates, under
 * an invisible layer that carries the data axes. The price: the polygons are laid out for the
 * given width/height, so resize by rebuilding the spec.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/build/src/channeldef';
import type { UnitSpec } from 'vega-lite/build/src/spec';
import { resolveColor } from './colors';
import { hconcat } from './compose';
import { levelRegions, LevelSpec, logLevels, Polygon, Ring, SurfaceGrid, flattenGrid } from './contours';
import { powerOfTenLabelExpr, titleProperty, VEGA_LITE_SCHEMA } from './lines';
import { describe, expectFinite, expectPositive, rejectUnknownOptions, roundDecimals, roundSignificant } from '../options';

export type { SurfaceGrid, LevelSpec } from './contours';

export interface SurfacePoint {
  x: number;
  y: number;
  /** matplotlib letter ('r', 'b', 'm', 'c', 'g', 'y') or CSS colour. Default 'r'. */
  color?: string;
}

export interface SurfaceTrajectory {
  /** Optimiser iterates [w_x, w_rec], first to last (the original's ls_of_ws). */
  points: readonly (readonly [number, number])[];
  /** Legend entry for the dots, e.g. 'RProp iterations'; no legend when omitted. */
  label?: string;
  /** Mark the last point with a white star, as lab 004 does. Default true. */
  star?: boolean;
}

export interface LossSurfaceChartOptions {
  grid: SurfaceGrid;
  points?: readonly SurfacePoint[];
  trajectory?: SurfaceTrajectory;
  title?: string;
  /** Default 'w_in'. */
  xTitle?: string;
  /** Default 'w_rec'. */
  yTitle?: string;
  /** Contour levels; default {min: 10 ** -0.2, max: 1e8, count: 30} = np.logspace(-0.2, 8, 30). */
  levels?: LevelSpec;
  /** Plot area in pixels. Default 300 × 300. */
  width?: number;
  height?: number;
}

export const DEFAULT_SURFACE_LEVELS: Readonly<LevelSpec> = Object.freeze({ min: 10 ** -0.2, max: 1e8, count: 30 });

const SURFACE_OPTIONS = ['grid', 'points', 'trajectory', 'title', 'xTitle', 'yTitle', 'levels', 'width', 'height'] as const;

/** A five-pointed star in Vega's unit symbol box, like matplotlib's '*' marker. */
export const STAR_SHAPE = starPath(0.382);

/** One loss-surface panel (filled contours, colour legend ξ, points, optional trajectory). */
export function lossSurfaceChart(options: LossSurfaceChartOptions): TopLevelSpec {
  const where = 'lossSurfaceChart';
  rejectUnknownOptions(where, options, SURFACE_OPTIONS);
  if (options === undefined) throw new TypeError(`${where}: pass {grid: {xs, ys, values}}`);
  const width = options.width === undefined ? 300 : expectPositive(where, 'width', options.width);
  const height = options.height === undefined ? 300 : expectPositive(where, 'height', options.height);
  if (options.levels !== undefined) rejectUnknownOptions(`${where}: levels`, options.levels, ['min', 'max', 'count']);
  const levels = logLevels(options.levels ?? DEFAULT_SURFACE_LEVELS, where).map((l) => roundSignificant(l) as number);
  const grid = flattenGrid(options.grid, where);
  const x0 = grid.xs[0];
  const x1 = grid.xs[grid.xs.length - 1];
  const y0 = grid.ys[0];
  const y1 = grid.ys[grid.ys.length - 1];

  // Data → panel pixels (y up), the frame the identity projection draws in.
  const px = (x: number): number => roundDecimals(((x - x0) / (x1 - x0)) * width, 2);
  const py = (y: number): number => roundDecimals((1 - (y - y0) / (y1 - y0)) * height, 2);
  const regions = levelRegions(grid, levels, where);
  const features = [];
  for (let k = 0; k < regions.length; k++) {
    // Values below the lowest level clamp to its colour: the lowest region is the whole panel.
    const polygons: Polygon[] = k === 0
      ? [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]
      : regions[k].polygons;
    const coordinates = polygons
      .map((polygon) => polygon.map((ring) => compactRing(ring, px, py)).filter((ring) => ring.length >= 4))
      .filter((polygon) => polygon.length > 0);
    if (coordinates.length === 0) continue;
    features.push({
      type: 'Feature',
      properties: { level: regions[k].level },
      geometry: { type: 'MultiPolygon', coordinates },
    });
  }

  const colorTicks: number[] = [];
  for (let e = Math.ceil(Math.log10(levels[0]) - 1e-9); e <= Math.floor(Math.log10(levels[levels.length - 1]) + 1e-9); e++) colorTicks.push(10 ** e);

  const contourLayer: UnitSpec<Field> = {
    data: { values: features },
    mark: { type: 'geoshape', strokeWidth: 0 },
    projection: { type: 'identity', scale: 1, translate: [0, 0] },
    encoding: {
      color: {
        field: 'properties.level',
        type: 'quantitative',
        title: 'ξ',
        // Each band takes the colour of its lower level, as contourf does; outside the levels clamp.
        scale: { type: 'log', scheme: 'viridis', domain: [levels[0], levels[levels.length - 1]], clamp: true },
        legend: {
          title: 'ξ',
          titleFontSize: 16,
          titleFontWeight: 'normal',
          titleFontStyle: 'italic', // a math symbol, like matplotlib's $\xi$
          values: colorTicks,
          labelExpr: powerOfTenLabelExpr(colorTicks, 'e'),
          gradientLength: height,
          gradientThickness: 14,
          orient: 'right',
          // ξ beside the bar (matplotlib's colorbar ylabel) keeps the bar as tall as the panel.
          titleOrient: 'right',
          titleAnchor: 'middle',
          titleBaseline: 'middle',
          // Upright like the original (rotation=0). Vega-Lite 5 has no legend titleAngle but
          // passes a legend's `encode` through to Vega (not in its types; test/plot.test.ts
          // checks the compiled output so an upgrade that drops it shows up).
          ...({ encode: { title: { update: { angle: { value: 0 } } } } } as object),
        },
      },
    },
  };

  // The data axes: an invisible pair of corner points fixes both scales to the grid's extent.
  const axisLayer: UnitSpec<Field> = {
    data: { values: [{ x: x0, y: y0 }, { x: x1, y: y1 }] },
    mark: { type: 'point', opacity: 0 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'w_in', scale: { domain: [x0, x1], nice: false, zero: false }, axis: { grid: false, titleFontSize: 13 } },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? 'w_rec', scale: { domain: [y0, y1], nice: false, zero: false }, axis: { grid: false, titleFontSize: 13 } },
    },
  };
  const layers: UnitSpec<Field>[] = [contourLayer, axisLayer];

  let annotationRows: { x: number; y: number }[] = [];
  if (options.points !== undefined) {
    if (!Array.isArray(options.points)) throw new TypeError(`${where}: points must be an array of {x, y, color}, got ${describe(options.points)}`);
    const rows = options.points.map((p, i) => {
      rejectUnknownOptions(`${where}: points[${i}]`, p, ['x', 'y', 'color']);
      return {
        x: expectFinite(where, `points[${i}].x`, p.x),
        y: expectFinite(where, `points[${i}].y`, p.y),
        color: resolveColor(p.color ?? 'r'),
      };
    });
    annotationRows = rows;
    if (rows.length > 0) {
      layers.push({
        data: { values: rows },
        mark: { type: 'point', filled: true, opacity: 1, size: 50, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          // scale: null uses the colours as given and keeps them out of the ξ colour scale.
          fill: { field: 'color', type: 'nominal', scale: null },
        },
      });
    }
  }

  if (options.trajectory !== undefined) {
    const t = options.trajectory;
    rejectUnknownOptions(`${where}: trajectory`, t, ['points', 'label', 'star']);
    if (!Array.isArray(t.points) || t.points.length === 0) {
      throw new TypeError(`${where}: trajectory.points must be a non-empty array of [w_x, w_rec], got ${describe(t.points)}`);
    }
    const rows = t.points.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new TypeError(`${where}: trajectory.points[${i}] must be [w_x, w_rec], got ${describe(p)}`);
      return { x: roundSignificant(expectFinite(where, `trajectory.points[${i}][0]`, p[0])), y: roundSignificant(expectFinite(where, `trajectory.points[${i}][1]`, p[1])) };
    });
    const dots: UnitSpec<Field> = {
      data: { values: rows },
      // A hairline outline keeps the white dots visible on the yellow plateaus (and gives the
      // legend symbol an edge; Vega-Lite copies the mark's stroke into it).
      mark: { type: 'point', filled: true, color: 'white', stroke: 'black', strokeOpacity: 0.4, strokeWidth: 0.3, opacity: 1, size: 12, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative' },
      },
    };
    if (t.label !== undefined) {
      if (typeof t.label !== 'string') throw new TypeError(`${where}: trajectory.label must be a string, got ${describe(t.label)}`);
      // A constant shape channel is the Vega-Lite way to get a legend entry for a fixed mark.
      dots.encoding = { ...dots.encoding, shape: {
        datum: t.label,
        type: 'nominal',
        scale: { range: ['circle'] },
        legend: {
          title: null,
          orient: leastCrowdedCorner(t.label, [...rows, ...annotationRows], { x0, x1, y0, y1, width, height }),
          symbolFillColor: 'white',
          symbolSize: 30,
          fillColor: 'rgba(255,255,255,0.8)',
          strokeColor: '#cccccc',
          padding: 5,
          cornerRadius: 3,
          offset: 6,
        },
      } };
    }
    layers.push(dots);
    if (t.star !== false) {
      layers.push({
        data: { values: [rows[rows.length - 1]] },
        mark: { type: 'point', shape: STAR_SHAPE, filled: true, fill: 'white', stroke: 'black', strokeWidth: 1, opacity: 1, size: 260, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
        },
      });
    }
  }

  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    ...titleProperty(where, options.title),
    width,
    height,
    layer: layers,
  };
  return spec;
}

export interface LossSurfaceFigureOptions {
  /** Panels from lossSurfaceChart, drawn left to right (003/004: overview, then zoom). */
  panels: readonly TopLevelSpec[];
  /** Default 'Loss surface' (the original's suptitle). */
  title?: string;
}

/** Panels side by side under one title, with one shared ξ colour bar on the right. */
export function lossSurfaceFigure(options: LossSurfaceFigureOptions): TopLevelSpec {
  const where = 'lossSurfaceFigure';
  rejectUnknownOptions(where, options, ['panels', 'title']);
  if (!Array.isArray(options?.panels) || options.panels.length === 0) {
    throw new TypeError(`${where}: panels must be a non-empty array of lossSurfaceChart specs, got ${describe(options?.panels)}`);
  }
  return hconcat(options.panels, {
    title: { text: options.title ?? 'Loss surface', fontSize: 15, anchor: 'middle' },
    spacing: 30,
    // One colour bar for all panels (the original's single cax); each panel keeps its own
    // trajectory legend, since only the zoom panel of 004 has one.
    resolve: { scale: { color: 'shared', shape: 'independent' }, legend: { color: 'shared', shape: 'independent' } },
  });
}

type Corner = 'top-right' | 'top-left' | 'bottom-left' | 'bottom-right';

/**
 * Where the trajectory legend hides the fewest points: matplotlib's legend(loc='best'), which the
 * original relies on, tried in matplotlib's order (upper right first).
 */
function leastCrowdedCorner(
  label: string,
  points: readonly { x: number | null; y: number | null }[],
  frame: { x0: number; x1: number; y0: number; y1: number; width: number; height: number },
): Corner {
  // Legend box estimate, generous: 10 px labels (~6.5 px per character) + symbol + padding +
  // offset from the edge + a marker's radius (a dot half under the box is still hidden).
  const boxW = Math.min(frame.width, 70 + 6.5 * label.length) / frame.width;
  const boxH = Math.min(frame.height, 36) / frame.height;
  let best: Corner = 'top-right';
  let bestCount = Infinity;
  for (const corner of ['top-right', 'top-left', 'bottom-left', 'bottom-right'] as const) {
    let count = 0;
    for (const p of points) {
      if (p.x === null || p.y === null) continue;
      const u = (p.x - frame.x0) / (frame.x1 - frame.x0); // 0 … 1 left to right
      const v = (p.y - frame.y0) / (frame.y1 - frame.y0); // 0 … 1 bottom to top
      const inX = corner.endsWith('right') ? u >= 1 - boxW : u <= boxW;
      const inY = corner.startsWith('top') ? v >= 1 - boxH : v <= boxH;
      if (inX && inY && u >= 0 && u <= 1 && v >= 0 && v <= 1) count++;
    }
    if (count < bestCount) { best = corner; bestCount = count; }
  }
  return best;
}

/** Ring → pixel coordinates, without repeated or collinear points (straight edges need 2). */
function compactRing(ring: Ring, px: (x: number) => number, py: (y: number) => number): [number, number][] {
  const pts: [number, number][] = [];
  for (const [x, y] of ring) {
    const p: [number, number] = [px(x), py(y)];
    const last = pts[pts.length - 1];
    if (last !== undefined && last[0] === p[0] && last[1] === p[1]) continue;
    if (pts.length >= 2) {
      const a = pts[pts.length - 2];
      const b = last;
      const cross = (b[0] - a[0]) * (p[1] - b[1]) - (b[1] - a[1]) * (p[0] - b[0]);
      if (Math.abs(cross) < 1e-9) { pts[pts.length - 1] = p; continue; }
    }
    pts.push(p);
  }
  // Keep the ring closed after dropping points.
  if (pts.length > 0) {
    const first = pts[0];
    const last = pts[pts.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) pts.push([first[0], first[1]]);
  }
  return pts;
}

function starPath(innerRatio: number): string {
  const parts: string[] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? 1 : innerRatio;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    parts.push(`${k === 0 ? 'M' : 'L'}${roundDecimals(r * Math.cos(a), 3)},${roundDecimals(r * Math.sin(a), 3)}`);
  }
  return parts.join('') + 'Z';
}
