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
 * Vega-Lite has no polygon mark with axes, so each level's region is one SVG path string in the
 * panel's own pixel coordinates, drawn as the custom shape of a single point mark (Vega scales a
 * custom shape by √size / 2: size 4 draws it 1:1 from the panel's corner), under an invisible layer
 * that carries the data axes. A string, not GeoJSON coordinate arrays: the notebook stores the
 * spec as indented JSON, which put every coordinate on a line of its own (a 180 kB figure took
 * 760 kB of the .ipynb); a path string stays one line. The price: the polygons are laid out for
 * the given width/height, so resize by rebuilding the spec.
 *
 * Explorable parts (Vega-Lite params and tooltips, no kernel needed): tooltips with w_x, w_rec and
 * ξ from a coarse grid of invisible hover cells; an `iteration` slider moving a star along the
 * optimiser's path; the `usermeta.bpttLab` marker of src/plot/explorable.ts.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Field } from "vega-lite/build/src/channeldef";
import type { UnitSpec } from "vega-lite/build/src/spec";
import { resolveColor } from "./colors";
import { hconcat } from "./compose";
import { levelRegions, LevelSpec, logLevels, Polygon, Ring, SurfaceGrid, flattenGrid } from "./contours";
import { powerOfTenLabelExpr, titleProperty, VEGA_LITE_SCHEMA } from "./lines";
import {
  describe,
  expectFinite,
  expectNumberList,
  expectPositive,
  NumberList,
  rejectUnknownOptions,
  roundDecimals,
  roundSignificant,
} from "../options";
import {
  IN_BROWSER,
  surfaceUsermeta,
  type SurfaceMarker,
  type SurfacePanelInfo,
  type TrajectoryInfo,
} from "./explorable";

export type { SurfaceGrid, LevelSpec } from "./contours";

export interface SurfacePoint {
  x: number;
  y: number;
  /** matplotlib letter ('r', 'b', 'm', 'c', 'g', 'y') or CSS colour. Default 'r'. */
  color?: string;
}

export interface SurfaceTrajectory {
  /** Optimiser iterates [w_x, w_rec], first to last (the original's ls_of_ws). */
  points: readonly (readonly [number, number])[];
  /** The loss ξ at each iterate (same length as points), for the tooltips; omitted: no ξ in them. */
  losses?: NumberList;
  /** Legend entry for the dots, e.g. 'RProp iterations'; no legend when omitted. */
  label?: string;
  /** Mark the iterate the slider picks (at first the last one) with a white star, as lab 004 does. Default true. */
  star?: boolean;
  /**
   * Label of the iteration slider bound under the chart (Vega-Lite param `iteration`); false for
   * none, the star then stays on the last iterate. Default 'iteration'.
   */
  slider?: string | false;
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
  /**
   * What the grid adds to the loss: labs 003/004 draw ξ + 1 (the log scale needs no zero), so
   * they pass 1, and the tooltips show ξ = value − lossOffset. Default 0.
   */
  lossOffset?: number;
  /**
   * Hover cells per axis, at most, for the tooltip (w_x, w_rec, ξ at the nearest grid node, every
   * k-th node of the grid); 0 for none. Default 34 (lab 003's 100-point grid: every 3rd node).
   */
  tooltipCells?: number;
}

export const DEFAULT_SURFACE_LEVELS: Readonly<LevelSpec> = Object.freeze({ min: 10 ** -0.2, max: 1e8, count: 30 });

const SURFACE_OPTIONS = [
  "grid",
  "points",
  "trajectory",
  "title",
  "xTitle",
  "yTitle",
  "levels",
  "width",
  "height",
  "lossOffset",
  "tooltipCells",
] as const;

/** Name of the Vega-Lite dataset holding the trajectory (rows {iteration, w_x, w_rec, loss}). */
export const TRAJECTORY_DATASET = "trajectory";
/** Name of the Vega-Lite param the iteration slider drives. */
export const ITERATION_PARAM = "iteration";

/** A five-pointed star in Vega's unit symbol box, like matplotlib's '*' marker. */
export const STAR_SHAPE = starPath(0.382);

/**
 * One loss-surface panel (filled contours, colour legend ξ, points, optional trajectory), with
 * tooltips (w_x, w_rec, ξ) on the surface and the iterates, and an iteration slider moving the
 * star along the trajectory. `usermeta.bpttLab` records what the panel covers (src/plot/explorable.ts).
 */
