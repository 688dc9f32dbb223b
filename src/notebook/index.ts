/**
 * Notebook display and progress, re-exported for src/index.ts.
 */
export {
  show,
  showGif,
  showMarkdown,
  showHtml,
  createDisplay,
  displayBundle,
  describeSpec,
  inNotebook,
  VEGA_LITE_MIME,
} from "./display";
export type { ShowOptions, ShowGifOptions, UpdatableDisplay, MimeBundle, DisplayMessage } from "./display";
export { progress, formatDuration, formatNumber } from "./progress";
export type { Progress, ProgressOptions, ProgressInfo } from "./progress";

// Long loops of the lower layers (train, the parallel runs) report through src/progress-sink.ts;
// loading the notebook layer makes them draw its bars (a worker or a bare import draws nothing).
import { setDefaultProgress } from "../progress-sink";
import { progress as notebookProgress } from "./progress";
setDefaultProgress(({ label, total }) => notebookProgress({ label, total }));
export { showSource, librarySource } from "./source";
export type { LibrarySource } from "./source";
