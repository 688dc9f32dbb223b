// The architecture, checked: every import in src/ points down the flow CONTRIBUTING.md states
// (base → datasets → kernels → models → optim → train → bptt → plot → render → notebook → index),
// and the worker threads load neither vega, resvg nor TensorFlow.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import ts from "typescript";

const SRC = path.resolve(__dirname, "../src");

/** The layers in order; a file may import from its own layer and the ones before it. */
export const LAYERS: readonly { name: string; matches: (file: string) => boolean }[] = [
  { name: "base", matches: (f) => /^[^/]+\.ts$/.test(f) && !["train.ts", "index.ts"].includes(f) },
  { name: "datasets", matches: (f) => f.startsWith("datasets/") },
  { name: "kernels", matches: (f) => f.startsWith("kernels/") },
  { name: "models", matches: (f) => f.startsWith("models/") },
  { name: "optim", matches: (f) => f.startsWith("optim/") },
  { name: "train", matches: (f) => f === "train.ts" },
  { name: "bptt", matches: (f) => f.startsWith("bptt/") },
  { name: "plot", matches: (f) => f.startsWith("plot/") },
  { name: "render", matches: (f) => f.startsWith("render/") },
  { name: "notebook", matches: (f) => f.startsWith("notebook/") },
  { name: "index", matches: (f) => f === "index.ts" },
];

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.matches(file));
  if (i < 0)
    throw new Error(
      `src/${file} is in no layer of test/layers.test.ts; add its folder to LAYERS and to CONTRIBUTING.md`,
    );
  return i;
}

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
      ? [path.relative(SRC, full).split(path.sep).join("/")]
      : [];
  });
}

/** Relative imports that load code at run time (type-only imports and `import type` are left out: they vanish in the build). */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly : node.isTypeOnly;
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test("every import in src/ points down the flow of the layers", () => {
  const wrong: string[] = [];
  for (const file of sources()) {
    for (const spec of runtimeImports(file)) {
      if (!spec.startsWith(".")) continue;
      let target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (fs.existsSync(path.join(SRC, target)) && fs.statSync(path.join(SRC, target)).isDirectory())
        target += "/index";
      target += ".ts";
      if (layerOf(target) > layerOf(file)) {
        wrong.push(
          `src/${file} (${LAYERS[layerOf(file)].name}) imports src/${target} (${LAYERS[layerOf(target)].name})`,
        );
      }
    }
  }
  assert.deepEqual(wrong, [], `imports against the flow:\n${wrong.join("\n")}`);
});

test("CONTRIBUTING.md states the layers in the order this test checks", () => {
  const text = fs.readFileSync(path.resolve(__dirname, "../CONTRIBUTING.md"), "utf8");
  const stated = /Layers, in order: ([^\n]+)/.exec(text)?.[1];
  assert.ok(stated, 'CONTRIBUTING.md has a line "Layers, in order: base → datasets → …"');
  assert.deepEqual(
    stated.split("→").map((s) => s.trim().replace(/[.`]/g, "")),
    LAYERS.map((l) => l.name),
  );
});

/** The packages a module of dist/ loads, read off a fresh worker thread's require cache. */
async function packagesLoadedBy(distFile: string): Promise<string[]> {
  const code = `
    const { parentPort } = require("node:worker_threads");
    require(${JSON.stringify(distFile)});
    const pk = new Set(Object.keys(require.cache).map((f) => /node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(f)?.[1]).filter(Boolean));
    parentPort.postMessage([...pk].sort());`;
  // The workerData a vanilla-RNN worker expects (src/models/vanilla-rnn-threads.ts); others ignore it.
  const { port2 } = new MessageChannel();
  const worker = new Worker(code, {
    eval: true,
    workerData: { ready: new SharedArrayBuffer(8), index: 0, errors: port2 },
    transferList: [port2],
  });
  return new Promise((resolve, reject) => {
    worker.once("message", (m) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once("error", reject);
  });
}

test("training and the worker threads load neither vega, resvg nor TensorFlow.js", async () => {
  const dist = path.resolve(__dirname, "../dist");
  const heavy = /^(vega|vega-.*|@resvg\/.*|@tensorflow\/.*|tslab|katex|marked)$/;
  const files = [
    "train.js",
    ...fs
      .readdirSync(path.join(dist, "bptt"))
      .filter((f) => /worker\.js$/.test(f))
      .map((f) => `bptt/${f}`),
    ...fs
      .readdirSync(path.join(dist, "models"))
      .filter((f) => /worker\.js$/.test(f))
      .map((f) => `models/${f}`),
  ];
  for (const file of files) {
    const loaded = await packagesLoadedBy(path.join(dist, file));
    assert.deepEqual(
      loaded.filter((p) => heavy.test(p)),
      [],
      `dist/${file} loads ${loaded.join(", ")}`,
    );
  }
});