export function lossSurfaceChart(options: LossSurfaceChartOptions): TopLevelSpec {
  const where = "lossSurfaceChart";
  rejectUnknownOptions(where, options, SURFACE_OPTIONS);
  if (options === undefined) throw new TypeError(`${where}: pass {grid: {xs, ys, values}}`);
  const width = options.width === undefined ? 300 : expectPositive(where, "width", options.width);
  const height = options.height === undefined ? 300 : expectPositive(where, "height", options.height);
  if (options.levels !== undefined) rejectUnknownOptions(`${where}: levels`, options.levels, ["min", "max", "count"]);
  const levels = logLevels(options.levels ?? DEFAULT_SURFACE_LEVELS, where).map((l) => roundSignificant(l) as number);
  const lossOffset = options.lossOffset === undefined ? 0 : expectFinite(where, "lossOffset", options.lossOffset);
  const tooltipCells = options.tooltipCells ?? 34;
  if (!Number.isInteger(tooltipCells) || tooltipCells < 0 || tooltipCells === 1) {
    throw new RangeError(
      `${where}: tooltipCells must be 0 (no tooltips) or an integer >= 2, got ${describe(options.tooltipCells)}`,
    );
  }
  const grid = flattenGrid(options.grid, where);
  const x0 = grid.xs[0];
  const x1 = grid.xs[grid.xs.length - 1];
  const y0 = grid.ys[0];
  const y1 = grid.ys[grid.ys.length - 1];
  const xTitle = options.xTitle ?? "w_in";
  const yTitle = options.yTitle ?? "w_rec";

  // Data → panel pixels (y up), the frame the region paths are drawn in.
  const px = (x: number): number => roundDecimals(((x - x0) / (x1 - x0)) * width, 2);
  const py = (y: number): number => roundDecimals((1 - (y - y0) / (y1 - y0)) * height, 2);
  const regions = levelRegions(grid, levels, where);
  const regionRows: { level: number; path: string }[] = [];
  for (let k = 0; k < regions.length; k++) {
    // Values below the lowest level clamp to its colour: the lowest region is the whole panel.
    const polygons: Polygon[] =
      k === 0
        ? [
            [
              [
                [x0, y0],
                [x1, y0],
                [x1, y1],
                [x0, y1],
                [x0, y0],
              ],
            ],
          ]
        : regions[k].polygons;
    const coordinates = polygons
      .map((polygon) => polygon.map((ring) => compactRing(ring, px, py)).filter((ring) => ring.length >= 4))
      .filter((polygon) => polygon.length > 0);
    if (coordinates.length === 0) continue;
    regionRows.push({ level: regions[k].level, path: svgPath(coordinates) });
  }

  const colorTicks: number[] = [];
  for (
    let e = Math.ceil(Math.log10(levels[0]) - 1e-9);
    e <= Math.floor(Math.log10(levels[levels.length - 1]) + 1e-9);
    e++
  )
    colorTicks.push(10 ** e);

  const contourLayer: UnitSpec<Field> = {
    data: { values: regionRows },
    mark: { type: "point", filled: true, opacity: 1, strokeWidth: 0, size: 4 },
    encoding: {
      // The panel's top-left corner, in pixels: the path's coordinates are relative to it.
      x: { value: 0 },
      y: { value: 0 },
      shape: { field: "path", type: "nominal", scale: null, legend: null },
      color: {
        field: "level",
        type: "quantitative",
        title: "ξ",
        // Each band takes the colour of its lower level, as contourf does; outside the levels clamp.
        scale: { type: "log", scheme: "viridis", domain: [levels[0], levels[levels.length - 1]], clamp: true },
        legend: {
          title: "ξ",
          titleFontSize: 16,
          titleFontWeight: "normal",
          titleFontStyle: "italic", // a math symbol, like matplotlib's $\xi$
          values: colorTicks,
          labelExpr: powerOfTenLabelExpr(colorTicks, "e"),
          gradientLength: height,
          gradientThickness: 14,
          orient: "right",
          // ξ beside the bar (matplotlib's colorbar ylabel) keeps the bar as tall as the panel.
          titleOrient: "right",
          titleAnchor: "middle",
          titleBaseline: "middle",
          // Upright like the original (rotation=0): Vega-Lite 5 has no legend titleAngle, but its
          // legend `encoding` sets the title's Vega angle (test/plot.test.ts checks the compiled output).
          encoding: { title: { angle: { value: 0 } } },
        },
      },
    },
  };

  // The data axes: an invisible pair of corner points fixes both scales to the grid's extent.
  const axisLayer: UnitSpec<Field> = {
    data: {
      values: [
        { x: x0, y: y0 },
        { x: x1, y: y1 },
      ],
    },
    mark: { type: "point", opacity: 0 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: xTitle,
        scale: { domain: [x0, x1], nice: false, zero: false },
        axis: { grid: false, titleFontSize: 13 },
      },
      y: {
        field: "y",
        type: "quantitative",
        title: yTitle,
        scale: { domain: [y0, y1], nice: false, zero: false },
        axis: { grid: false, titleFontSize: 13 },
      },
    },
  };
  const layers: UnitSpec<Field>[] = [contourLayer, axisLayer];
  const weightTooltips = [
    { field: "w_x", type: "quantitative", title: xTitle, format: ".4~f" },
    { field: "w_rec", type: "quantitative", title: yTitle, format: ".4~f" },
  ] as const;
  const lossTooltip = { field: "loss", type: "quantitative", title: "ξ", format: ".4~g" } as const;

  if (tooltipCells > 0) layers.push(tooltipCellLayer(grid, tooltipCells, lossOffset, [...weightTooltips, lossTooltip]));

  let annotationRows: { x: number; y: number }[] = [];
  if (options.points !== undefined) {
    if (!Array.isArray(options.points))
      throw new TypeError(`${where}: points must be an array of {x, y, color}, got ${describe(options.points)}`);
    const rows = options.points.map((p, i) => {
      rejectUnknownOptions(`${where}: points[${i}]`, p, ["x", "y", "color"]);
      return {
        x: expectFinite(where, `points[${i}].x`, p.x),
        y: expectFinite(where, `points[${i}].y`, p.y),
        color: resolveColor(p.color ?? "r"),
      };
    });
    annotationRows = rows;
    if (rows.length > 0) {
      layers.push({
        data: { values: rows },
        mark: { type: "point", filled: true, opacity: 1, size: 50, clip: true },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          // scale: null uses the colours as given and keeps them out of the ξ colour scale.
          fill: { field: "color", type: "nominal", scale: null },
          tooltip: [
            { field: "x", type: "quantitative", title: xTitle },
            { field: "y", type: "quantitative", title: yTitle },
          ],
        },
      });
    }
  }

  let trajectoryInfo: TrajectoryInfo | undefined;
  let datasets: Record<string, object[]> | undefined;
  let params: object[] | undefined;
  if (options.trajectory !== undefined) {
    const t = options.trajectory;
    rejectUnknownOptions(`${where}: trajectory`, t, ["points", "losses", "label", "star", "slider"]);
    if (!Array.isArray(t.points) || t.points.length === 0) {
      throw new TypeError(
        `${where}: trajectory.points must be a non-empty array of [w_x, w_rec], got ${describe(t.points)}`,
      );
    }
    const losses = t.losses === undefined ? undefined : expectNumberList(where, "trajectory.losses", t.losses);
    if (losses !== undefined && losses.length !== t.points.length) {
      throw new RangeError(
        `${where}: trajectory.losses has ${losses.length} values for ${t.points.length} points; give the loss at every iterate`,
      );
    }
    if (t.slider !== undefined && t.slider !== false && typeof t.slider !== "string") {
      throw new TypeError(`${where}: trajectory.slider must be the slider's label or false, got ${describe(t.slider)}`);
    }
    const rows = t.points.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2)
        throw new TypeError(`${where}: trajectory.points[${i}] must be [w_x, w_rec], got ${describe(p)}`);
      const row: { iteration: number; w_x: number | null; w_rec: number | null; loss?: number | null } = {
        iteration: i,
        w_x: roundSignificant(expectFinite(where, `trajectory.points[${i}][0]`, p[0])),
        w_rec: roundSignificant(expectFinite(where, `trajectory.points[${i}][1]`, p[1])),
      };
      if (losses !== undefined) row.loss = roundSignificant(losses[i], 4);
      return row;
    });
    const last = rows.length - 1;
    const slider = t.slider === false ? undefined : (t.slider ?? "iteration");
    // One copy of the path however many panels draw it: a named dataset the figure keeps once.
    datasets = { [TRAJECTORY_DATASET]: rows };
    const current = slider === undefined ? String(last) : ITERATION_PARAM;
    if (slider !== undefined) {
      params = [
        {
          name: ITERATION_PARAM,
          value: last,
          bind: { input: "range", min: 0, max: last, step: 1, name: `${slider} ` },
        },
      ];
    }
    const tooltip = [
      { field: "iteration", type: "quantitative", title: "iteration" },
      ...weightTooltips,
      ...(losses ? [lossTooltip] : []),
    ];
    const dots: UnitSpec<Field> = {
      data: { name: TRAJECTORY_DATASET },
      // A hairline outline keeps the white dots visible on the yellow plateaus (and gives the
      // legend symbol an edge; Vega-Lite copies the mark's stroke into it).
      mark: {
        type: "point",
        filled: true,
        color: "white",
        stroke: "black",
        strokeOpacity: 0.4,
        strokeWidth: 0.3,
        size: 12,
        clip: true,
      },
      encoding: {
        x: { field: "w_x", type: "quantitative" },
        y: { field: "w_rec", type: "quantitative" },
        // The iterates after the slider's one fade: the path so far stands out.
        opacity: { condition: { test: `datum.iteration <= ${current}`, value: 1 }, value: 0.3 },
        tooltip: tooltip as never,
      },
    };
    if (t.label !== undefined) {
      if (typeof t.label !== "string")
        throw new TypeError(`${where}: trajectory.label must be a string, got ${describe(t.label)}`);
      const legendRows = rows.map((r) => ({ x: r.w_x, y: r.w_rec }));
      // A constant shape channel is the Vega-Lite way to get a legend entry for a fixed mark.
      dots.encoding = {
        ...dots.encoding,
        shape: {
          datum: t.label,
          type: "nominal",
          scale: { range: ["circle"] },
          legend: {
            title: null,
            orient: leastCrowdedCorner(t.label, [...legendRows, ...annotationRows], { x0, x1, y0, y1, width, height }),
            symbolFillColor: "white",
            symbolSize: 30,
            fillColor: "rgba(255,255,255,0.8)",
            strokeColor: "#cccccc",
            padding: 5,
            cornerRadius: 3,
            offset: 6,
          },
        },
      };
    }
    layers.push(dots);
    if (t.star !== false) {
      layers.push({
        data: { name: TRAJECTORY_DATASET },
        transform: [{ filter: `datum.iteration == ${current}` }],
        mark: {
          type: "point",
          shape: STAR_SHAPE,
          filled: true,
          fill: "white",
          stroke: "black",
          strokeWidth: 1,
          opacity: 1,
          size: 260,
          clip: true,
        },
        encoding: {
          x: { field: "w_x", type: "quantitative" },
          y: { field: "w_rec", type: "quantitative" },
          tooltip: tooltip as never,
        },
      });
    }
    trajectoryInfo = {
      dataset: TRAJECTORY_DATASET,
      param: slider === undefined ? null : ITERATION_PARAM,
      iterations: last,
      losses: losses !== undefined,
    };
  }

  const panel: SurfacePanelInfo = { x: [x0, x1], y: [y0, y1], width, height, grid: [grid.xs.length, grid.ys.length] };
  const spec = {
    $schema: VEGA_LITE_SCHEMA,
    ...titleProperty(where, options.title),
    ...(datasets ? { datasets } : {}),
    ...(params ? { params } : {}),
    width,
    height,
    layer: layers,
    // The regions' path shapes and the trajectory's legend symbol are two unrelated shape channels.
    resolve: { scale: { shape: "independent" }, legend: { shape: "independent" } },
    usermeta: surfaceUsermeta({ panels: [panel], lossOffset, trajectory: trajectoryInfo ?? null }),
  };
  return spec as TopLevelSpec;
}

