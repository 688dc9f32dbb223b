/**
 * The chart builders (pure Vega-Lite specs), re-exported for src/index.ts.
 */
export { lineChart, gradientOverTimeChart, GRADIENT_OVER_TIME_TITLE, powerOfTenLabel, powerOfTenLabelExpr, VEGA_LITE_SCHEMA } from './lines';
export type { LineChartOptions, LineSeries, GradientCurve, GradientOverTimeOptions } from './lines';
export { gradientReachExplorer, gradientReachRows } from './gradient-reach';
export type { GradientReachCurve, GradientReachExplorerOptions, GradientReachRow } from './gradient-reach';
export { lossSurfaceChart, lossSurfaceFigure, DEFAULT_SURFACE_LEVELS, STAR_SHAPE } from './surface';
export type { LossSurfaceChartOptions, LossSurfaceFigureOptions, SurfacePoint, SurfaceTrajectory } from './surface';
export { levelRegions, logLevels, flattenGrid } from './contours';
export type { SurfaceGrid, LevelSpec, LevelRegion, Polygon, Ring } from './contours';
export { hconcat, vconcat, layer, withTitle } from './compose';
export type { ConcatOptions, TitleInput } from './compose';
export { MATPLOTLIB_COLORS, TAB10, resolveColor } from './colors';
