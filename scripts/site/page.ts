// The script of the results pages (bundled into results/assets/site.js by scripts/site/bundle.ts):
// draws every chart live from its Vega-Lite spec with vega and vega-lite (assets/vega.min.js and
// assets/vega-lite.min.js, loaded before it as globals), so sliders, selections and tooltips work
// in the page as in JupyterLab, offline and from file://. Without scripts, or when a chart fails to
// draw, the static SVG/PNG the notebook sent stays in its place.
//
// The page's HTML (scripts/runner/html.ts) gives each chart as
//   <figure class="chart"><div class="chart-live"></div><img class="chart-static" …>
//     <script type="application/json" class="chart-spec">{…Vega-Lite…}</script></figure>
// A spec marked by usermeta.bpttLab (scripts/site/explorable.ts) also becomes a live explorable:
// for "live-rprop", a click on the loss surface runs the library's RProp and plain gradient descent
// from that point (scripts/site/live-rprop.ts) and draws both paths on every panel.
//
// For the browser tests, window.bpttLab lists the drawn charts with their vega Views, and
// <html data-charts="ready"> says every chart has been tried.
import type * as VegaModule from "vega";
import type * as VegaLiteModule from "vega-lite";
import { explorableMarker, type LiveRpropMarker } from "./explorable";
import { gradientDescentPath, rpropPath, type OptimizerPath } from "./live-rprop";

const vega = (globalThis as unknown as { vega: typeof VegaModule }).vega;
const vegaLite = (globalThis as unknown as { vegaLite: typeof VegaLiteModule }).vegaLite;

type Json = Record<string, unknown>;
type View = VegaModule.View;

export interface LiveChart {
  figure: HTMLElement;
  spec: Json;
  view: View;
  /** For a live-rprop explorable: runs both paths from a start and draws them (what a click does). */
  runFrom?: (start: [number, number]) => Promise<LiveResult>;
}

/** What a live-rprop run drew, also written to the figure's data-live-result as JSON. */
export interface LiveResult {
  start: [number, number];
  rprop: { end: [number, number]; loss: number; iterations: number };
  gradientDescent: { end: [number, number]; loss: number | null; iterations: number; stopped?: string };
}

declare global {
  interface Window {
    bpttLab?: { charts: LiveChart[]; ready: Promise<void> };
  }
}

// ---- live-rprop: the layers and the click signal added to a marked loss-surface figure

const DATA = { rprop: "bptt_live_rprop", gd: "bptt_live_gd", start: "bptt_live_start" } as const;
const CLICK_SIGNAL = "bptt_live_click";
const GD_COLOR = "#ff7f0e";

/** An explicit scale domain of the panel's `channel`, so the paths never stretch the axes. */
function explicitDomain(panel: Json, channel: "x" | "y"): unknown {
  const units = Array.isArray(panel.layer) ? (panel.layer as Json[]) : [panel];
  for (const unit of units) {
    const domain = ((unit.encoding as Json | undefined)?.[channel] as Json | undefined)?.scale as Json | undefined;
    if (domain?.domain !== undefined) return domain.domain;
  }
  return undefined;
}

function pathLayers(panel: Json): Json[] {
  const xDomain = explicitDomain(panel, "x");
  const yDomain = explicitDomain(panel, "y");
  const position = {
    x: { field: "wx", type: "quantitative", ...(xDomain === undefined ? {} : { scale: { domain: xDomain } }) },
    y: { field: "wRec", type: "quantitative", ...(yDomain === undefined ? {} : { scale: { domain: yDomain } }) },
  };
  const tooltip = [
    { field: "path", type: "nominal", title: "optimiser" },
    { field: "i", type: "quantitative", title: "iteration" },
    { field: "wx", type: "quantitative", title: "w_x", format: ".4f" },
    { field: "wRec", type: "quantitative", title: "w_rec", format: ".4f" },
    { field: "loss", type: "quantitative", title: "ξ", format: ".3e" },
  ];
  const line = (data: string, color: string, width: number, opacity = 1): Json => ({
    data: { name: data },
    mark: { type: "line", color, strokeWidth: width, opacity, clip: true },
    encoding: { ...position, order: { field: "i", type: "quantitative" } },
  });
  return [
    line(DATA.gd, GD_COLOR, 2),
    {
      data: { name: DATA.gd },
      mark: { type: "point", filled: true, color: GD_COLOR, size: 14, clip: true },
      encoding: { ...position, tooltip },
    },
    // A dark line under the white one keeps RProp's path visible on the yellow plateaus.
    line(DATA.rprop, "black", 3.2, 0.45),
    line(DATA.rprop, "white", 1.6),
    {
      data: { name: DATA.rprop },
      mark: { type: "point", filled: true, color: "white", size: 10, clip: true },
      encoding: { ...position, tooltip },
    },
    {
      data: { name: DATA.start },
      mark: {
        type: "point",
        shape: "cross",
        filled: true,
        color: "#d62728",
        stroke: "white",
        strokeWidth: 0.8,
        size: 140,
        clip: true,
      },
      encoding: {
        ...position,
        tooltip: [
          { field: "wx", title: "start w_x", format: ".3f" },
          { field: "wRec", title: "start w_rec", format: ".3f" },
        ],
      },
    },
  ];
}

