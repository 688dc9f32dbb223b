/**
 * Filled-contour geometry for the loss-surface charts (src/plot/surface.ts, notebooks 003/004).
 *
 * matplotlib's contourf interpolates level crossings linearly between grid points (marching
 * squares) and fills the bands between levels. This file does the same: for each level L it
 * returns the region {value >= L} as polygons with holes, in data coordinates, clipped to the
 * grid's extent. Painted in ascending order of L, those regions give exactly the filled bands.
 *
 * The marching squares and ring stitching are adapted from d3-contour (ISC licence,
 * https://github.com/d3/d3-contour, Mike Bostock), which Vega also vendors but does not export.
 * Differences: grid points are the polygon vertices (d3 treats values as pixel centres, so its
 * rings reach half a cell past the outer points; we clamp that back onto the grid's edge), and
 * coordinates are mapped through the grid's own xs / ys (which need not be evenly spaced).
 */
import { describe, expectNumberList, NumberList } from "../options";

/** A grid of values like numpy's meshgrid: values[i][j] is at (xs[j], ys[i]). */
export interface SurfaceGrid {
  xs: NumberList;
  ys: NumberList;
  /** number[][] indexed [i][j], or a flat row-major array of ys.length × xs.length values. */
  values: readonly (readonly number[] | Float64Array)[] | Float64Array | readonly number[];
}

/** A ring is a closed list of [x, y] points (first point repeated last, as GeoJSON wants). */
export type Ring = [number, number][];
/** An outer ring followed by its holes. */
export type Polygon = Ring[];

export interface LevelRegion {
  level: number;
  /** The region where value >= level. */
  polygons: Polygon[];
}

export interface LevelSpec {
  /** Lowest level (> 0), e.g. 10 ** -0.2 like np.logspace(-0.2, 8, 30). */
  min: number;
  /** Highest level, e.g. 1e8. */
  max: number;
  /** Number of levels including both ends, e.g. 30. */
  count: number;
}

/** Log-spaced levels, as np.logspace(log10(min), log10(max), count). */
export function logLevels(spec: LevelSpec, where = "logLevels"): number[] {
  const { min, max, count } = spec;
  if (!(typeof min === "number" && min > 0 && Number.isFinite(min)))
    throw new RangeError(
      `${where}: levels.min must be a positive number (the lowest level, e.g. 10 ** -0.2), got ${describe(min)}`,
    );
  if (!(typeof max === "number" && max > min && Number.isFinite(max)))
    throw new RangeError(`${where}: levels.max must be a finite number above levels.min, got ${describe(max)}`);
  if (!(Number.isInteger(count) && count >= 2))
    throw new RangeError(`${where}: levels.count must be an integer >= 2, got ${describe(count)}`);
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  return Array.from({ length: count }, (_, k) =>
    k === count - 1 ? max : k === 0 ? min : 10 ** (lo + ((hi - lo) * k) / (count - 1)),
  );
}

/** Checks a grid and returns its values flattened row-major (row i = ys[i]). */
export function flattenGrid(
  grid: SurfaceGrid,
  where = "grid",
): { xs: NumberList; ys: NumberList; values: Float64Array } {
  if (grid === null || typeof grid !== "object")
    throw new TypeError(`${where}: grid must be {xs, ys, values}, got ${describe(grid)}`);
  for (const key of Object.keys(grid)) {
    if (!["xs", "ys", "values"].includes(key))
      throw new TypeError(`${where}: unknown grid key "${key}"; a grid is {xs, ys, values}`);
  }
  const xs = expectNumberList(where, "grid.xs", grid.xs, 2);
  const ys = expectNumberList(where, "grid.ys", grid.ys, 2);
  for (const [name, axis] of [
    ["xs", xs],
    ["ys", ys],
  ] as const) {
    for (let k = 1; k < axis.length; k++) {
      if (!(axis[k] > axis[k - 1]))
        throw new RangeError(
          `${where}: grid.${name} must be strictly increasing (like np.linspace), but ${name}[${k}] = ${axis[k]} follows ${axis[k - 1]}`,
        );
    }
  }
  const nx = xs.length;
  const ny = ys.length;
  const out = new Float64Array(nx * ny);
  const v = grid.values as unknown;
  if (
    v instanceof Float64Array ||
    v instanceof Float32Array ||
    (Array.isArray(v) && v.length > 0 && typeof v[0] === "number")
  ) {
    const flat = v as ArrayLike<number>;
    if (flat.length !== nx * ny)
      throw new RangeError(
        `${where}: flat grid.values has ${flat.length} values; ys.length × xs.length = ${ny} × ${nx} = ${nx * ny}`,
      );
    for (let k = 0; k < flat.length; k++) out[k] = flat[k];
  } else if (Array.isArray(v)) {
    if (v.length !== ny)
      throw new RangeError(
        `${where}: grid.values has ${v.length} rows but ys has ${ny}; values[i][j] is the value at (xs[j], ys[i])`,
      );
    v.forEach((row: unknown, i) => {
      if (!(Array.isArray(row) || row instanceof Float64Array) || row.length !== nx) {
        throw new RangeError(`${where}: grid.values[${i}] must hold xs.length = ${nx} numbers, got ${describe(row)}`);
      }
      for (let j = 0; j < nx; j++) out[i * nx + j] = (row as ArrayLike<number>)[j];
    });
  } else {
    throw new TypeError(`${where}: grid.values must be number[][] or a flat Float64Array, got ${describe(v)}`);
  }
  return { xs, ys, values: out };
}

