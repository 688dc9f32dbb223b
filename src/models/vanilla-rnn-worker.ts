/**
 * A worker thread of lab 002's vanilla RNN (src/models/vanilla-rnn-threads.ts): it waits for jobs,
 * claims chunks from the job's shared counter, runs the same ChunkWorkspace code as the main
 * thread, and says when it is done through the job's shared control array (the main thread blocks
 * on it with Atomics.wait, so a training step stays a plain synchronous call). Errors go back on a
 * MessagePort that the main thread reads synchronously. It loads only the chunk code and the
 * kernels, no TensorFlow.js. Introduced in lab 002.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { ChunkWorkspace } from "./vanilla-rnn-chunk";
import { type JobMessage, jobFromMessage } from "./vanilla-rnn-threads";

const { ready, index, errors } = workerData as { ready: SharedArrayBuffer; index: number; errors: MessagePort };
const workspaces: Partial<Record<JobMessage["kernel"], ChunkWorkspace>> = {};

parentPort!.on("message", (message: JobMessage) => {
  const job = jobFromMessage(message);
  try {
    (workspaces[message.kernel] ??= new ChunkWorkspace(message.kernel)).runJob(job);
  } catch (error) {
    errors.postMessage({ message: (error as Error).stack ?? String(error) });
    Atomics.store(job.control, 2, 1);
  }
  Atomics.add(job.control, 1, 1);
  Atomics.notify(job.control, 1);
});

const flags = new Int32Array(ready);
Atomics.store(flags, index, 1);
Atomics.notify(flags, index);
