/**
 * Lab 000's figures of an SSNN training run (src/models/ssnn-run.ts), as pure Vega-Lite specs:
 *  - `ssnnTrainingFrame`: one GIF frame, the roll-out after an epoch over the true signal ("Output
 *    over time") above the loss per epoch so far ("Loss over epoch"), epoch, loss and det(O) below;
 *  - `ssnnConvergenceExplorer`: the same figure with an epoch slider (a Vega-Lite parameter bound
 *    to a range input, so it moves in the browser without a kernel) and tooltips on its lines; at
 *    its default, the last epoch, it draws what the last GIF frame shows;
 *  - `ssnnBatchLogChart`: loss and |det(O)| per batch; `rollOutWindowsChart`: roll-outs with windows
 *    of 10 and of the training length.
 * Every figure stays under ~960 px wide (a notebook column). Used by notebook 000 and
 * bench/ours/lab000.ts; rendered by src/render, shown by src/notebook. Introduced in lab 000.
 */
import type { TopLevelSpec } from "vega-lite";
import type { RollOutWindows, SsnnRun } from "../models/ssnn-run";
import { hconcat, vconcat, withTitle } from "./compose";
import { roundSignificant } from "../options";
import { lineChart } from "./lines";
import { decadeTicks, epochTicks } from "./ticks";
import { EMBED_OPTIONS, IN_BROWSER } from "./explorable";

type Json = Record<string, unknown>;

/** The epoch parameter's name in the explorer's expressions. */
const EPOCH = "epoch";

function checkEpoch(where: string, run: SsnnRun, epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= run.epochs) {
    throw new RangeError(
      `${where}: epoch must be an integer in [0, ${run.epochs - 1}] (counted from 0; ${run.name} has ${run.epochs} epochs), got ${epoch}`,
    );
  }
}

/** The caption of epoch `epoch` (from 0): "epoch 3/10 · loss 0.123 · det(O) -5.72e-20". */
function caption(run: SsnnRun, epoch: number): string {
  return `epoch ${epoch + 1}/${run.epochs} · loss ${run.epochLoss[epoch].toPrecision(3)} · det(O) ${run.epochDetO[epoch].toExponential(2)}`;
}

/** The two panels of the frame after epoch `epoch` (from 0), and the frame's layout options. */
function framePanels(run: SsnnRun, epoch: number) {
  const plotSize = run.rollOutLength;
  const limit = run.data.peak + 5; // the original's ylim: ±(amplitude + 5)
  const yTick = 5 * Math.floor(limit / 5);
  // The loss axis is fixed over the whole run, so every frame has the same size and the curve does not jump.
  const lossRange: [number, number] = [Math.min(...run.epochLoss) / 1.5, Math.max(...run.epochLoss) * 1.5];
  const output = withTitle(
    lineChart({
      series: [
        { name: "true signal", values: run.data.continuation.subarray(0, plotSize), color: "#bbbbbb" },
        { name: "roll-out", values: run.rollOuts[epoch], color: "b" },
      ],
      width: 300,
      height: 100,
      xDomain: [0, plotSize - 1],
      yDomain: [-limit, limit],
      xTicks: [0, Math.round(plotSize / 2), plotSize - 1],
      yTicks: [-yTick, 0, yTick],
      // A GIF frame, and the single view the explorer layers its own slider and hover onto.
      interactive: false,
    }),
    "Output over time",
  );
  const epochsSoFar = Array.from({ length: epoch + 1 }, (_, e) => e + 1);
  const loss = withTitle(
    lineChart({
      series: [{ name: "loss", x: epochsSoFar, values: run.epochLoss.slice(0, epoch + 1), color: "k" }],
      width: 300,
      height: 100,
      xDomain: [1, Math.max(2, run.epochs)],
      xTicks: epochTicks(run.epochs),
      yScale: "log",
      yDomain: lossRange,
      yTicks: decadeTicks(lossRange),
      interactive: false,
    }),
    "Loss over epoch",
  );
  const layout = { spacing: 12, resolve: { scale: { color: "independent" }, legend: { color: "independent" } } };
  return { output, loss, layout };
}

