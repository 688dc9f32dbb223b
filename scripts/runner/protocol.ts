// IPC messages between the notebook runner (scripts/runner/run.ts, parent) and
// scripts/runner/worker.ts (one child process per notebook).
import type { JsonObject } from "./notebook";

export interface CellToRun {
  /** 0-based index among all cells of the executed notebook. */
  index: number;
  source: string;
}

/** Parent → worker, sent once the worker said "ready". */
export interface RunRequest {
  type: "run";
  cells: CellToRun[];
}

export interface CellErrorInfo {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type WorkerMessage =
  | { type: "ready"; heapLimitMb: number }
  | { type: "cell-start"; index: number; startedAt: string }
  | { type: "stream"; index: number; name: "stdout" | "stderr"; text: string }
  | {
      type: "display";
      index: number;
      data: JsonObject;
      metadata: JsonObject;
      displayId?: string;
      update: boolean;
    }
  | {
      type: "cell-end";
      index: number;
      ok: boolean;
      durationMs: number;
      endedAt: string;
      error?: CellErrorInfo;
    }
  | { type: "done" };
