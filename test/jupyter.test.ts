// The Jupyter check (issue 6): every notebook in notebooks/ executed by a real Jupyter client
// (nbclient, what `jupyter nbconvert --execute` runs; driver in test/support/jupyter_execute.py)
// on the tslab kernel as scripts/install-kernel.ts registers it, into a temporary prefix that
// JUPYTER_PATH points at (the user's own kernels and Jupyter folders are never touched), with each
// notebook's `short` preset injected by the runner's own code (scripts/runner/params.ts). A failure
// names the notebook and cell and shows what the kernel printed (tslab's execute_reply carries no
// error text). Then every figure is checked to be a bundle JupyterLab, the classic Notebook (also
// untrusted), nbconvert's HTML and GitHub all show (test/support/rich-outputs.ts). Skipped, with the reason, where Jupyter is not installed (.ci/run installs it; with
// BPTT_REQUIRE_CLIENTS=1, as .ci/run sets, a missing Jupyter fails instead).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cellTags, joinSource, readNotebook, toJupyterJson, type Notebook } from "../scripts/runner/notebook";
import { injectParameters, resolveParameters } from "../scripts/runner/params";
import { ROOT, makeProjectMirror, projectNotebooks, shown, type ProjectMirror } from "./support/mirror";
import { checkRichOutputs, type ExecutedNotebook } from "./support/rich-outputs";

const DRIVER = path.join(__dirname, "support", "jupyter_execute.py");
const PRESET = "short";
const TSLAB_BIN = path.join(ROOT, "node_modules", ".bin", "tslab");
const APT = "apt-get install jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel";

/** The Python that has Jupyter: as scripts/install-kernel.ts looks for it, plus nbclient and nbconvert. */
function findJupyterPython(): { python?: string; reason?: string } {
  const candidates = [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  const probe = "import jupyter_client, nbclient, nbconvert, nbformat, IPython";
  const python = candidates.find((p) => spawnSync(p, ["-c", probe], { stdio: "ignore" }).status === 0);
  if (python) return { python };
  return {
    reason:
      `Jupyter is not installed: none of ${candidates.join(", ")} can import jupyter_client, nbclient, nbconvert and IPython ` +
      `(install: ${APT}; .ci/run does)`,
  };
}

const jupyter = findJupyterPython();
const required = process.env.BPTT_REQUIRE_CLIENTS === "1";
const skip = jupyter.python || required ? false : jupyter.reason;

interface Execution {
  status: "ok" | "failed";
  /** 0-based index in the executed copy. */
  cell?: number | null;
  error?: string;
  kernelDir?: string;
  kernelArgv?: string[];
  /** The executed copy (as far as it ran) and nbconvert's HTML export of it. */
  executed?: ExecutedNotebook & Notebook;
  html?: string;
  /** The driver's own stderr (Python tracebacks when the client itself broke). */
  stderr: string;
}

let work: ProjectMirror | undefined;
let env: NodeJS.ProcessEnv = {};

/** Registers the project's kernel into a temporary prefix and returns the environment that uses only it. */
function registerKernel(root: string, python: string): NodeJS.ProcessEnv {
  const prefix = path.join(root, "jupyter-prefix");
  const dirs = (name: string) => path.join(root, name);
  const privateEnv = {
    ...process.env,
    JUPYTER_PYTHON: python,
    // Kernel specs are looked up here first; the data, config, runtime and IPython folders are
    // private too, so nothing is read from or written to the user's own.
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: dirs("jupyter-data"),
    JUPYTER_CONFIG_DIR: dirs("jupyter-config"),
    JUPYTER_RUNTIME_DIR: dirs("jupyter-runtime"),
    IPYTHONDIR: dirs("ipython"),
    // Silences debugpy's "frozen modules" warning that Python 3.11 prints on every kernel client start.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const install = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "install-kernel.ts"), "--prefix", prefix],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: privateEnv,
    },
  );
  assert.equal(install.status, 0, `scripts/install-kernel.ts --prefix failed:\n${install.stdout}\n${install.stderr}`);
  const spec = JSON.parse(
    fs.readFileSync(path.join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8"),
  );
  assert.equal(spec.argv[0], TSLAB_BIN, "the kernel spec runs the project's own tslab");
  return privateEnv;
}

function execute(notebook: string): Promise<Execution> {
  const base = notebook.replace(/\.ipynb$/, "");
  const outNotebook = `${base}.executed.ipynb`;
  const outHtml = `${base}.nbconvert.html`;
  const child = spawn(jupyter.python!, [DRIVER, notebook, outNotebook, outHtml], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      let report: Partial<Execution> & { kernel_dir?: string; kernel_argv?: string[] };
      try {
        report = JSON.parse(line);
      } catch {
        report = { status: "failed", error: `the Jupyter driver exited with code ${code} without a report` };
      }
      const executed = fs.existsSync(outNotebook) ? JSON.parse(fs.readFileSync(outNotebook, "utf8")) : undefined;
      const html = fs.existsSync(outHtml) ? fs.readFileSync(outHtml, "utf8") : undefined;
      resolve({
        status: report.status === "ok" ? "ok" : "failed",
        cell: report.cell,
        error: report.error,
        kernelDir: report.kernel_dir,
        kernelArgv: report.kernel_argv,
        executed,
        html,
        stderr,
      });
    });
  });
}