/**
 * The tooltip layer: invisible cells centred on every k-th grid node, each carrying w_x, w_rec and
 * ξ there. Stored compactly (the spec lives in the notebook): one flat list of rounded losses,
 * row-major; the cells' positions are computed by Vega-Lite from the list index. Only the loss is
 * stored, once; nothing else of the grid is (the colours come from the contour polygons).
 */
function tooltipCellLayer(
  grid: { xs: NumberList; ys: NumberList; values: Float64Array },
  cells: number,
  lossOffset: number,
  tooltip: readonly object[],
): UnitSpec<Field> {
  const nx = grid.xs.length;
  const ny = grid.ys.length;
  // The same stride on both axes keeps the cells square on a square grid; nodes 0, k, 2k, …
  const stride = Math.max(1, Math.ceil((Math.max(nx, ny) - 1) / (cells - 1)));
  const ix = Array.from({ length: Math.floor((nx - 1) / stride) + 1 }, (_, j) => j * stride);
  const iy = Array.from({ length: Math.floor((ny - 1) / stride) + 1 }, (_, i) => i * stride);
  const uniform = (axis: NumberList) => {
    const step = (axis[axis.length - 1] - axis[0]) / (axis.length - 1);
    for (let k = 1; k < axis.length; k++)
      if (Math.abs(axis[k] - axis[k - 1] - step) > 1e-9 * Math.abs(step)) return undefined;
    return step;
  };
  const dx = uniform(grid.xs);
  const dy = uniform(grid.ys);
  const loss = (i: number, j: number) => roundSignificant(grid.values[i * nx + j] - lossOffset, 4);
  const cellRect = [
    { calculate: `datum.w_x - ${(stride * (dx ?? 0)) / 2}`, as: "x_lo" },
    { calculate: `datum.w_x + ${(stride * (dx ?? 0)) / 2}`, as: "x_hi" },
    { calculate: `datum.w_rec - ${(stride * (dy ?? 0)) / 2}`, as: "y_lo" },
    { calculate: `datum.w_rec + ${(stride * (dy ?? 0)) / 2}`, as: "y_hi" },
  ];
  let data: object;
  let transform: object[];
  // The cells exist only where a pointer can hover them (not in the static fallback).
  if (dx !== undefined && dy !== undefined) {
    const flat: (number | null)[] = [];
    for (const i of iy) for (const j of ix) flat.push(loss(i, j));
    const m = ix.length;
    data = { values: [{ loss: flat }] };
    transform = [
      { filter: IN_BROWSER },
      { flatten: ["loss"] },
      { window: [{ op: "row_number", as: "cell" }] },
      { calculate: `${grid.xs[0]} + ((datum.cell - 1) % ${m}) * ${stride * dx}`, as: "w_x" },
      { calculate: `${grid.ys[0]} + floor((datum.cell - 1) / ${m}) * ${stride * dy}`, as: "w_rec" },
      ...cellRect,
    ];
  } else {
    // An uneven grid: each node's coordinates are stored, and the cells reach halfway to the next node.
    const rows: object[] = [];
    for (const [a, i] of iy.entries())
      for (const [b, j] of ix.entries()) {
        const half = (axis: NumberList, idx: number[], k: number, side: -1 | 1) => {
          const next = idx[k + side];
          return next === undefined ? axis[idx[k]] : (axis[idx[k]] + axis[next]) / 2;
        };
        rows.push({
          w_x: grid.xs[j],
          w_rec: grid.ys[i],
          loss: loss(i, j),
          x_lo: half(grid.xs, ix, b, -1),
          x_hi: half(grid.xs, ix, b, 1),
          y_lo: half(grid.ys, iy, a, -1),
          y_hi: half(grid.ys, iy, a, 1),
        });
      }
    data = { values: rows };
    transform = [{ filter: IN_BROWSER }];
  }
  return {
    data,
    transform,
    // Transparent, not opacity 0: Vega still picks transparent fills under the pointer.
    mark: { type: "rect", fill: "transparent", strokeWidth: 0, clip: true },
    encoding: {
      x: { field: "x_lo", type: "quantitative" },
      x2: { field: "x_hi" },
      y: { field: "y_lo", type: "quantitative" },
      y2: { field: "y_hi" },
      tooltip: tooltip as never,
    },
  } as UnitSpec<Field>;
}

