"""Executes one notebook through a real Jupyter client (nbclient, which `jupyter nbconvert
--execute` uses), for test/jupyter.test.ts: the kernel named in the notebook's metadata is
started by jupyter_client from the kernel specs on JUPYTER_PATH and driven over ZeroMQ, with
its working folder = the notebook's folder, as JupyterLab does.

Why not the `jupyter nbconvert --execute` command itself: when a cell fails it writes nothing,
and tslab's execute_reply carries no error text (it prints the error on stderr instead), so
the failure would read "<Error>:" with no cell number and no message. Here the notebook is
written as far as it ran, the failing cell is named, and nbconvert's HTML export of the
executed notebook is written beside it (the test checks that every figure survives it).

Usage: python3 jupyter_execute.py IN.ipynb OUT.ipynb OUT.html [--timeout SECONDS]
Prints one JSON line: {"status": "ok"} or {"status": "failed", "cell": <0-based index>,
"error": "..."}, with the kernel spec used ("kernel_dir", "kernel_argv"); exit status 0 or 1
(2: bad usage or missing modules).
"""
import argparse
import json
import os
import sys
import traceback

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbconvert import HTMLExporter
    from jupyter_client.kernelspec import KernelSpecManager
except ImportError as e:  # pragma: no cover - the test checks for these modules first
    print(json.dumps({"status": "failed", "cell": None, "error": f"Jupyter modules missing: {e}"}))
    sys.exit(2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out_notebook")
    ap.add_argument("out_html")
    ap.add_argument("--timeout", type=int, default=900, help="per-cell limit in seconds")
    ap.add_argument("--startup-timeout", type=int, default=180)
    args = ap.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name", "")
    kernel = {}
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
        kernel = {"kernel_dir": spec.resource_dir, "kernel_argv": spec.argv}
    except Exception as e:  # reported by the client below, with Jupyter's own message
        kernel = {"kernel_error": str(e)}
    running = {"cell": None}

    def on_cell_start(cell, cell_index):
        running["cell"] = cell_index

    client = NotebookClient(
        nb,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        # The kernel named in the notebook (tslab), looked up on JUPYTER_PATH like JupyterLab does.
        kernel_name=kernel_name,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
        on_cell_start=on_cell_start,
    )
    result = {"status": "ok"}
    try:
        client.execute()
    except CellExecutionError as e:
        # tslab's reply: status "error" and nothing else; the error text went to stderr.
        error = f'CellExecutionError: the kernel replied status "error" with ename {e.ename!r}, evalue {e.evalue!r}'
        result = {"status": "failed", "cell": running["cell"], "error": error}
    except (CellTimeoutError, DeadKernelError) as e:
        result = {"status": "failed", "cell": running["cell"], "error": f"{type(e).__name__}: {e}"}
    except Exception as e:  # kernel did not start, etc.
        result = {
            "status": "failed",
            "cell": running["cell"],
            "error": "".join(traceback.format_exception_only(type(e), e)).strip(),
        }
    nbformat.write(nb, args.out_notebook)
    body, _ = HTMLExporter().from_notebook_node(nb)
    with open(args.out_html, "w", encoding="utf-8") as f:
        f.write(body)
    print(json.dumps({**result, **kernel}))
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
