/**
 * Progress for long loops (training epochs, loss-surface grids, GIF frames).
 * Used by src/train.ts (one bar per training run) and by notebooks directly.
 *
 * Three ways to draw, chosen once at creation ('auto'):
 * - notebook: one updatable output (text/plain + a small HTML bar), redrawn at most every
 *   `every` ms (default 200 ms, ≤ 5 updates/s) so a fast loop is not slowed by messages;
 * - tty: one terminal line redrawn with \r, same throttle;
 * - plain (CI logs, the headless notebook runner): a line each time another ~10 % is done, but
 *   not more often than every 2 s, a heartbeat line after 30 s of silence, and a final line.
 */
import { describe, rejectUnknownOptions } from "../options";
import { createDisplay, inNotebook, UpdatableDisplay } from "./display";

import type { ProgressInfo, ProgressSink } from "../progress-sink";
export type { ProgressInfo };

export interface ProgressOptions {
  /** Number of steps expected (ticks add up to it). */
  total: number;
  /** What is running, e.g. 'ReLU RNN, echo 3'. */
  label: string;
  /** Minimum milliseconds between redraws in notebooks and terminals. Default 200. */
  every?: number;
  /** Default 'auto': notebook if a kernel is attached, tty if stdout is a terminal, else plain. */
  mode?: "auto" | "notebook" | "tty" | "plain" | "silent";
  /** Milliseconds clock (tests inject a fake). Default performance.now. */
  clock?: () => number;
  /** Where tty/plain lines go. Default process.stdout. */
  out?: { write(text: string): unknown; isTTY?: boolean };
  /** Where notebook updates go. Default a new createDisplay(). */
  display?: UpdatableDisplay;
}

export interface Progress extends ProgressSink {
  /** Adds n steps (default 1); info fields (e.g. {loss: 0.0123}) are shown beside the count. */
  tick(n?: number, info?: ProgressInfo): void;
  /** Draws the final state; later ticks are ignored. */
  done(info?: ProgressInfo): void;
  /** Changes the expected total (when it is only known after the first epoch). */
  setTotal(total: number): void;
  readonly count: number;
  readonly mode: "notebook" | "tty" | "plain" | "silent";
}

/** Plain mode: a line per this fraction of the total … */
const PLAIN_FRACTION = 0.1;
/** … but not more often than this … */
const PLAIN_MIN_INTERVAL_MS = 2000;
/** … and at least this often while steps keep coming, so slow runs show signs of life. */
const PLAIN_HEARTBEAT_MS = 30000;

