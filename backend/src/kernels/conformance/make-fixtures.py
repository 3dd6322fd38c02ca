"""Record the conformance fixtures with real Jupyter: nbclient (the client papermill uses) + ipykernel.

Run:  bench/.venv/bin/python backend/src/kernels/conformance/make-fixtures.py [notebook ...]
(bench/.venv has nbclient; the kernel it starts is Folio's own, kernels/.venv, through a temporary kernelspec,
so the only difference from Folio is the client.)

It writes notebooks/<name>.ipynb and recorded/<name>.json. A recorded file holds exactly what nbclient left in
each code cell (`outputs`, `execution_count`), untouched: nbclient's default `coalesce_streams=False` keeps one
stream output per IOPub message, with their raw \\r and \\b. The exception nbclient raised, if any, is kept
beside it. Folio's own rules on top of these recordings (stream merging, \\r/\\b, the dead-kernel note) live in
expected/folio-rules.json; README.md says which rule is which. Volatile fields are normalized by the test.
"""
import json
import os
import pathlib
import platform
import sys
import tempfile
from importlib.metadata import version

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

HERE = pathlib.Path(__file__).parent
REPO = HERE.parents[3]
KERNEL_PYTHON = REPO / "kernels" / ".venv" / "bin" / "python"
KERNEL_NAME = "folio-conformance"


def code(src, cid, tags=None):
    c = new_code_cell(src, id=cid)
    if tags:
        c.metadata["tags"] = tags
    return c


NOTEBOOKS = {
    "streams": [
        code("for i in range(3):\n    print(i)", "loop"),
        code("import sys, time\nfor i in range(4):\n    print(f'\\rprogress {i}/3', end='', flush=True)\n    time.sleep(0.05)\nprint()", "carriage"),
        code("print('abc\\b\\bd')\nprint('x\\by', end='')", "backspace"),
        # A carriage return whose overwrite continues in the next message: the cursor stays where `de` ended.
        code("print('abc\\rde', end='', flush=True)\nprint('f')", "overwrite-across"),
        code(
            "import sys\nprint('out 1'); sys.stdout.flush()\nprint('err 1', file=sys.stderr); sys.stderr.flush()\n"
            "print('out 2'); sys.stdout.flush()\nprint('out 3'); sys.stdout.flush()",
            "interleave",
        ),
        code("print('héllo — 你好 🚀 ∑')\n'ünïcödé ✓'", "unicode"),
        code("print('no newline at the end', end='')", "no-newline"),
    ],
    "displays": [
        code("from IPython.display import display, update_display, clear_output, HTML, Markdown\nh = display('first', display_id=True)", "disp-1"),
        code("display(Markdown('**bold**'), HTML('<b>html</b>'))\nh.update('first, updated by a later cell')", "disp-2"),
        code("display({'a': 1}, raw=False, display_id='named')\n42", "disp-3"),
        code("update_display('named updated', display_id='named')\nprint('after update')", "disp-4"),
        code(
            "import time\nfor i in range(5):\n    clear_output(wait=True)\n    print(f'step {i}')\n    time.sleep(0.02)",
            "clear-wait",
        ),
        code("print('gone')\nclear_output()\nprint('kept')", "clear-now"),
    ],
    "rich": [
        new_markdown_cell("# Title\nSome *markdown*, left untouched.", id="md"),
        new_raw_cell("raw text, left untouched", id="raw"),
        code(
            "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)\nax.plot([0, 1, 2], [0, 1, 4])\nplt.show()",
            "png",
        ),
        code(
            "from IPython.display import SVG\n"
            "SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"20\"><circle cx=\"10\" cy=\"10\" r=\"8\" fill=\"teal\"/></svg>')",
            "svg",
        ),
        code("import pandas as pd\npd.DataFrame({'ccy': ['EUR', 'GBP'], 'rate': [1.0842, 1.2671]})", "pandas"),
        code("print('skipped')", "skip", tags=["skip-execution"]),
        code("   \n", "empty"),
        code("print('still runs')", "after-skip"),
    ],
    "errors": [
        code("x = 1\nprint('before')", "ok"),
        code("raise ValueError('expected failure')", "tagged", tags=["raises-exception"]),
        code("name = input('Your name? ')", "stdin", tags=["raises-exception"]),
        code("print('partial output')\n1 / 0", "boom"),
        code("print('never runs')", "after"),
    ],
    # Per-cell time limit: nbclient `timeout` + `interrupt_on_timeout=True` interrupts the kernel (SIGINT), which
    # turns the sleep into a KeyboardInterrupt error output. The test also interrupts this cell on demand (cancel),
    # on its first output: no `flush=True`, so that output leaves with ipykernel's background flush, once the main
    # thread is already in the sleep (a synchronous flush could itself be interrupted, with a different traceback).
    "timeout": [
        code("print('start')", "before"),
        code("import time\nprint('working')\ntime.sleep(60)", "slow"),
        code("print('never runs')", "after"),
    ],
    # The kernel process exits under a cell: nbclient raises DeadKernelError and keeps the earlier outputs.
    "dead": [
        code("x = 1\nprint('before')\nx", "before"),
        code("import os\nos._exit(1)", "die"),
        code("print('never runs')", "after"),
    ],
}