/** The figure with the path layers on every panel (a unit panel becomes a layer of one). */
function withPathLayers(spec: Json): Json {
  const addTo = (panel: Json): Json => {
    if (Array.isArray(panel.layer)) return { ...panel, layer: [...(panel.layer as Json[]), ...pathLayers(panel)] };
    const { mark, encoding, transform, params, projection, data, ...outer } = panel;
    const unit: Json = { mark, encoding, transform, params, projection, data };
    for (const key of Object.keys(unit)) if (unit[key] === undefined) delete unit[key];
    return { ...outer, layer: [unit, ...pathLayers(panel)] };
  };
  for (const key of ["hconcat", "vconcat", "concat"]) {
    if (Array.isArray(spec[key])) return { ...spec, [key]: (spec[key] as Json[]).map(addTo) };
  }
  return addTo(spec);
}

interface VegaMark {
  type?: string;
  name?: string;
  axes?: Array<{ scale: string; orient: string }>;
}

/**
 * A signal set to [w_x, w_rec] under a click on any panel (null elsewhere): each panel is a group
 * of the compiled Vega spec whose axes name its x and y scales; the click is inverted through the
 * scales of the panel it fell in.
 */
function addClickSignal(vg: Json): void {
  const axisScales = (axes: VegaMark["axes"]) => ({
    x: axes?.find((a) => a.orient === "bottom" || a.orient === "top")?.scale,
    y: axes?.find((a) => a.orient === "left" || a.orient === "right")?.scale,
  });
  const groups = ((vg.marks as VegaMark[] | undefined) ?? []).filter(
    (m) => m.type === "group" && m.name && m.axes?.length,
  );
  let update: string;
  if (groups.length === 0) {
    const { x, y } = axisScales(vg.axes as VegaMark["axes"]);
    if (!x || !y) throw new Error("live-rprop: the figure has no x and y axes to read a click from");
    update = `[invert(${JSON.stringify(x)}, x()), invert(${JSON.stringify(y)}, y())]`;
  } else {
    update = "null";
    for (const group of [...groups].reverse()) {
      const { x, y } = axisScales(group.axes);
      if (!x || !y) continue;
      const g = `group(${JSON.stringify(group.name)})`;
      const inside = `(${g}.mark && ${g}.mark.name === ${JSON.stringify(group.name)})`;
      update = `${inside} ? [invert(${JSON.stringify(x)}, x(${g})), invert(${JSON.stringify(y)}, y(${g}))] : ${update}`;
    }
  }
  const signals = (vg.signals as Json[] | undefined) ?? [];
  signals.push({ name: CLICK_SIGNAL, value: null, on: [{ events: "click", update }] });
  vg.signals = signals;
}

function rows(name: string, path: OptimizerPath): Json[] {
  return path.points.map(([wx, wRec], i) => ({ path: name, i, wx, wRec, loss: path.losses[i] ?? null }));
}

/** A start as a reader would type it: 3 decimals, which the status line shows in full. */
function roundStart(v: number): number {
  return Math.round(v * 1000) / 1000 + 0; // + 0: no −0
}

const fmt = (v: number, digits = 4) => (Object.is(v, -0) ? 0 : v).toFixed(digits);
const last = <T>(a: T[]): T => a[a.length - 1] as T;

