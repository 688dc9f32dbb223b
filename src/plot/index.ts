/**
 * The chart builders (pure Vega-Lite specs), re-exported for src/index.ts.
 */
export { lineChart, powerOfTenLabel, powerOfTenLabelExpr, VEGA_LITE_SCHEMA } from "./lines";
export type { LineChartOptions, LineSeries } from "./lines";
export { gradientOverTimeChart, GRADIENT_OVER_TIME_TITLE } from "./gradient-over-time";
export type { GradientCurve, GradientOverTimeOptions } from "./gradient-over-time";
export { gradientReachExplorer, gradientReachRows } from "./gradient-reach";
export type { GradientReachCurve, GradientReachExplorerOptions, GradientReachRow } from "./gradient-reach";
export { EMBED_OPTIONS, withEmbedOptions } from "./explorable";
export type { SurfaceMarker, SurfacePanelInfo, TrajectoryInfo } from "./explorable";
export {
  lossSurfaceChart,
  lossSurfaceFigure,
  DEFAULT_SURFACE_LEVELS,
  STAR_SHAPE,
  TRAJECTORY_DATASET,
  ITERATION_PARAM,
} from "./surface";
export type { LossSurfaceChartOptions, LossSurfaceFigureOptions, SurfacePoint, SurfaceTrajectory } from "./surface";
export { levelRegions, logLevels } from "./contours";
export type { SurfaceGrid, LevelSpec, LevelRegion, Polygon, Ring } from "./contours";
export { hconcat, vconcat, layer, withTitle } from "./compose";
export type { ConcatOptions, TitleInput } from "./compose";
export { MATPLOTLIB_COLORS, TAB10, resolveColor } from "./colors";
export { decadeTicks, epochTicks } from "./ticks";
export {
  ssnnTrainingFrame,
  ssnnTrainingFrames,
  ssnnConvergenceExplorer,
  ssnnBatchLogChart,
  rollOutWindowsChart,
} from "./ssnn-convergence";
export { heartbeatExplorer, mostVaryingUnits } from "./heartbeat-explorer";
export type { HeartbeatExplorerOptions } from "./heartbeat-explorer";