export interface LossSurfaceFigureOptions {
  /** Panels from lossSurfaceChart, drawn left to right (003/004: overview, then zoom). */
  panels: readonly TopLevelSpec[];
  /** Default 'Loss surface' (the original's suptitle). */
  title?: string;
  /** The lab the figure belongs to ("003", "004"), recorded in usermeta.bpttLab for the results site. */
  lab?: string;
}

/**
 * Panels side by side under one title, with one shared ξ colour bar on the right. The panels'
 * trajectory dataset and iteration slider are lifted to the figure, so both panels follow one
 * slider and the path is stored once.
 */
export function lossSurfaceFigure(options: LossSurfaceFigureOptions): TopLevelSpec {
  const where = "lossSurfaceFigure";
  rejectUnknownOptions(where, options, ["panels", "title", "lab"]);
  if (!Array.isArray(options?.panels) || options.panels.length === 0) {
    throw new TypeError(
      `${where}: panels must be a non-empty array of lossSurfaceChart specs, got ${describe(options?.panels)}`,
    );
  }
  if (options.lab !== undefined && typeof options.lab !== "string")
    throw new TypeError(`${where}: lab must be a string such as "003", got ${describe(options.lab)}`);
  const datasets: Record<string, unknown> = {};
  const params: { name: string }[] = [];
  const panels: SurfacePanelInfo[] = [];
  let trajectory: TrajectoryInfo | null = null;
  let lossOffset: number | undefined;
  const children = options.panels.map((p, i) => {
    const {
      datasets: ds,
      params: ps,
      usermeta,
      ...rest
    } = p as unknown as {
      datasets?: Record<string, unknown>;
      params?: { name: string }[];
      usermeta?: { bpttLab?: SurfaceMarker };
    } & Record<string, unknown>;
    for (const [name, rows] of Object.entries(ds ?? {})) {
      if (name in datasets && JSON.stringify(datasets[name]) !== JSON.stringify(rows)) {
        throw new Error(
          `${where}: panels[${i}] has another "${name}" dataset than an earlier panel; the panels of one figure draw the same trajectory`,
        );
      }
      datasets[name] = rows;
    }
    for (const param of ps ?? []) if (!params.some((q) => q.name === param.name)) params.push(param);
    const marker = usermeta?.bpttLab;
    if (marker?.explorable !== "loss-surface")
      throw new TypeError(`${where}: panels[${i}] is not a lossSurfaceChart spec`);
    panels.push(...marker.panels);
    trajectory ??= marker.trajectory;
    lossOffset ??= marker.lossOffset;
    return rest as unknown as TopLevelSpec;
  });
  const figure = hconcat(children, {
    title: { text: options.title ?? "Loss surface", fontSize: 15, anchor: "middle" },
    spacing: 30,
    // One colour bar for all panels (the original's single cax); each panel keeps its own
    // trajectory legend, since only the zoom panel of 004 has one.
    resolve: { scale: { color: "shared", shape: "independent" }, legend: { color: "shared", shape: "independent" } },
  });
  return {
    ...(figure as object),
    ...(Object.keys(datasets).length ? { datasets } : {}),
    ...(params.length ? { params } : {}),
    usermeta: surfaceUsermeta({ lab: options.lab, panels, lossOffset: lossOffset ?? 0, trajectory }),
  } as unknown as TopLevelSpec;
}

