/**
 * What makes a chart explorable in the browser without a kernel, shared by the explorable specs
 * of labs 003 and 004 (src/plot/surface.ts, src/plot/gradient-over-time.ts, src/plot/line-tooltips.ts):
 * the embed options a spec carries for vega-embed (JupyterLab's renderer reads them from
 * `usermeta.embedOptions`, since tslab sends no output metadata), and the `usermeta.bpttLab`
 * marker by which the results site finds a loss surface and what it covers (its live RProp
 * explorable draws on it). Introduced in lab 003.
 */
import type { TopLevelSpec } from "vega-lite";

/**
 * vega-embed options carried in every explorable spec: the "…" menu keeps "save as SVG/PNG" but
 * drops the links to the online Vega editor and the source views, which need the network (the
 * results site works offline).
 */
export const EMBED_OPTIONS = Object.freeze({
  actions: Object.freeze({ export: true, source: false, compiled: false, editor: false }),
});

/**
 * A Vega expression true only where a browser draws the chart: hover-only layers (tooltip cells,
 * hover dots and their Voronoi cells) filter on it, so the static fallback, rendered in Node
 * (src/render/svg.ts, no window: Vega's `screen()` is {} there), carries none of their invisible
 * items (a Voronoi path per point made lab 003's weight chart 18× larger as SVG).
 */
export const IN_BROWSER = "isDefined(screen().width)";

/** One loss-surface panel, as the marker records it (hconcat order, left to right). */
export interface SurfacePanelInfo {
  /** Range of w_x the panel covers, [from, to] (the grid's first and last x). */
  x: [number, number];
  /** Range of w_rec, [from, to]. */
  y: [number, number];
  /** Plot area in pixels. */
  width: number;
  height: number;
  /** Grid points per axis, [along x, along y]. */
  grid: [number, number];
}

/** Where a surface spec keeps its optimiser path. */
export interface TrajectoryInfo {
  /** Top-level Vega-Lite dataset (rows {iteration, w_x, w_rec, loss?}), in the compiled Vega a data source of that name. */
  dataset: string;
  /** The Vega-Lite param the iteration slider drives (null: no slider). */
  param: string | null;
  /** Index of the last iterate (the slider's range is 0 … iterations). */
  iterations: number;
  /** Whether the rows carry `loss`. */
  losses: boolean;
}

/** `usermeta.bpttLab` of a loss-surface spec: what the results site hooks on. */
export interface SurfaceMarker {
  explorable: "loss-surface";
  /** The lab, e.g. "003" (set by lossSurfaceFigure's `lab`). */
  lab?: string;
  panels: SurfacePanelInfo[];
  /** Field names in the spec's data: trajectory rows, tooltip cells. */
  fields: { wx: "w_x"; wRec: "w_rec"; loss: "loss"; iteration: "iteration" };
  /** The colours show loss + lossOffset (labs 003/004: 1); `loss` fields hold the loss itself. */
  lossOffset: number;
  trajectory: TrajectoryInfo | null;
}

/** The usermeta of a loss-surface spec: embed options and the marker. */
export function surfaceUsermeta(marker: Omit<SurfaceMarker, "explorable" | "fields">): {
  embedOptions: typeof EMBED_OPTIONS;
  bpttLab: SurfaceMarker;
} {
  const bpttLab: SurfaceMarker = {
    explorable: "loss-surface",
    ...(marker.lab === undefined ? {} : { lab: marker.lab }),
    panels: marker.panels,
    fields: { wx: "w_x", wRec: "w_rec", loss: "loss", iteration: "iteration" },
    lossOffset: marker.lossOffset,
    trajectory: marker.trajectory,
  };
  return { embedOptions: EMBED_OPTIONS, bpttLab };
}

/** The spec with the embed options in its usermeta (other usermeta kept). */
export function withEmbedOptions(spec: TopLevelSpec): TopLevelSpec {
  const usermeta = (spec as { usermeta?: Record<string, unknown> }).usermeta ?? {};
  return { ...(spec as object), usermeta: { ...usermeta, embedOptions: EMBED_OPTIONS } } as unknown as TopLevelSpec;
}
