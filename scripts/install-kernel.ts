// `npm run install-kernel`: registers this project's tslab as a Jupyter kernel, for people who
// open the notebooks in JupyterLab or the Notebook (README: Opening the labs; the headless runner,
// scripts/run-notebooks.ts, needs none).
// The kernel spec points at node_modules/.bin/tslab by absolute path, so JupyterLab runs the
// project's pinned tslab rather than whatever `tslab` is on PATH.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..");
const TSLAB = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tslab.cmd" : "tslab");

const USAGE = `Usage: npm run install-kernel -- [--user] [--prefix P]

Registers the tslab kernels ("tslab" for TypeScript, "jslab") with Jupyter, using the first of
$JUPYTER_PYTHON, /usr/bin/python3, python3 that can import jupyter_client.

Options:
  --user       install into the per-user kernel registry (tslab's default when not root)
  --prefix P   install into P/share/jupyter/kernels/
  -h, --help   print this help`;

function fail(message: string, code: number): never {
  process.stderr.write(message + "\n");
  process.exit(code);
}

function parseCli(): { user: boolean; prefix?: string } {
  try {
    const { values } = parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        user: { type: "boolean" },
        prefix: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    }
    if (values.user && values.prefix !== undefined) fail("--user and --prefix exclude each other; pick one", 2);
    return { user: Boolean(values.user), prefix: values.prefix };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const option = /'([^' ]+)/.exec(error.message)?.[1] ?? "";
    if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") fail(`unknown option ${option}; see --help`, 2);
    if (error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") fail(`unexpected argument ${option}; see --help`, 2);
    fail(`${error.message.split("\n")[0]}; see --help`, 2);
  }
}

/** Debian's Jupyter lives in /usr/bin/python3, while the python3 first on PATH may be another one. */
function findJupyterPython(): string | undefined {
  const candidates = [process.env.JUPYTER_PYTHON, "/usr/bin/python3", "python3"].filter(
    (c): c is string => typeof c === "string" && c !== "",
  );
  return candidates.find(
    (python) => spawnSync(python, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0,
  );
}

function main(): void {
  const { user, prefix } = parseCli();
  if (!fs.existsSync(TSLAB)) fail(`tslab is not installed at ${path.relative(ROOT, TSLAB)}; run npm install first`, 1);
  const python = findJupyterPython();
  if (!python) {
    fail(
      "Jupyter is not installed (none of $JUPYTER_PYTHON, /usr/bin/python3, python3 can import jupyter_client); " +
        "install the Notebook with `sudo apt-get install jupyter-notebook` (Debian, Ubuntu), or JupyterLab in a " +
        "virtual environment and point JUPYTER_PYTHON at its python (README: Opening the labs)",
      1,
    );
  }
  const args = ["install", `--python=${python}`, `--binary=${TSLAB}`];
  if (user) args.push("--user");
  if (prefix !== undefined) args.push(`--prefix=${path.resolve(prefix)}`);
  const result = spawnSync(TSLAB, args, { stdio: "inherit" });
  if (result.error) fail(`could not run ${TSLAB}: ${result.error.message}`, 1);
  process.exit(result.status ?? 1);
}

main();