export function progress(options: ProgressOptions): Progress {
  const where = "progress";
  rejectUnknownOptions(where, options, ["total", "label", "every", "mode", "clock", "out", "display"]);
  if (typeof options?.label !== "string")
    throw new TypeError(`${where}: label must be a string naming the loop, got ${describe(options?.label)}`);
  let total = checkTotal(options.total);
  const every = options.every ?? 200;
  if (typeof every !== "number" || !(every >= 0))
    throw new TypeError(`${where}: every must be a number of milliseconds >= 0, got ${describe(every)}`);
  const clock = options.clock ?? (() => performance.now());
  const out = options.out ?? process.stdout;
  const requested = options.mode ?? "auto";
  if (!["auto", "notebook", "tty", "plain", "silent"].includes(requested)) {
    throw new TypeError(
      `${where}: mode must be 'auto', 'notebook', 'tty', 'plain' or 'silent', got ${describe(requested)}`,
    );
  }
  const mode: Progress["mode"] =
    requested !== "auto"
      ? requested
      : options.display !== undefined || inNotebook()
        ? "notebook"
        : out.isTTY
          ? "tty"
          : "plain";

  const label = options.label;
  const start = clock();
  let count = 0;
  let info: ProgressInfo = {};
  let finished = false;
  let lastDraw = start; // plain mode waits PLAIN_MIN_INTERVAL_MS from the start for its first line
  let lastPrintedCount = 0;
  const display = mode === "notebook" ? (options.display ?? createDisplay()) : undefined;

  const snapshot = () => {
    const now = clock();
    const elapsedMs = Math.max(0, now - start);
    const rate = elapsedMs > 0 ? (count * 1000) / elapsedMs : NaN;
    const remaining = Math.max(0, total - count);
    const etaMs = rate > 0 ? (remaining / rate) * 1000 : NaN;
    return { now, elapsedMs, rate, etaMs };
  };

  const textLine = (final: boolean): string => {
    const { elapsedMs, rate, etaMs } = snapshot();
    const pct = Math.min(100, (100 * count) / total);
    const parts = [
      `${label}`,
      `${count}/${total}`,
      `${pct.toFixed(0)}%`,
      formatRate(rate),
      `elapsed ${formatDuration(elapsedMs)}`,
    ];
    if (!final) parts.push(`ETA ${Number.isFinite(etaMs) ? formatDuration(etaMs) : "?"}`);
    const fields = formatInfo(info);
    if (fields !== "") parts.push(fields);
    return parts.join("  ");
  };

  const drawNotebook = (final: boolean): void => {
    const line = textLine(final);
    // pre-wrap: the fields keep their spacing but wrap on a narrow page instead of scrolling sideways.
    const html =
      '<div style="font-family:monospace;font-size:12px;white-space:pre-wrap">' +
      `${escapeHtml(label)} <progress value="${Math.min(count, total)}" max="${total}" style="width:200px;vertical-align:middle"></progress> ` +
      `${escapeHtml(line.slice(label.length + 2))}${final ? " ✓" : ""}</div>`;
    display?.write({ "text/html": html, "text/plain": line });
  };

  const draw = (final: boolean): void => {
    if (mode === "silent") return;
    if (mode === "notebook") drawNotebook(final);
    else if (mode === "tty") out.write(`\r${textLine(final)}\x1b[K${final ? "\n" : ""}`);
    else out.write(`${textLine(final)}\n`);
  };

  if (mode === "notebook" || mode === "tty") {
    draw(false); // the bar shows at once, before the first (possibly slow) step
    lastDraw = clock();
  }

  return {
    get count() {
      return count;
    },
    mode,
    tick(n = 1, newInfo?: ProgressInfo) {
      if (finished) return;
      if (typeof n !== "number" || !Number.isFinite(n))
        throw new TypeError(`progress.tick: n must be a finite number of steps, got ${describe(n)}`);
      count += n;
      if (newInfo !== undefined) info = newInfo;
      const now = clock();
      if (mode === "notebook" || mode === "tty") {
        if (now - lastDraw >= every) {
          draw(false);
          lastDraw = now;
        }
      } else if (mode === "plain") {
        const bucketAdvanced =
          Math.floor(count / (total * PLAIN_FRACTION)) > Math.floor(lastPrintedCount / (total * PLAIN_FRACTION));
        const quiet = now - lastDraw;
        // The 100 % line is done()'s to print (with the final info), not a periodic one.
        const due =
          (bucketAdvanced && quiet >= PLAIN_MIN_INTERVAL_MS) ||
          (count > lastPrintedCount && quiet >= PLAIN_HEARTBEAT_MS);
        if (due && count < total) {
          draw(false);
          lastDraw = now;
          lastPrintedCount = count;
        }
      }
    },
    done(finalInfo?: ProgressInfo) {
      if (finished) return;
      finished = true;
      if (finalInfo !== undefined) info = { ...info, ...finalInfo };
      draw(true);
    },
    setTotal(newTotal: number) {
      total = checkTotal(newTotal);
    },
  };
}

function checkTotal(total: unknown): number {
  if (typeof total !== "number" || !Number.isFinite(total) || total <= 0) {
    throw new TypeError(`progress: total must be a number of steps > 0, got ${describe(total)}`);
  }
  return total;
}

/** h:mm:ss or m:ss. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "– it/s";
  return perSecond >= 1 ? `${formatNumber(perSecond)} it/s` : `${formatNumber(1 / perSecond)} s/it`;
}

/** Four significant digits, no trailing zeros; tiny or huge values in exponent form. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

function formatInfo(info: ProgressInfo): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : v}`)
    .join(" ");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
