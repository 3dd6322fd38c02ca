"""Build the conformance notebooks and their expected outputs with real Jupyter (nbclient + ipykernel).

Run with the kernel venv:  kernels/.venv/bin/python backend/src/kernels/conformance/make-fixtures.py

Expected outputs are what nbclient records from the real kernel, with consecutive stream outputs of the
same name merged and \\b / \\r applied (nbclient's `coalesce_streams` regexes, applied to consecutive
streams only, i.e. JupyterLab's OutputArea rule; the fixtures use \\r only in ways where JupyterLab's
and nbclient's overwrite rules agree). Volatile fields are normalized by the test, not here.
"""
import json
import pathlib
import re

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

HERE = pathlib.Path(__file__).parent
# Not nbclient's r"[^\n]\b": in a raw string \b is a regex word boundary; this is the backspace character.
BACKSPACE = re.compile("[^\n]\x08")
CARRIAGE_RETURN = re.compile(r".*\r(?=[^\n])")


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
}


def coalesce(outputs):
    merged = []
    for out in outputs:
        if out["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream" and merged[-1]["name"] == out["name"]:
            merged[-1]["text"] += out["text"]
        else:
            merged.append(dict(out))
    for out in merged:
        if out["output_type"] == "stream":
            text = out["text"]
            old = None
            while old is None or len(text) < len(old):
                old, text = text, BACKSPACE.sub("", text)
            out["text"] = CARRIAGE_RETURN.sub("", text)
    return merged


def main():
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nb.nbformat_minor = 5
        nbformat.validate(nb)
        (HERE / "notebooks" / f"{name}.ipynb").write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        executed = nbformat.reads(nbformat.writes(nb), as_version=4)
        client = NotebookClient(executed, kernel_name="python3", timeout=60, record_timing=False)
        status = "succeeded"
        try:
            client.execute()
        except CellExecutionError:
            status = "failed"
        expected = {
            "status": status,
            "cells": [
                {
                    "id": c["id"],
                    "execution_count": c.get("execution_count"),
                    "outputs": coalesce(json.loads(json.dumps(c["outputs"]))),
                }
                for c in executed.cells
                if c["cell_type"] == "code"
            ],
        }
        for c in expected["cells"]:
            for o in c["outputs"]:
                if o["output_type"] == "stream" and isinstance(o["text"], list):
                    o["text"] = "".join(o["text"])
        (HERE / "expected" / f"{name}.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(name, status)


if __name__ == "__main__":
    main()