const lastLines = (text: string, n: number) => {
  const lines = text.replace(/\s+$/, "").split("\n");
  return (lines.length > n ? [`… ${lines.length - n} lines above`, ...lines.slice(-n)] : lines).join("\n");
};
const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

/**
 * The failure as a reader needs it: notebook, cell (numbered as in the source notebook, which has
 * no injected-parameters cell), the cell's source and what the kernel printed while running it.
 */
function describeFailure(source: string, sourceNb: Notebook, run: Execution, preset: string | undefined): string {
  const lines = [`${shown(source)} failed in Jupyter (kernel tslab, ${preset ? `preset ${preset}` : "no preset"})`];
  const executedCells = run.executed?.cells ?? [];
  const cellIndex = typeof run.cell === "number" ? run.cell : undefined;
  if (cellIndex !== undefined) {
    const injectedAt = executedCells.findIndex((c) =>
      cellTags(c as Notebook["cells"][number]).includes("injected-parameters"),
    );
    const cell = executedCells[cellIndex] as Notebook["cells"][number] | undefined;
    let where: string;
    if (cellIndex === injectedAt) {
      where = "the injected parameters cell";
    } else {
      const sourceIndex = injectedAt >= 0 && cellIndex > injectedAt ? cellIndex - 1 : cellIndex;
      const codeNumber = sourceNb.cells.slice(0, sourceIndex + 1).filter((c) => c.cell_type === "code").length;
      where = `cell ${sourceIndex + 1} (code cell ${codeNumber})`;
    }
    lines[0] += ` at ${where}:`;
    const src = joinSource(cell?.source);
    lines.push("--- cell source ---", indent(lastLines(src, 25)));
    const outputs = cell?.cell_type === "code" ? cell.outputs : [];
    const streams = (name: string) =>
      outputs
        .filter((o) => o.output_type === "stream" && o.name === name)
        .map((o) => joinSource((o as { text: string | string[] }).text))
        .join("");
    const errors = outputs
      .filter((o) => o.output_type === "error")
      .map(
        (o) =>
          (o as { traceback?: string[]; ename?: string; evalue?: string }).traceback?.join("\n") ||
          `${(o as { ename?: string }).ename}: ${(o as { evalue?: string }).evalue}`,
      )
      .join("\n");
    // Frames of node's vm and of tslab itself say nothing about the notebook.
    const stderr = streams("stderr")
      .split("\n")
      .filter((l) => !/^\s+at .*(\(node:|tslab[\\/]dist[\\/])/.test(l))
      .join("\n");
    const stdout = streams("stdout");
    lines.push("--- what the kernel printed (tslab reports errors on stderr; its execute_reply has no error text) ---");
    if (stderr.trim()) lines.push("[stderr]", indent(lastLines(stderr, 30)));
    if (errors.trim()) lines.push("[error output]", indent(lastLines(errors, 30)));
    if (stdout.trim()) lines.push("[stdout, last lines]", indent(lastLines(stdout, 10)));
    if (!stderr.trim() && !errors.trim() && !stdout.trim()) lines.push("    (nothing)");
  } else {
    lines[0] += " before running any cell:";
  }
  lines.push("--- client ---", indent(lastLines(run.error ?? "(no report)", 8)));
  if (run.stderr.trim()) lines.push("--- client stderr ---", indent(lastLines(run.stderr, 15)));
  return lines.join("\n");
}

/** Copies a notebook into the mirror (parameters of `preset` injected) and runs it through Jupyter. */
async function runThroughJupyter(
  source: string,
  into: string,
  preset?: string,
): Promise<{ run: Execution; message: string; nb: Notebook }> {
  const nb = readNotebook(source, shown(source));
  const parameters = resolveParameters({ nb, displayPath: shown(source), explicit: {}, preset });
  const copy = path.join(into, path.basename(source));
  fs.writeFileSync(copy, toJupyterJson(injectParameters(nb, parameters)));
  const run = await execute(copy);
  return { run, nb, message: run.status === "ok" ? "" : describeFailure(source, nb, run, preset) };
}

// Skipped as one test (a skipped suite would count as no tests at all in the summary).
if (skip) test("notebooks in Jupyter", { skip }, () => {});
else
  describe("notebooks in Jupyter", () => {
    const runs = new Map<string, Promise<Execution>>();

    before(() => {
      if (!jupyter.python) throw new Error(`BPTT_REQUIRE_CLIENTS=1 but ${jupyter.reason}`);
      work = makeProjectMirror("bptt-jupyter-");
      env = registerKernel(work.root, jupyter.python);
    });
    after(() => work?.remove());

    test("the project's kernel registration is the one Jupyter starts", () => {
      const list = spawnSync(jupyter.python!, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], {
        env,
        encoding: "utf8",
      });
      assert.equal(list.status, 0, list.stderr);
      const specs = JSON.parse(list.stdout).kernelspecs as {
        [name: string]: { resource_dir: string; spec: { argv: string[] } };
      };
      assert.ok(specs.tslab, `no tslab kernel on JUPYTER_PATH: ${Object.keys(specs).join(", ")}`);
      assert.equal(
        specs.tslab.resource_dir,
        path.join(work!.root, "jupyter-prefix", "share", "jupyter", "kernels", "tslab"),
      );
      assert.equal(specs.tslab.spec.argv[0], TSLAB_BIN);
    });

    const notebooks = projectNotebooks();
    test("notebooks/ has notebooks to check", () => assert.ok(notebooks.length > 0, "no notebooks/*.ipynb"));

    for (const source of notebooks) {
      const name = path.basename(source, ".ipynb");
      const run = () => {
        let promise = runs.get(name);
        if (!promise) {
          promise = runThroughJupyter(source, work!.notebooks, PRESET).then(({ run, message }) => {
            if (message) (run as Execution & { message?: string }).message = message;
            return run;
          });
          runs.set(name, promise);
        }
        return promise;
      };

      test(`${name} runs through Jupyter on the tslab kernel (${PRESET} preset)`, async () => {
        const result = (await run()) as Execution & { message?: string };
        if (result.status !== "ok") assert.fail(result.message ?? result.error);
        assert.equal(result.kernelDir, path.join(work!.root, "jupyter-prefix", "share", "jupyter", "kernels", "tslab"));
      });

      test(`${name}: every chart is Vega-Lite + PNG (what untrusted notebooks show) + text, each GIF one <img>, and nbconvert's HTML shows them`, async (t) => {
        const result = await run();
        if (!result.executed) return t.skip("the notebook did not run (see the test above)");
        const { charts, animations, problems } = checkRichOutputs(result.executed);
        assert.deepEqual(problems, [], `${shown(source)}:\n${problems.join("\n")}`);
        // nbconvert's lab template: an SVG output → jp-RenderedSVG, a PNG → jp-RenderedImage, a GIF's
        // text/html copy → an <img> with a GIF data URL. Vega-Lite and image/gif have no renderer there.
        const html = result.html ?? "";
        const statics =
          (html.match(/class="jp-RenderedSVG /g) ?? []).length + (html.match(/class="jp-RenderedImage /g) ?? []).length;
        const gifs = (html.match(/<img[^>]+src="data:image\/gif;base64,/g) ?? []).length;
        assert.ok(statics >= charts, `nbconvert's HTML of ${name} shows ${statics} static images for ${charts} charts`);
        assert.ok(gifs >= animations, `nbconvert's HTML of ${name} shows ${gifs} GIFs for ${animations} animations`);
        t.diagnostic(`${charts} charts, ${animations} animations`);
      });
    }

    test("a failing notebook fails the check, naming the notebook and cell and showing the kernel's error", async (t) => {
      const fixtures = path.join(work!.root, "fixtures");
      fs.mkdirSync(fixtures, { recursive: true });
      const thrown = await runThroughJupyter(
        path.join(ROOT, "test", "fixtures", "notebooks", "failing.ipynb"),
        fixtures,
      );
      assert.equal(thrown.run.status, "failed");
      const message = thrown.message;
      t.diagnostic(`what a failure reads like:\n${message}`);
      assert.match(
        message,
        /^test\/fixtures\/notebooks\/failing\.ipynb failed in Jupyter \(kernel tslab, no preset\) at cell 3 \(code cell 3\):/,
      );
      assert.match(message, /throw new Error\("fixture boom"\);/, "the cell's source");
      assert.match(message, /\[stderr\]\n[\s\S]*Error: fixture boom/, "the kernel's error text");
      assert.ok(!/second cell ran/.test(message), "only the failing cell's output");
      const cells = thrown.run.executed!.cells as Array<{ execution_count?: number | null }>;
      assert.equal(cells[1]?.execution_count, 2, "the cells before it ran");

      const typeError = await runThroughJupyter(
        path.join(ROOT, "test", "fixtures", "notebooks", "type-error.ipynb"),
        fixtures,
      );
      assert.equal(typeError.run.status, "failed");
      assert.match(typeError.message, /type-error\.ipynb failed in Jupyter .* at cell 1 \(code cell 1\):/);
      assert.match(typeError.message, /Type 'string' is not assignable to type 'number'/);
    });
  });