# nbclient options per notebook (default: a 60 s cell timeout that is never reached).
CLIENT_OPTIONS = {"timeout": {"timeout": 2, "interrupt_on_timeout": True}}


def kernelspec_dir():
    """A temporary kernelspec that starts Folio's kernel venv, found by nbclient through JUPYTER_PATH."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="folio-conformance-"))
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [str(KERNEL_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Folio kernels/.venv", "language": "python"}))
    return root


def kernel_versions():
    script = "import sys, ipykernel, IPython; print(sys.version.split()[0], ipykernel.__version__, IPython.__version__)"
    out = os.popen(f"{KERNEL_PYTHON} -c '{script}'").read().split()
    return {"python": out[0], "ipykernel": out[1], "ipython": out[2]}


def main():
    if not KERNEL_PYTHON.exists():
        sys.exit(f"{KERNEL_PYTHON} is missing: run `node scripts/setup.mjs start` first")
    os.environ["JUPYTER_PATH"] = str(kernelspec_dir())
    recorded_with = {
        "client": {"nbclient": version("nbclient"), "jupyter_client": version("jupyter_client"), "python": platform.python_version()},
        "kernel": kernel_versions(),
    }
    (HERE / "notebooks").mkdir(exist_ok=True)
    (HERE / "recorded").mkdir(exist_ok=True)
    only = set(sys.argv[1:])  # e.g. `make-fixtures.py timeout` re-records one notebook
    for name, cells in NOTEBOOKS.items():
        if only and name not in only:
            continue
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nb.nbformat_minor = 5
        nbformat.validate(nb)
        (HERE / "notebooks" / f"{name}.ipynb").write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        executed = nbformat.reads(nbformat.writes(nb), as_version=4)
        options = {"timeout": 60, **CLIENT_OPTIONS.get(name, {})}
        client = NotebookClient(executed, kernel_name=KERNEL_NAME, record_timing=False, **options)
        raised = None
        try:
            client.execute()
        except (CellExecutionError, DeadKernelError) as e:
            raised = type(e).__name__
        recorded = {
            "recorded_with": recorded_with,
            "nbclient": {"options": options, "raised": raised},
            "cells": [
                {"id": c["id"], "execution_count": c.get("execution_count"), "outputs": c["outputs"]}
                for c in executed.cells
                if c["cell_type"] == "code"
            ],
        }
        text = json.dumps(recorded, indent=1, ensure_ascii=False)
        (HERE / "recorded" / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(name, raised or "ok")


if __name__ == "__main__":
    main()
