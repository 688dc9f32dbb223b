/**
 * Tooltips for a line chart from `lineChart` (src/plot/lines.ts): a point layer over the lines,
 * invisible until the pointer comes near one of its points (Vega-Lite's `nearest` point
 * selection), which then shows as a dot with a tooltip of its series, x and y. Pure: takes a spec,
 * returns a layered spec with the same data and scales; the static render is unchanged (the dots
 * exist only in a browser: see IN_BROWSER). Used by notebooks 003 and 004 (weights per RProp iteration, gradient over time).
 */
import type { TopLevelSpec } from "vega-lite";
import { describe, rejectUnknownOptions } from "../options";
import { EMBED_OPTIONS, IN_BROWSER } from "./explorable";

export interface LineTooltipOptions {
  /** d3 format of the y value in the tooltip (default '.4~g'). */
  yFormat?: string;
  /** d3 format of the x value (default: as the axis labels it, or '~g'). */
  xFormat?: string;
}

/** Name of the hover selection the tooltip layer defines. */
export const HOVER_PARAM = "hover";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The line chart with a tooltip on every point: hovering near a point shows it as a dot with
 * (series, x, y), titled as the chart's legend and axes. Embed options go in usermeta.
 */
export function withLineTooltips(spec: TopLevelSpec, options: LineTooltipOptions = {}): TopLevelSpec {
  const where = "withLineTooltips";
  rejectUnknownOptions(where, options, ["yFormat", "xFormat"]);
  const s = spec as unknown as Json;
  const mark = s?.mark;
  if (
    s === null ||
    typeof s !== "object" ||
    (mark?.type ?? mark) !== "line" ||
    s.encoding?.x === undefined ||
    s.encoding?.y === undefined
  ) {
    throw new TypeError(
      `${where}: expected a single-view line chart from lineChart (mark 'line', x and y encodings), got ${describe(spec)}`,
    );
  }
  const { mark: lineMark, encoding, ...top } = s;
  const { x, y, color } = encoding as Json;
  const title = (channel: Json | undefined, fallback: string): string =>
    typeof channel?.title === "string"
      ? channel.title
      : typeof channel?.legend?.title === "string"
        ? channel.legend.title
        : fallback;
  const tooltip: Json[] = [];
  if (color?.field !== undefined)
    tooltip.push({ field: color.field, type: color.type ?? "nominal", title: title(color, "series") });
  tooltip.push({
    field: x.field,
    type: "quantitative",
    title: title(x, "x"),
    format: options.xFormat ?? x.axis?.format ?? "~g",
  });
  tooltip.push({ field: y.field, type: "quantitative", title: title(y, "y"), format: options.yFormat ?? ".4~g" });
  const dots: Json = {
    transform: [{ filter: IN_BROWSER }],
    params: [{ name: HOVER_PARAM, select: { type: "point", on: "mouseover", nearest: true, clear: "mouseout" } }],
    mark: { type: "point", filled: true, size: 45, clip: true },
    encoding: {
      x: { field: x.field, type: "quantitative" },
      y: { field: y.field, type: "quantitative" },
      // The lines' own colour channel, legend included: one scale and one legend for both layers.
      ...(color !== undefined ? { color } : {}),
      opacity: { condition: { param: HOVER_PARAM, empty: false, value: 1 }, value: 0 },
      tooltip,
    },
  };
  const usermeta = { ...(top.usermeta ?? {}), embedOptions: EMBED_OPTIONS };
  return { ...top, usermeta, layer: [{ mark: lineMark, encoding }, dots] } as unknown as TopLevelSpec;
}
