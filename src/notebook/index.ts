/**
 * Notebook display and progress, re-exported for src/index.ts.
 */
export {
  show, showGif, showMarkdown, showHtml, createDisplay, displayBundle, describeSpec,
  inNotebook, setDisplayWriter, currentDisplayWriter, VEGA_LITE_MIME,
} from './display';
export type { ShowOptions, ShowGifOptions, UpdatableDisplay, MimeBundle, DisplayMessage, DisplayWriter } from './display';
export { progress, formatDuration, formatNumber } from './progress';
export type { Progress, ProgressOptions, ProgressInfo } from './progress';
