/**
 * Registers TensorFlow.js's op gradients (what `tf.grads` needs) in a way that works in plain Node,
 * i.e. in the tslab kernel JupyterLab starts. Used by initBackend (src/backend.ts), hence by every
 * notebook's first cell and by gradCheck; found by the Jupyter check of issue 6 (test/jupyter.test.ts).
 *
 * Why not `import "@tensorflow/tfjs-core/dist/register_all_gradients"`: tfjs-core's CommonJS bundle
 * (tf-core.node.js) leaves the gradients out, and dist/register_all_gradients.js is an ES module
 * whose imports have no file extensions ("./gradients/Abs_grad"), meant for bundlers. Under tsx
 * (the tests, the headless runner) the require works because tsx adds the extensions; in plain
 * Node it throws ERR_MODULE_NOT_FOUND, and `import * as lab from "../dist"` failed in JupyterLab.
 * So: a module-resolution hook that adds ".js" (or "/index.js") to tfjs's extensionless relative
 * imports, then a real dynamic import. The gradients land in tfjs's global registry, shared with
 * the CommonJS copy that runs the ops (tfjs keeps its registries and engine on the global object).
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";

// Runs in Node's loader thread. Only relative imports made from inside @tensorflow packages are
// retried, so nothing else's resolution changes.
const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fixable = (error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "ERR_UNSUPPORTED_DIR_IMPORT") &&
      /^\\.\\.?\\//.test(specifier) && !/\\.[cm]?js$/.test(specifier) &&
      /\\/@tensorflow\\//.test(context.parentURL ?? "");
    if (!fixable) throw error;
    try {
      return await next(specifier + ".js", context);
    } catch {
      return next(specifier + "/index.js", context);
    }
  }
}
`;

// A real import(): TypeScript's CommonJS output would turn `import()` into require(), which is what fails.
const dynamicImport = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

let registered: Promise<void> | undefined;

/** Registers every tfjs-core gradient once; later calls return the same promise. */
export function registerGradients(): Promise<void> {
  registered ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    const entry = require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js");
    await dynamicImport(pathToFileURL(entry).href);
  })();
  return registered;
}