/**
 * For each level, the region {value >= level} in data coordinates. Non-finite values count as
 * above every level (an overflowed loss is "very large"), except -Infinity.
 */
export function levelRegions(grid: SurfaceGrid, levels: readonly number[], where = "levelRegions"): LevelRegion[] {
  const { xs, ys, values } = flattenGrid(grid, where);
  const nx = xs.length;
  const ny = ys.length;
  const clean = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    clean[k] = Number.isNaN(v) || v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
  }
  const toX = axisMapper(xs);
  const toY = axisMapper(ys);
  return levels.map((level) => {
    const polygons = contour(clean, nx, ny, level).map((polygon) =>
      polygon.map((ring) => ring.map(([cx, cy]): [number, number] => [toX(cx), toY(cy)])),
    );
    return { level, polygons };
  });
}

/** Maps a d3 index coordinate (grid point j at j + 0.5) onto the axis, clamped to its ends. */
function axisMapper(axis: NumberList): (c: number) => number {
  const last = axis.length - 1;
  return (c) => {
    const t = Math.min(Math.max(c - 0.5, 0), last);
    const j = Math.min(Math.floor(t), last - 1);
    return axis[j] + (t - j) * (axis[j + 1] - axis[j]);
  };
}

// ---- marching squares, adapted from d3-contour ----------------------------------------------

type Point = [number, number];
interface Fragment {
  start: number;
  end: number;
  ring: Point[];
}

// For each of the 16 corner configurations, the segments crossing the square (in units where the
// square spans 0.5 … 1.5).
const CASES: Point[][][] = [
  [],
  [
    [
      [1.0, 1.5],
      [0.5, 1.0],
    ],
  ],
  [
    [
      [1.5, 1.0],
      [1.0, 1.5],
    ],
  ],
  [
    [
      [1.5, 1.0],
      [0.5, 1.0],
    ],
  ],
  [
    [
      [1.0, 0.5],
      [1.5, 1.0],
    ],
  ],
  [
    [
      [1.0, 1.5],
      [0.5, 1.0],
    ],
    [
      [1.0, 0.5],
      [1.5, 1.0],
    ],
  ],
  [
    [
      [1.0, 0.5],
      [1.0, 1.5],
    ],
  ],
  [
    [
      [1.0, 0.5],
      [0.5, 1.0],
    ],
  ],
  [
    [
      [0.5, 1.0],
      [1.0, 0.5],
    ],
  ],
  [
    [
      [1.0, 1.5],
      [1.0, 0.5],
    ],
  ],
  [
    [
      [0.5, 1.0],
      [1.0, 0.5],
    ],
    [
      [1.5, 1.0],
      [1.0, 1.5],
    ],
  ],
  [
    [
      [1.5, 1.0],
      [1.0, 0.5],
    ],
  ],
  [
    [
      [0.5, 1.0],
      [1.5, 1.0],
    ],
  ],
  [
    [
      [1.0, 1.5],
      [1.5, 1.0],
    ],
  ],
  [
    [
      [0.5, 1.0],
      [1.0, 1.5],
    ],
  ],
  [],
];

function contour(values: Float64Array, dx: number, dy: number, level: number): Polygon[] {
  const polygons: Polygon[] = [];
  const holes: Point[][] = [];
  isorings(values, dx, dy, level, (ring) => {
    smoothLinear(ring, values, dx, dy, level);
    if (ringArea(ring) > 0) polygons.push([ring]);
    else holes.push(ring);
  });
  for (const hole of holes) {
    for (const polygon of polygons) {
      if (ringContains(polygon[0], hole) !== -1) {
        polygon.push(hole);
        break;
      }
    }
  }
  return polygons;
}

