/**
 * A lab's key numbers: `lab.summary({ "test accuracy": "93.4 %", "final loss": 9.9e-5 })` shows a
 * small table in the notebook and marks the numbers for the results index (results/index.html
 * lists them beside each lab's headline figure and run time). Used by the lab notebooks, usually
 * in their last cell; read back by scripts/runner/index-page.ts. Introduced with the results site
 * (issue 6), not by a lab.
 *
 * One display_data output carries the numbers as JSON under SUMMARY_MIME (JupyterLab ignores a
 * MIME type it has no renderer for and shows the next one), an HTML table and a text line. Every
 * call adds its numbers; a later value under the same name replaces the earlier one in the index.
 */
import { describe, rejectUnknownOptions } from "../options";
import { displayBundle } from "./display";
import { formatNumber } from "./progress";

export const SUMMARY_MIME = "application/vnd.bptt-lab.summary+json";

/** A key number: a number (shown with 4 significant digits) or text shown as given ("93.4 %"). */
export type SummaryValue = number | string;

/** What SUMMARY_MIME holds: the caption, and the entries in the order given with raw value and shown text. */
export interface SummaryData {
  title: string;
  entries: Array<{ name: string; value: SummaryValue; text: string }>;
}

export interface SummaryOptions {
  /** A caption above the table in the notebook (default "Key numbers"). */
  title?: string;
}

/** Shows the lab's key numbers and marks them for results/index.html. */
export function summary(values: Record<string, SummaryValue>, options: SummaryOptions = {}): void {
  rejectUnknownOptions("summary", options, ["title"]);
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new TypeError(
      `summary: expected an object of name → number or string, like {"final loss": 0.01}, got ${describe(values)}`,
    );
  }
  const names = Object.keys(values);
  if (names.length === 0) throw new RangeError('summary: give at least one key number, like {"final loss": 0.01}');
  const title = options.title ?? "Key numbers";
  if (typeof title !== "string") throw new TypeError(`summary: title must be a string, got ${describe(title)}`);
  const entries = names.map((name) => {
    const value = values[name];
    if (typeof value === "number") {
      if (!Number.isFinite(value))
        throw new RangeError(`summary: "${name}" is ${value}; pass a finite number, or a string to show it as text`);
      return { name, value, text: formatNumber(value) };
    }
    if (typeof value === "string") return { name, value, text: value };
    throw new TypeError(`summary: "${name}" must be a number or a string, got ${describe(value)}`);
  });
  const data: SummaryData = { title, entries };
  const rows = entries.map((e) => `<tr><th>${escapeHtml(e.name)}</th><td>${escapeHtml(e.text)}</td></tr>`).join("");
  displayBundle({
    [SUMMARY_MIME]: data,
    "text/html": `<table class="bptt-lab-summary"><caption>${escapeHtml(title)}</caption>${rows}</table>`,
    "text/plain": `${title}: ${entries.map((e) => `${e.name} ${e.text}`).join(" · ")}`,
  });
  // Nothing is returned: as a cell's last expression, a returned object would be printed raw
  // below the table.
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
