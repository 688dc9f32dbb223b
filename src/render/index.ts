/**
 * Spec → SVG / PNG / RGBA / GIF / file, re-exported for src/index.ts.
 */
export { renderSvg, compileSpec } from "./svg";
export type { RenderSvgOptions } from "./svg";
export { renderPng, renderRgba, svgToPng, svgToRgba } from "./png";
export type { RenderPngOptions, RenderRgbaOptions, RgbaImage } from "./png";
export { encodeGif } from "./gif";
export type { EncodeGifOptions } from "./gif";
export {
  animateFrames,
  animateSpecs,
  formatAnimationTiming,
  frameTemplate,
  FrameRenderer,
  saveAnimation,
} from "./animation";
export type {
  AnimateFramesOptions,
  Animation,
  AnimationTiming,
  FrameTemplate,
  SaveAnimationOptions,
  SavedAnimation,
} from "./animation";
export { saveFigure, saveBytes } from "./files";
export type { SaveFigureOptions } from "./files";
