// src/notebook/tslab-adapter.ts, the one module that touches tslab's internals: tslab is pinned to
// the version it was written against, nothing else reaches into tslab/dist, and the internals it
// relies on (the kernel's writer, the executor, the diagnostic format) behave as it expects.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  DIAGNOSTIC_FORMAT,
  TSLAB_VERSION,
  kernelDisplayWriter,
  loadTslabEngine,
  type KernelDisplayMessage,
} from "../src/notebook/tslab-adapter";

const ROOT = path.resolve(__dirname, "..");
const ADAPTER = path.join("src", "notebook", "tslab-adapter.ts");

test("package.json pins tslab to exactly the version the adapter was written against, and that version is installed", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  assert.equal(pkg.dependencies.tslab, TSLAB_VERSION, "an exact version, no range");
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
  assert.equal(lock.packages["node_modules/tslab"].version, TSLAB_VERSION);
  assert.equal(
    JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "tslab", "package.json"), "utf8")).version,
    TSLAB_VERSION,
  );
});

test("no file but the adapter imports tslab's internals (tslab/dist/…)", () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (
        /\.(ts|js|mjs)$/.test(entry.name) &&
        rel !== ADAPTER &&
        rel !== path.join("test", "tslab-adapter.test.ts")
      ) {
        const text = fs.readFileSync(path.join(ROOT, rel), "utf8");
        // An import, a require or a type import of any module under tslab/dist.
        if (/(from\s+|require\(\s*|import\(\s*)["']tslab\/dist\//.test(text)) offenders.push(rel);
      }
    }
  };
  for (const dir of ["src", "scripts", "test", "bench"]) if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  assert.deepEqual(offenders, [], `these reach into tslab/dist; go through ${ADAPTER}`);
});

test("the engine runs cells as tslab's kernel does: names carry over, display goes to the writer, type errors use the diagnostic format", async () => {
  const engine = loadTslabEngine();
  const errors: unknown[][] = [];
  const { executor, close } = engine.createExecutor(ROOT, {
    log: () => {},
    error: (...args: unknown[]) => errors.push(args),
  });
  const shown: Array<{ message: KernelDisplayMessage; update: boolean }> = [];
  engine.setDisplayWriter((message, update) => shown.push({ message, update }));
  try {
    assert.equal(await executor.execute("const answer: number = 6 * 7;"), true);
    assert.equal(await executor.execute("const twice = answer * 2;"), true);
    assert.equal(executor.locals.twice, 84, "a later cell sees an earlier cell's names");
    // What display.ts finds when it runs inside the kernel.
    const writer = kernelDisplayWriter();
    assert.ok(writer, "the kernel's writer is found in tslab's jupyter module");
    writer({ data: { "text/plain": "hello" }, metadata: {}, transient: {} }, false);
    // tslab's own display API goes through the same writer.
    assert.equal(await executor.execute(`import * as tslab from "tslab"; tslab.display.text("from tslab");`), true);
    assert.deepEqual(
      shown.map((s) => s.message.data["text/plain"]),
      ["hello", "from tslab"],
    );
    assert.equal(await executor.execute(`const n: number = "six";`), false);
    assert.equal(errors[0]?.[0], DIAGNOSTIC_FORMAT, "tslab reports a type error with the format the runner parses");
    assert.match(String(errors[0]?.slice(2).join(":")), /^1:7:Type 'string' is not assignable to type 'number'/);
  } finally {
    engine.setDisplayWriter(null);
    close();
  }
  assert.equal(kernelDisplayWriter(), null, "no writer once the kernel cleared it");
});
