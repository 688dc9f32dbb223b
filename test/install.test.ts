// The README's first command on a fresh checkout (issue 15): `npm ci` and then `npm install` in a
// copy of the project's manifest, lockfile and sources, on this machine's Node (20 in CI). Neither
// may warn (no EBADENGINE from a dependency that wants a newer Node, no install scripts left
// unreviewed), and `npm install` must leave package-lock.json byte for byte as committed, so that
// a clone is not dirty after its first command. Packages come from npm's cache when it has them
// (`--prefer-offline`: CI's own `npm ci` has just filled it), else from the registry.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
// What `npm ci` needs: the manifest and lockfile, and what its `prepare` script (the build) reads.
const COPIED = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src"];

const work = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-install-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function npm(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("npm", [...args, "--prefer-offline"], {
    cwd: work,
    encoding: "utf8",
    // No colour codes in what the test reads; the rest of the user's npm configuration applies, as for a reader.
    env: { ...process.env, npm_config_color: "false", NO_COLOR: "1" },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** npm's warnings and errors, one per line (EBADENGINE, install-scripts, deprecations, …). */
const complaints = (output: string) => output.split("\n").filter((line) => /^npm (warn|WARN|error|ERR)/.test(line));

test("npm ci on a fresh copy installs without a warning and builds dist/", () => {
  for (const entry of COPIED) fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
  const ci = npm(["ci"]);
  assert.equal(ci.status, 0, ci.output);
  assert.deepEqual(complaints(ci.output), [], ci.output);
  assert.ok(fs.existsSync(path.join(work, "dist", "index.js")), "prepare built the library");
  // Every install script is either allowed or denied in package.json's allowScripts.
  const pending = npm(["install-scripts", "ls"]);
  assert.equal(pending.status, 0, pending.output);
  assert.doesNotMatch(pending.output, /not yet covered/, pending.output);
});

test("npm install afterwards leaves package-lock.json as committed and warns about nothing", () => {
  const committed = fs.readFileSync(path.join(ROOT, "package-lock.json"));
  const install = npm(["install"]);
  assert.equal(install.status, 0, install.output);
  assert.deepEqual(complaints(install.output), [], install.output);
  assert.ok(
    fs.readFileSync(path.join(work, "package-lock.json")).equals(committed),
    "npm install rewrote package-lock.json",
  );
});
