/**
 * Spec → SVG text, headless (no browser, no canvas): Vega-Lite compiles the spec to Vega, and a
 * Vega view with renderer 'none' writes SVG; text widths are estimated, not measured.
 * Used by src/render/png.ts (PNG and RGBA frames), src/render/files.ts (.svg files) and
 * src/notebook/display.ts (the static fallback shipped beside each Vega-Lite output).
 */
import { rejectUnknownOptions } from "../options";
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

/** Vega-Lite's compile warnings (e.g. a dropped encoding), kept to report them once. */
class CollectingLogger {
  readonly warnings: string[] = [];
  private current = vega.Warn;
  level(): number;
  level(level: number): this;
  level(level?: number): number | this {
    if (level === undefined) return this.current;
    this.current = level;
    return this;
  }
  error(...args: readonly unknown[]): this {
    throw new Error(args.map(String).join(" "));
  }
  warn(...args: readonly unknown[]): this {
    this.warnings.push(args.map(String).join(" "));
    return this;
  }
  info(): this {
    return this;
  }
  debug(): this {
    return this;
  }
}

export interface CompiledSpec {
  vega: vega.Spec;
  warnings: string[];
}

/** Vega-Lite → Vega; a spec Vega-Lite rejects throws one line naming the problem. */
export function compileSpec(spec: TopLevelSpec, where = "renderSvg"): CompiledSpec {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError(
      `${where}: expected a Vega-Lite spec object (from lineChart, lossSurfaceChart, …), got ${spec === null ? "null" : typeof spec}`,
    );
  }
  checkMarks(spec, "spec", where);
  const logger = new CollectingLogger();
  try {
    const compiled = vegaLite.compile(spec, { logger });
    return { vega: compiled.spec as vega.Spec, warnings: logger.warnings };
  } catch (e) {
    throw new Error(`${where}: Vega-Lite could not compile the spec: ${(e as Error).message}`, { cause: e });
  }
}

const MARKS = [
  "arc",
  "area",
  "bar",
  "image",
  "line",
  "point",
  "rect",
  "rule",
  "text",
  "tick",
  "trail",
  "circle",
  "square",
  "geoshape",
  "boxplot",
  "errorband",
  "errorbar",
];

/**
 * Vega-Lite crashes on an unknown mark with "Cannot read properties of undefined"; name the
 * mark and where it is instead (the most common hand-edit mistake in a spec).
 */
function checkMarks(node: unknown, at: string, where: string): void {
  if (node === null || typeof node !== "object") return;
  const n = node as Record<string, unknown>;
  if ("mark" in n) {
    const mark = n.mark;
    const type =
      typeof mark === "string"
        ? mark
        : typeof mark === "object" && mark !== null
          ? (mark as { type?: unknown }).type
          : undefined;
    if (typeof type !== "string" || !MARKS.includes(type)) {
      throw new Error(
        `${where}: ${at}.mark has unknown type ${JSON.stringify(type)}; Vega-Lite marks are ${MARKS.join(", ")}`,
      );
    }
  }
  for (const key of ["layer", "hconcat", "vconcat", "concat"]) {
    const children = n[key];
    if (Array.isArray(children)) children.forEach((c, i) => checkMarks(c, `${at}.${key}[${i}]`, where));
  }
  if ("spec" in n) checkMarks(n.spec, `${at}.spec`, where);
}

export interface RenderSvgOptions {
  /** Print Vega-Lite's warnings to stderr (default true): they usually mean a dropped channel. */
  warn?: boolean;
}

/** Renders a Vega-Lite spec to an SVG document (a string starting with `<svg`). */
export async function renderSvg(spec: TopLevelSpec, options: RenderSvgOptions = {}): Promise<string> {
  rejectUnknownOptions("renderSvg", options, ["warn"]);
  const { vega: vgSpec, warnings } = compileSpec(spec, "renderSvg");
  if (options.warn !== false) for (const w of warnings) console.warn(`renderSvg: Vega-Lite warning: ${w}`);
  let view: vega.View | undefined;
  try {
    view = new vega.View(vega.parse(vgSpec), { renderer: "none", logLevel: vega.Error });
    return await view.toSVG();
  } catch (e) {
    throw new Error(`renderSvg: Vega could not render the spec: ${(e as Error).message}`, { cause: e });
  } finally {
    // Releases the view's timers and listeners; renderer 'none' holds no DOM.
    view?.finalize();
  }
}
