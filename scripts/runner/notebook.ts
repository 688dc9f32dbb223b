// nbformat 4 model shared by the notebook runner (scripts/run-notebooks.ts) and its pages
// (html.ts, index-page.ts): reading, validating and writing .ipynb files the way Jupyter does.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export type MultilineString = string | string[];
export type JsonObject = { [key: string]: unknown };

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: JsonObject;
  metadata: JsonObject;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: JsonObject;
  metadata: JsonObject;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CellMetadata extends JsonObject {
  tags?: string[];
}
export interface CodeCell {
  id?: string;
  cell_type: "code";
  source: MultilineString;
  metadata: CellMetadata;
  outputs: Output[];
  execution_count: number | null;
}
export interface MarkdownCell {
  id?: string;
  cell_type: "markdown";
  source: MultilineString;
  metadata: CellMetadata;
  attachments?: { [name: string]: { [mime: string]: string } };
}
export interface RawCell {
  id?: string;
  cell_type: "raw";
  source: MultilineString;
  metadata: CellMetadata;
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: Cell[];
}

export const DEFAULT_KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };

/** A problem with the command line or its inputs: reported as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function joinSource(source: MultilineString | undefined): string {
  if (source === undefined) return "";
  return Array.isArray(source) ? source.join("") : source;
}

/** Jupyter stores multi-line strings as lists of lines, each keeping its "\n". */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function isCodeCell(cell: Cell): cell is CodeCell {
  return cell.cell_type === "code";
}

export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

export function newCellId(): string {
  return randomBytes(4).toString("hex");
}

export function readNotebook(file: string, displayPath: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`notebook not found: ${displayPath}`);
    throw new UsageError(`cannot read notebook ${displayPath}: ${(e as Error).message}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${displayPath} is not a valid notebook: bad JSON (${(e as Error).message})`);
  }
  const o = nb as Partial<Notebook> | null;
  if (!o || typeof o !== "object" || !Array.isArray(o.cells) || o.nbformat !== 4) {
    throw new UsageError(`${displayPath} is not a valid notebook: expected nbformat 4 JSON with a "cells" list`);
  }
  for (const [i, cell] of o.cells.entries()) {
    if (!cell || !["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new UsageError(`${displayPath} is not a valid notebook: cell ${i + 1} has no valid cell_type`);
    }
    cell.metadata ??= {};
    if (cell.cell_type === "code") {
      cell.outputs ??= [];
      cell.execution_count ??= null;
    }
  }
  o.metadata ??= {};
  o.nbformat_minor ??= 4;
  return o as Notebook;
}

/** A JSON MIME payload (a Vega-Lite spec), written on one line: see toJupyterJson. */
class CompactJson {
  constructor(readonly value: unknown) {}
}

const isJsonMime = (mime: string) => mime === "application/json" || mime.endsWith("+json");

/** Jupyter's split_lines: text-like MIME data and streams become line lists; base64 and JSON stay whole. */
function jupyterOutput(out: Output): Output {
  if (out.output_type === "stream") return { ...out, text: splitLines(joinSource(out.text)) };
  if (out.output_type === "display_data" || out.output_type === "execute_result") {
    const data: JsonObject = {};
    for (const [mime, value] of Object.entries(out.data)) {
      const splittable = mime.startsWith("text/") || mime === "image/svg+xml" || mime === "application/javascript";
      data[mime] =
        splittable && typeof value === "string" ? splitLines(value) : isJsonMime(mime) ? new CompactJson(value) : value;
    }
    return { ...out, data };
  }
  return out;
}

/** JSON.stringify(value, null, 1), except that a CompactJson is written on one line. */
function stringifyIndented(value: unknown, indent: string): string {
  if (value instanceof CompactJson) return JSON.stringify(value.value) ?? "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = indent + " ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + stringifyIndented(v === undefined ? null : v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringifyIndented(v, inner)}`).join(",\n")}\n${indent}}`;
}

/**
 * The notebook as Jupyter writes it (one-space indentation, multi-line strings as line lists),
 * except that JSON outputs (Vega-Lite specs) stay on one line each: indenting a chart's data
 * rows made them about three times their size (lab 003: 1.3 MB for 0.46 MB of outputs). Any
 * JSON reader, Jupyter included, reads it the same; Jupyter indents them again if it saves.
 */
export function toJupyterJson(nb: Notebook): string {
  const cells = nb.cells.map((cell) => {
    const source = splitLines(joinSource(cell.source));
    if (cell.cell_type !== "code") return { ...cell, source };
    return { ...cell, source, outputs: cell.outputs.map(jupyterOutput) };
  });
  return stringifyIndented({ ...nb, cells }, "") + "\n";
}

/** Readers (JupyterLab, the index page, a rerun) never see a half-written file. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The representation a static page shows for a MIME bundle, richest first. */
export const IMAGE_MIMES = ["image/svg+xml", "image/png", "image/gif", "image/jpeg"] as const;
export const FIGURE_EXTENSIONS: { [mime: string]: string } = {
  "image/svg+xml": "svg",
  "image/png": "png",
  "image/gif": "gif",
  "image/jpeg": "jpg",
};

export function dataString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  return undefined;
}
