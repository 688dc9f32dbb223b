/**
 * What bench/tfjs/*.ts load instead of bptt-lab: TensorFlow.js (tfjs-core + tfjs-layers) on one
 * backend, `BENCH_TFJS_BACKEND` (default wasm, with SIMD and 1 thread in Node: on this VM it ran
 * lab 002's mini-batch epoch 3.4 times faster than cpu and the 60-unit echo net 1.5 times faster,
 * level on 4 units; "cpu" to compare; tfjs-node does not install here), with tfjs-core's op
 * gradients and chained ops registered as @tensorflow/tfjs does (its CommonJS bundle leaves both
 * out; src/tf-gradients.ts is a standalone module, not the library).
 * The bptt-lab library itself is never loaded: the timing protocol is bench/ours/harness.ts's.
 */
import type { Loaded } from "../ours/harness";
import { pathToFileURL } from "node:url";
import { registerGradients } from "../../src/tf-gradients";

// A real import() (a require would not take tf-gradients' resolution hook).
const dynamicImport = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

export interface Tfjs {
  tf: typeof import("@tensorflow/tfjs-core");
  tfl: typeof import("@tensorflow/tfjs-layers");
  /** tf.getBackend() once ready. */
  backend: string;
}

export async function loadTfjs(): Promise<Loaded<Tfjs>> {
  const wanted = process.env.BENCH_TFJS_BACKEND || "wasm";
  const tf = await import("@tensorflow/tfjs-core");
  await registerGradients();
  // The chained ops (t.flatten()…) that @tensorflow/tfjs registers and tfjs-layers uses (its
  // orthogonal initialiser): the same ES-module file, through the hook registerGradients installed.
  await dynamicImport(
    pathToFileURL(require.resolve("@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js")).href,
  );
  if (wanted === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  else if (wanted === "cpu") await import("@tensorflow/tfjs-backend-cpu");
  else throw new Error(`BENCH_TFJS_BACKEND=${wanted}: use wasm or cpu (tfjs-node does not install here)`);
  if (!(await tf.setBackend(wanted))) throw new Error(`the ${wanted} backend did not initialise`);
  await tf.ready();
  // The cpu backend greets Node users with a banner suggesting tfjs-node on first use.
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in b) b.firstUse = false;
  const tfl = await import("@tensorflow/tfjs-layers");
  const backend = tf.getBackend();
  let detail = backend;
  if (backend === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const threads = wasm.getThreadsCount();
    detail += `${simd ? ", SIMD" : ""}, ${threads} thread${threads === 1 ? "" : "s"}`;
  }
  return { context: { tf, tfl, backend }, lib: `tfjs-layers ${tfl.version_layers} (${detail})` };
}

/** PyTorch's default initialisation of nn.RNN/LSTM/GRU/Linear weights: U(-1/√fanIn, 1/√fanIn). */
export function torchUniform(t: Tfjs, fan: number, seed: number) {
  const k = 1 / Math.sqrt(fan);
  return t.tfl.initializers.randomUniform({ minval: -k, maxval: k, seed });
}

/** A small seeded generator (mulberry32) for the data: bits and shuffles. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
