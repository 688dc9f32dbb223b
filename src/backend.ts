/**
 * TensorFlow.js backend selection: tfjs-node-gpu → tfjs-node → wasm → cpu, chosen at run time.
 *
 * The native backends download libtensorflow when they install, which fails on machines without
 * that network access (CI here included), so they are optional dependencies: a backend that is
 * missing or fails to load falls through with a one-line reason instead of crashing the lab.
 * `BPTT_BACKEND=<name>` forces one backend (and then a failure is an error, since it was asked for).
 * Used by every notebook's first cell and by the autodiff gradient checks.
 */
import { rejectUnknownOptions } from "./options";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core ships the gradients of its ops separately; autodiff (tf.grads) needs them registered,
// which initBackend does (a static import of them fails in plain Node: see tf-gradients.ts).
import { registerGradients } from "./tf-gradients";
import * as fs from "node:fs";
import * as path from "node:path";

export const BACKEND_NAMES = ["node-gpu", "node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was skipped or failed; empty when it loaded. */
  reason: string;
}

export interface BackendReport {
  /** The backend that runs. */
  name: BackendName;
  /** TensorFlow.js's own name for it ("tensorflow", "wasm", "cpu"). */
  tfName: string;
  /** Every backend tried, in order, with why it was passed over. */
  attempts: BackendAttempt[];
  /** Whether results can differ between runs (GPU reductions are not ordered). */
  deterministic: boolean;
}

export interface InitBackendOptions {
  /** Backends to try, in order. Default: the whole chain, or `BPTT_BACKEND` if set. */
  prefer?: BackendName | readonly BackendName[];
  /** Print the one-line report (default true). */
  log?: boolean;
}

const NATIVE_PACKAGES: Record<"node-gpu" | "node", string> = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
};

let current: BackendReport | undefined;

/**
 * A failed `require` of tfjs-node(-gpu) has already registered its kernels under "tensorflow",
 * which then breaks later ops; so look for the native binding file before requiring anything.
 */
function nativeBindingProblem(pkg: string): string | undefined {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed (optional; its install downloads libtensorflow)`;
  }
  const libDir = path.join(pkgDir, "lib");
  const hasBinding =
    fs.existsSync(libDir) &&
    fs.readdirSync(libDir).some((d) => fs.existsSync(path.join(libDir, d, "tfjs_binding.node")));
  return hasBinding ? undefined : `${pkg} is installed without its native binding (libtensorflow was not downloaded)`;
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === "node-gpu" || name === "node") {
      const problem = nativeBindingProblem(NATIVE_PACKAGES[name]);
      if (problem) return problem;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded only when asked for
      require(NATIVE_PACKAGES[name]);
      if (!(await tf.setBackend("tensorflow")))
        return `${NATIVE_PACKAGES[name]} loaded but its backend did not initialise`;
      return undefined;
    }
    if (name === "wasm") {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a backend registers itself when loaded
      require("@tensorflow/tfjs-backend-wasm");
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a backend registers itself when loaded
      require("@tensorflow/tfjs-backend-cpu");
    }
    if (!(await tf.setBackend(name))) return `the ${name} backend did not initialise`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return `${name} failed to load: ${(error as Error).message.split("\n")[0]}`;
  }
}

function parseEnvChoice(): BackendName | undefined {
  const forced = process.env.BPTT_BACKEND;
  if (forced === undefined || forced === "") return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new Error(`BPTT_BACKEND=${forced} is not a backend; use one of ${BACKEND_NAMES.join(", ")}`);
  }
  return forced as BackendName;
}

/**
 * Picks the first backend of the chain that loads, makes it TensorFlow.js's backend, and reports it.
 * Calling it again with the same choice returns the same report.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  rejectUnknownOptions("initBackend", options, ["prefer", "log"]);
  const forced = parseEnvChoice();
  const chain: BackendName[] = forced
    ? [forced]
    : options.prefer === undefined
      ? [...BACKEND_NAMES]
      : typeof options.prefer === "string"
        ? [options.prefer]
        : [...options.prefer];
  for (const name of chain) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown backend "${name}"; use one of ${BACKEND_NAMES.join(", ")}`);
    }
  }
  await registerGradients();
  // A second call with a chain that holds the running backend keeps it: no reload mid-notebook.
  if (current && chain.includes(current.name)) return current;
  const attempts: BackendAttempt[] = [];
  for (const name of chain) {
    const reason = await tryBackend(name);
    attempts.push({ name, ok: reason === undefined, reason: reason ?? "" });
    if (reason === undefined) {
      // The cpu backend greets Node users with a banner suggesting tfjs-node; we report the backend ourselves.
      const backend = tf.backend() as unknown as { firstUse?: boolean };
      if ("firstUse" in backend) backend.firstUse = false;
      current = { name, tfName: tf.getBackend(), attempts, deterministic: name !== "node-gpu" };
      if (options.log ?? true) console.log(describeBackend(current));
      return current;
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}`).join("; ");
  throw new Error(
    forced
      ? `BPTT_BACKEND=${forced} was asked for but did not load (${why}); unset BPTT_BACKEND to use the fallback chain`
      : `no TensorFlow.js backend loaded (${why})`,
  );
}

/**
 * One line: which backend runs, why the ones before it were passed over, and, when the backend
 * cannot promise it, that TensorFlow.js results may differ from run to run.
 */
export function describeBackend(report: BackendReport): string {
  const skipped = report.attempts.filter((a) => !a.ok).map((a) => `${a.name} skipped: ${a.reason}`);
  return (
    `TensorFlow.js backend: ${report.name}` +
    (skipped.length ? ` (${skipped.join("; ")})` : "") +
    (report.deterministic
      ? ""
      : "; not deterministic: its GPU reductions run in no fixed order, so TensorFlow.js results (autodiff checks) may differ slightly between runs")
  );
}

/** The report of the backend in use, or undefined before `initBackend`. */
export function currentBackend(): BackendReport | undefined {
  return current;
}
