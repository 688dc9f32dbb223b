// Terminal progress of scripts/run-notebooks.ts: one line per code cell
// ("[003-linear-rnn] cell 5/23 ... 1.2s"), live on a terminal, append-only in CI logs.

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** What a terminal shows after "\r" overwrites: the text after the last carriage return of each line. */
export function applyCarriageReturns(text: string): string {
  return text.replace(/\r+\n/g, "\n").replace(/^.*\r(?=[^\r\n])/gm, "");
}

export interface ProgressOptions {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  /** Print every line the cells write, instead of only the latest one on a live terminal line. */
  verbose: boolean;
  /**
   * Several notebooks run at once (run-notebooks --jobs): each verbose line names its notebook, and
   * only the notebook of the open line updates the live text.
   */
  concurrent?: boolean;
}

export class Progress {
  private readonly tty: boolean;
  /** The cell label whose line is on screen without its newline yet. */
  private openLabel: string | undefined;
  /** The open line was broken by other output, so its end must repeat the label. */
  private broken = false;
  private live = "";
  /** A cell's unfinished line on each stream, by cell label and stream. */
  private pending = new Map<string, string>();

  constructor(private readonly options: ProgressOptions) {
    this.tty = Boolean(options.out.isTTY);
  }

  cellStart(label: string): void {
    this.closeLine();
    this.openLabel = label;
    this.broken = false;
    this.live = "";
    this.options.out.write(`${label} ...`);
  }

  /** Text a cell wrote; `label` is that cell's (cellStart's), whose line it may update. */
  cellText(name: "stdout" | "stderr", text: string, label: string): void {
    if (this.options.verbose) {
      const key = `${name} ${label}`;
      const lines = applyCarriageReturns((this.pending.get(key) ?? "") + text).split("\n");
      this.pending.set(key, lines.pop() ?? "");
      for (const line of lines) this.printCellLine(name, line, label);
      return;
    }
    const lastLine = applyCarriageReturns(text)
      .split("\n")
      .filter((l) => l.trim() !== "")
      .pop();
    if (lastLine !== undefined) this.setLive(lastLine, label);
  }

  /** A display that overwrites itself (a progress bar) shows its latest text on the live line. */
  cellDisplayText(text: string, label: string): void {
    if (!this.options.verbose)
      this.setLive(
        text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .pop() ?? "",
        label,
      );
  }

  cellEnd(label: string, suffix: string): void {
    for (const name of ["stdout", "stderr"] as const) {
      const key = `${name} ${label}`;
      const rest = this.pending.get(key);
      if (rest) this.printCellLine(name, rest, label);
      this.pending.delete(key);
    }
    const out = this.options.out;
    if (this.openLabel === label && !this.broken) {
      out.write(this.tty ? `\r\x1b[K${label} ... ${suffix}\n` : ` ${suffix}\n`);
    } else {
      this.closeLine();
      out.write(`${label} ... ${suffix}\n`);
    }
    this.openLabel = undefined;
  }

  line(text: string): void {
    this.closeLine();
    this.options.out.write(text + "\n");
  }

  error(text: string): void {
    this.closeLine();
    this.options.err.write(text + "\n");
  }

  private setLive(text: string, label: string): void {
    if (!this.tty || this.openLabel !== label || this.broken) return;
    this.live = text
      // eslint-disable-next-line no-control-regex -- terminal colour codes (ESC [ … m) are what is removed
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
      .replace(/[ \t]+$/, "")
      .trim();
    const width = (this.options.out.columns || 100) - 1;
    this.options.out.write(`\r\x1b[K${fitLiveLine(this.openLabel, this.live, width)}`);
  }

  private printCellLine(name: "stdout" | "stderr", line: string, label: string): void {
    this.closeLine();
    // "[001-signal-echoing] cell 5/60" → "[001-signal-echoing] " when several notebooks write at once
    const from = this.options.concurrent ? `${/^\[[^\]]*\]/.exec(label)?.[0] ?? label} ` : "";
    this.options.out.write(`    ${from}${name === "stderr" ? "!" : "|"} ${line}\n`);
  }

  private closeLine(): void {
    if (this.openLabel !== undefined && !this.broken) {
      this.options.out.write(this.tty && this.live ? `\r\x1b[K${this.openLabel} ...\n` : "\n");
      this.broken = true;
    }
  }
}

// Parts of a progress line (src/notebook/progress.ts joins them with two spaces) that a narrow
// terminal drops first, in this order: they change every redraw but say least about the run.
const DROPPABLE = [/^elapsed /, /^ETA /, /^[–\d.e+-]+ (it\/s|s\/it)$/, /^\d+%$/];

/**
 * The live line `<cell label> ... <latest output>` in `width` columns, keeping what matters:
 * the loss and other `name=value` fields of a progress line stay, while the elapsed time, the
 * ETA, the rate and the percentage go first, then the notebook's name shrinks to its number, then
 * the loop's label to its start; only a line still too long is cut at the end.
 */
export function fitLiveLine(label: string, live: string, width: number): string {
  const line = (l: string, parts: string[]) => `${l} ... ${parts.join("  ")}`;
  let parts = live.split(/ {2,}/);
  let shownLabel = label;
  const fits = () => line(shownLabel, parts).length <= width;
  for (const pattern of DROPPABLE) {
    if (fits()) break;
    parts = parts.filter((part, i) => i === 0 || !pattern.test(part));
  }
  // "[001-signal-echoing] cell 5/60" → "[001] cell 5/60"
  if (!fits()) shownLabel = label.replace(/^\[(\d+)-[^\]]*\]/, "[$1]");
  if (!fits() && parts.length > 1) {
    const room = width - line(shownLabel, ["", ...parts.slice(1)]).length;
    const first = parts[0] ?? "";
    if (room >= 4) parts = [first.length > room ? first.slice(0, room - 1) + "…" : first, ...parts.slice(1)];
  }
  const shown = line(shownLabel, parts);
  return shown.length > width ? shown.slice(0, Math.max(0, width - 1)) + "…" : shown;
}