function setUpLiveRprop(
  figure: HTMLElement,
  view: View,
  marker: LiveRpropMarker,
): (start: [number, number]) => Promise<LiveResult> {
  const status = document.createElement("p");
  status.className = "explorable-status";
  status.setAttribute("aria-live", "polite");
  status.innerHTML =
    `<strong>Live:</strong> click the surface to start the library's RProp ` +
    `(<span class="swatch rprop"></span>white) and plain gradient descent ` +
    `(<span class="swatch gd"></span>orange, lr ${marker.gradientDescent.lr}) there, ${marker.iterations} iterations each, run in this page.`;
  figure.appendChild(status);
  figure.classList.add("explorable");

  const runFrom = async (start: [number, number]): Promise<LiveResult> => {
    const rprop = rpropPath(marker, start);
    const gd = gradientDescentPath(marker, start);
    view.data(DATA.rprop, rows("RProp", rprop));
    view.data(DATA.gd, rows("gradient descent", gd));
    view.data(DATA.start, [{ wx: start[0], wRec: start[1] }]);
    await view.runAsync();
    const result: LiveResult = {
      start,
      rprop: { end: last(rprop.points), loss: last(rprop.losses), iterations: rprop.points.length - 1 },
      gradientDescent: {
        end: last(gd.points),
        loss: gd.stopped ? null : last(gd.losses),
        iterations: gd.points.length - 1,
        ...(gd.stopped ? { stopped: gd.stopped } : {}),
      },
    };
    figure.dataset.liveResult = JSON.stringify(result);
    const [rx, ry] = result.rprop.end;
    const [gx, gy] = result.gradientDescent.end;
    status.innerHTML =
      `From (w<sub>x</sub>, w<sub>rec</sub>) = (${fmt(start[0], 3)}, ${fmt(start[1], 3)}): ` +
      `<span class="swatch rprop"></span>RProp → (${fmt(rx)}, ${fmt(ry)}), ξ = ${result.rprop.loss.toExponential(3)} after ${result.rprop.iterations} iterations; ` +
      `<span class="swatch gd"></span>gradient descent ` +
      (gd.stopped
        ? `${gd.stopped}.`
        : `→ (${fmt(gx)}, ${fmt(gy)}), ξ = ${(result.gradientDescent.loss as number).toExponential(3)}.`) +
      ` Click elsewhere to start again.`;
    return result;
  };

  view.addSignalListener(CLICK_SIGNAL, (_name, value) => {
    if (!Array.isArray(value) || !value.every((v) => Number.isFinite(v))) return;
    runFrom([roundStart(value[0] as number), roundStart(value[1] as number)]).catch(reportError(figure));
  });
  return runFrom;
}

// ---- every chart

function reportError(figure: HTMLElement) {
  return (error: unknown) => {
    figure.classList.remove("live");
    figure.classList.add("live-failed");
    // A console error, so that the browser tests notice; the reader keeps the static figure.
    console.error(
      `bptt-lab: chart ${figure.id || "(no id)"} could not be drawn live: ${(error as Error)?.message ?? error}`,
    );
  };
}

async function drawChart(figure: HTMLElement): Promise<LiveChart | undefined> {
  const script = figure.querySelector<HTMLScriptElement>("script.chart-spec");
  const container = figure.querySelector<HTMLElement>(".chart-live");
  if (!script || !container) return undefined;
  const spec = JSON.parse(script.textContent ?? "null") as Json;
  const marker = explorableMarker(spec);
  const vl = marker ? withPathLayers(spec) : spec;
  const vg = vegaLite.compile(vl as unknown as VegaLiteModule.TopLevelSpec).spec as unknown as Json;
  if (marker) addClickSignal(vg);
  const embed = ((spec.usermeta as Json | undefined)?.embedOptions ?? {}) as { renderer?: string };
  const view = new vega.View(vega.parse(vg as VegaModule.Spec), {
    renderer: embed.renderer === "canvas" ? "canvas" : "svg",
    container,
    hover: true,
  });
  await view.runAsync();
  figure.classList.add("live");
  const chart: LiveChart = { figure, spec, view };
  if (marker) {
    chart.runFrom = setUpLiveRprop(figure, view, marker);
    if (marker.start) await chart.runFrom([marker.start[0], marker.start[1]]);
  }
  return chart;
}

async function drawAll(): Promise<LiveChart[]> {
  const charts: LiveChart[] = [];
  for (const figure of Array.from(document.querySelectorAll<HTMLElement>("figure.chart"))) {
    try {
      const chart = await drawChart(figure);
      if (chart) charts.push(chart);
    } catch (error) {
      reportError(figure)(error);
    }
  }
  return charts;
}

if (typeof document !== "undefined") {
  const charts: LiveChart[] = [];
  const ready = new Promise<void>((resolve) => {
    const start = () => {
      if (typeof vega === "undefined" || typeof vegaLite === "undefined") {
        console.error(
          "bptt-lab: vega or vega-lite did not load (assets/vega.min.js, assets/vega-lite.min.js); the pages show the static figures",
        );
        resolve();
        return;
      }
      drawAll()
        .then((drawn) => charts.push(...drawn))
        .finally(() => {
          document.documentElement.dataset.charts = "ready";
          resolve();
        });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  });
  window.bpttLab = { charts, ready };
}