function isorings(
  values: Float64Array,
  dx: number,
  dy: number,
  level: number,
  callback: (ring: Point[]) => void,
): void {
  const fragmentByStart = new Map<number, Fragment>();
  const fragmentByEnd = new Map<number, Fragment>();
  let x = -1;
  let y = -1;
  let t0: number, t1: number, t2: number, t3: number;
  const above = (k: number): number => (values[k] >= level ? 1 : 0);
  const index = (p: Point): number => p[0] * 2 + p[1] * (dx + 1) * 4;

  const stitch = (line: Point[]): void => {
    const start: Point = [line[0][0] + x, line[0][1] + y];
    const end: Point = [line[1][0] + x, line[1][1] + y];
    const startIndex = index(start);
    const endIndex = index(end);
    let f: Fragment | undefined;
    let g: Fragment | undefined;
    if ((f = fragmentByEnd.get(startIndex))) {
      if ((g = fragmentByStart.get(endIndex))) {
        fragmentByEnd.delete(f.end);
        fragmentByStart.delete(g.start);
        if (f === g) {
          f.ring.push(end);
          callback(f.ring);
        } else {
          const merged = { start: f.start, end: g.end, ring: f.ring.concat(g.ring) };
          fragmentByStart.set(f.start, merged);
          fragmentByEnd.set(g.end, merged);
        }
      } else {
        fragmentByEnd.delete(f.end);
        f.ring.push(end);
        f.end = endIndex;
        fragmentByEnd.set(endIndex, f);
      }
    } else if ((f = fragmentByStart.get(endIndex))) {
      if ((g = fragmentByEnd.get(startIndex))) {
        fragmentByStart.delete(f.start);
        fragmentByEnd.delete(g.end);
        if (f === g) {
          f.ring.push(end);
          callback(f.ring);
        } else {
          const merged = { start: g.start, end: f.end, ring: g.ring.concat(f.ring) };
          fragmentByStart.set(g.start, merged);
          fragmentByEnd.set(f.end, merged);
        }
      } else {
        fragmentByStart.delete(f.start);
        f.ring.unshift(start);
        f.start = startIndex;
        fragmentByStart.set(startIndex, f);
      }
    } else {
      const fresh = { start: startIndex, end: endIndex, ring: [start, end] };
      fragmentByStart.set(startIndex, fresh);
      fragmentByEnd.set(endIndex, fresh);
    }
  };

  // First row (the virtual row above is below every level).
  t1 = above(0);
  CASES[t1 << 1].forEach(stitch);
  while (++x < dx - 1) {
    t0 = t1;
    t1 = above(x + 1);
    CASES[t0 | (t1 << 1)].forEach(stitch);
  }
  CASES[t1 << 0].forEach(stitch);

  // Intermediate rows.
  while (++y < dy - 1) {
    x = -1;
    t1 = above(y * dx + dx);
    t2 = above(y * dx);
    CASES[(t1 << 1) | (t2 << 2)].forEach(stitch);
    while (++x < dx - 1) {
      t0 = t1;
      t1 = above(y * dx + dx + x + 1);
      t3 = t2;
      t2 = above(y * dx + x + 1);
      CASES[t0 | (t1 << 1) | (t2 << 2) | (t3 << 3)].forEach(stitch);
    }
    CASES[t1 | (t2 << 3)].forEach(stitch);
  }

  // Last row.
  x = -1;
  t2 = above(y * dx);
  CASES[t2 << 2].forEach(stitch);
  while (++x < dx - 1) {
    t3 = t2;
    t2 = above(y * dx + x + 1);
    CASES[(t2 << 2) | (t3 << 3)].forEach(stitch);
  }
  CASES[t2 << 3].forEach(stitch);
}

/** Moves each crossing to where the value, linear between the two grid points, equals the level. */
function smoothLinear(ring: Point[], values: Float64Array, dx: number, dy: number, level: number): void {
  for (const point of ring) {
    const x = point[0];
    const y = point[1];
    const xt = x | 0;
    const yt = y | 0;
    const v1 = values[yt * dx + xt];
    if (x > 0 && x < dx && xt === x) {
      const v0 = values[yt * dx + xt - 1];
      point[0] = x + (level - v0) / (v1 - v0) - 0.5;
    }
    if (y > 0 && y < dy && yt === y) {
      const v0 = values[(yt - 1) * dx + xt];
      point[1] = y + (level - v0) / (v1 - v0) - 0.5;
    }
  }
}

function ringArea(ring: Point[]): number {
  let area = ring[ring.length - 1][1] * ring[0][0] - ring[ring.length - 1][0] * ring[0][1];
  for (let i = 1; i < ring.length; i++) area += ring[i - 1][1] * ring[i][0] - ring[i - 1][0] * ring[i][1];
  return area;
}

function ringContains(ring: Point[], hole: Point[]): number {
  for (const point of hole) {
    const c = ringContainsPoint(ring, point);
    if (c) return c;
  }
  return 0;
}

function ringContainsPoint(ring: Point[], point: Point): number {
  const x = point[0];
  const y = point[1];
  let contains = -1;
  for (let i = 0, n = ring.length, j = n - 1; i < n; j = i++) {
    const pi = ring[i];
    const xi = pi[0];
    const yi = pi[1];
    const pj = ring[j];
    const xj = pj[0];
    const yj = pj[1];
    if (segmentContains(pi, pj, point)) return 0;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) contains = -contains;
  }
  return contains;
}

function segmentContains(a: Point, b: Point, c: Point): boolean {
  const i = a[0] === b[0] ? 1 : 0;
  return collinear(a, b, c) && within(a[i], c[i], b[i]);
}

function collinear(a: Point, b: Point, c: Point): boolean {
  return (b[0] - a[0]) * (c[1] - a[1]) === (c[0] - a[0]) * (b[1] - a[1]);
}

function within(p: number, q: number, r: number): boolean {
  return (p <= q && q <= r) || (r <= q && q <= p);
}