/**
 * Frame `epoch` (from 0) of a run: the roll-out after that epoch over the true signal, and the loss
 * per epoch so far. Few tick labels on purpose: rasterising each text costs about 1 ms, most of a
 * frame's time. Frames of one run differ only in data and caption, so src/render/animation.ts
 * compiles their layout once.
 */
export function ssnnTrainingFrame(run: SsnnRun, epoch: number): TopLevelSpec {
  checkEpoch("ssnnTrainingFrame", run, epoch);
  const { output, loss, layout } = framePanels(run, epoch);
  return vconcat([output, loss], { ...layout, title: { text: caption(run, epoch), orient: "bottom", fontSize: 12 } });
}

/** One frame per recorded epoch, for `saveAnimation`. */
export function ssnnTrainingFrames(run: SsnnRun): TopLevelSpec[] {
  if (run.epochs === 0) throw new Error(`ssnnTrainingFrames: ${run.name} has no epoch recorded yet`);
  return run.rollOuts.map((_, epoch) => ssnnTrainingFrame(run, epoch));
}

/** A rule under the pointer at the nearest x, with the hovered row's fields as tooltip (invisible otherwise). */
function hoverRule(name: string, x: Json, tooltip: Json[]): Json {
  return {
    transform: [{ filter: IN_BROWSER }],
    params: [{ name, select: { type: "point", fields: ["x"], nearest: true, on: "mouseover", clear: "mouseout" } }],
    mark: { type: "rule", color: "#888888", strokeWidth: 1 },
    encoding: { x, opacity: { condition: { param: name, empty: false, value: 1 }, value: 0 }, tooltip },
  };
}

/**
 * The run under the reader's hand: an epoch slider moves the roll-out after that epoch and the loss
 * curve up to it (the rest of it in light grey), with epoch, loss and det(O) below; hovering
 * a panel shows the values at the nearest point. At its default, the last epoch, it draws the last
 * GIF frame. Data inline (one row per epoch holding its roll-out as an array), so the page needs no
 * kernel and no network; the embed options are in `usermeta.embedOptions` (tslab sends no metadata).
 */
