/**
 * A worker thread of src/bptt/parallel.ts: for each run it is sent, it builds the model, streams and
 * optimiser from the run's plain options, trains and tests it as the main thread would, and sends
 * back the results and the trained weights (one "epoch" message per epoch for the progress bar).
 * Introduced in issue 7.
 */
import { parentPort } from "node:worker_threads";
import { type ParallelRunSpec, type WorkerReply, buildRun, runBuilt } from "./parallel";

const port = parentPort!;
const send = (reply: WorkerReply) => port.postMessage(reply);

port.on("message", async ({ index, spec }: { index: number; spec: ParallelRunSpec }) => {
  try {
    const run = buildRun(spec);
    const result = await runBuilt(run, spec, (progress) => send({ type: "epoch", index, ...progress }));
    send({ type: "done", index, result, params: run.model.params });
  } catch (error) {
    send({ type: "error", index, message: (error as Error).message ?? String(error) });
  }
});