type Corner = "top-right" | "top-left" | "bottom-left" | "bottom-right";

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
  let best: Corner = "top-right";
  let bestCount = Infinity;
  for (const corner of ["top-right", "top-left", "bottom-left", "bottom-right"] as const) {
    let count = 0;
    for (const p of points) {
      if (p.x === null || p.y === null) continue;
      const u = (p.x - frame.x0) / (frame.x1 - frame.x0); // 0 … 1 left to right
      const v = (p.y - frame.y0) / (frame.y1 - frame.y0); // 0 … 1 bottom to top
      const inX = corner.endsWith("right") ? u >= 1 - boxW : u <= boxW;
      const inY = corner.startsWith("top") ? v >= 1 - boxH : v <= boxH;
      if (inX && inY && u >= 0 && u <= 1 && v >= 0 && v <= 1) count++;
    }
    if (count < bestCount) {
      best = corner;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Polygons (outer ring, then holes; each ring closed) → one SVG path: "M x,y L … Z" per ring, the
 * repeated closing point dropped (Z closes). Filled with the nonzero rule, as the polygons' holes
 * wind against their outer rings.
 */
function svgPath(polygons: [number, number][][][]): string {
  return polygons
    .flatMap((polygon) =>
      polygon.map(
        (ring) =>
          `M${ring
            .slice(0, -1)
            .map(([x, y]) => `${x},${y}`)
            .join("L")}Z`,
      ),
    )
    .join("");
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
      if (Math.abs(cross) < 1e-9) {
        pts[pts.length - 1] = p;
        continue;
      }
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
    parts.push(`${k === 0 ? "M" : "L"}${roundDecimals(r * Math.cos(a), 3)},${roundDecimals(r * Math.sin(a), 3)}`);
  }
  return parts.join("") + "Z";
}