export function ssnnConvergenceExplorer(run: SsnnRun): TopLevelSpec {
  if (run.epochs === 0) throw new Error(`ssnnConvergenceExplorer: ${run.name} has no epoch recorded yet`);
  const last = run.epochs - 1;
  // The last frame's panels give the axes, scales and colours; only their data become interactive.
  const { output, loss, layout } = framePanels(run, last) as unknown as { output: Json; loss: Json; layout: Json };
  const outputEncoding = output.encoding as Json;
  const lossEncoding = loss.encoding as Json;
  // Values rounded as lineChart stores them, so that the explorer draws what the frames draw.
  const rounded = (v: number) => roundSignificant(v);
  const truth = Array.from(run.data.continuation.subarray(0, run.rollOutLength), (v, x) => ({
    x,
    "true signal": rounded(v),
  }));
  const rollOuts = run.rollOuts.map((r, e) => ({ epoch: e + 1, "roll-out": Array.from(r, rounded) }));
  const losses = run.epochLoss.map((l, e) => ({
    x: e + 1,
    y: rounded(l),
    series: "loss",
    detO: run.epochDetO[e].toExponential(2),
  }));

  const outputPanel: Json = {
    title: output.title,
    width: output.width,
    height: output.height,
    data: { values: rollOuts },
    transform: [
      { filter: `datum.epoch == ${EPOCH}` }, // the epoch's one row …
      { flatten: ["roll-out"] }, // … becomes one row per point, in order
      { window: [{ op: "row_number", as: "x" }] },
      { calculate: "datum.x - 1", as: "x" },
      { lookup: "x", from: { data: { values: truth }, key: "x", fields: ["true signal"] } },
    ],
    layer: [
      {
        transform: [{ fold: ["true signal", "roll-out"], as: ["series", "y"] }],
        mark: output.mark,
        encoding: outputEncoding,
      },
      hoverRule("hoverOutput", { ...(outputEncoding.x as Json) }, [
        { field: "x", type: "quantitative", title: "step" },
        { field: "true signal", type: "quantitative", format: ".4~g" },
        { field: "roll-out", type: "quantitative", format: ".4~g" },
      ]),
    ],
  };
  const lossPanel: Json = {
    title: loss.title,
    width: loss.width,
    height: loss.height,
    data: { values: losses },
    layer: [
      // The loss up to the slider's epoch, as the frame draws it, and the rest of the run faint.
      { transform: [{ filter: `datum.x <= ${EPOCH}` }], mark: loss.mark, encoding: lossEncoding },
      {
        transform: [{ filter: `datum.x >= ${EPOCH}` }],
        mark: loss.mark,
        encoding: { ...lossEncoding, color: { value: "#cccccc" } },
      },
      hoverRule("hoverLoss", { ...(lossEncoding.x as Json) }, [
        { field: "x", type: "quantitative", title: "epoch" },
        { field: "y", type: "quantitative", title: "loss", format: ".4~g" },
        { field: "detO", type: "nominal", title: "det(O)" },
      ]),
    ],
  };
  const captions = run.epochLoss.map((_, e) => caption(run, e));
  const spec = vconcat([outputPanel, lossPanel] as unknown as TopLevelSpec[], {
    ...(layout as object),
    title: { text: { expr: `${JSON.stringify(captions)}[${EPOCH} - 1]` }, orient: "bottom", fontSize: 12 } as never,
  }) as unknown as Json;
  return {
    ...spec,
    params: [
      { name: EPOCH, value: last + 1, bind: { input: "range", min: 1, max: run.epochs, step: 1, name: "epoch " } },
    ],
    usermeta: { embedOptions: EMBED_OPTIONS },
  } as unknown as TopLevelSpec;
}

/** The runs' logs per batch, on an axis of epochs (batch i of an epoch of n batches at epoch + i/n): loss and |det(O)|, one row per run. */
export function ssnnBatchLogChart(runs: readonly SsnnRun[]): TopLevelSpec {
  if (!Array.isArray(runs) || runs.length === 0)
    throw new TypeError("ssnnBatchLogChart: pass a non-empty array of recorded runs");
  const row = (run: SsnnRun) => {
    const perEpoch = run.batchLoss.length / run.epochs;
    const x = run.batchLoss.map((_, i) => i / perEpoch);
    const panel = (title: string, values: number[], color: string) =>
      lineChart({
        series: [{ name: title, x, values, color }],
        title: `${run.name}: ${title}`,
        xTitle: "epoch",
        yScale: "log",
        width: 280,
        height: 130,
        strokeWidth: 1,
      });
    return hconcat([
      panel("loss per batch", run.batchLoss, "k"),
      panel("|det(O)| per batch", run.batchDetO.map(Math.abs), "r"),
    ]);
  };
  return vconcat(runs.map(row));
}

/**
 * A trained net's roll-outs with windows of 10 (the lab's) and of the training length, over the
 * true signal; the legend goes below the plot so that two of these side by side fit a notebook column.
 */
export function rollOutWindowsChart(run: SsnnRun, windows: RollOutWindows): TopLevelSpec {
  const limit = run.data.peak + 5;
  const spec = lineChart({
    series: [
      { name: "true signal", values: windows.truth, color: "#bbbbbb" },
      { name: `windows of ${windows.seedWindow} (lab)`, values: windows.seedWindows, color: "b" },
      { name: `windows of ${windows.trainingWindow}`, values: windows.trainingWindows, color: "r" },
    ],
    title: run.name,
    width: 300,
    height: 160,
    xDomain: [0, run.rollOutLength - 1],
    yDomain: [-limit, limit],
  }) as unknown as { encoding: { color: { legend: Json } } };
  Object.assign(spec.encoding.color.legend, { orient: "bottom", direction: "vertical" });
  return spec as unknown as TopLevelSpec;
}
