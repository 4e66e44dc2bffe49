"""Every lab as a Jupyter notebook a student steps through, generated from the lab module.

One step per cell: a Markdown cell with the exercise text, then the code of that step, its
printed output and its figures shown inline. The steps come from the lab's
``NOTEBOOK_CELLS`` (``(markdown, code)`` pairs); a lab without them gets its docstring, then
``answers = compute(quick=True)`` and ``render(answers)``. Notebooks are executed with
nbclient in a kernel running this Python (a kernelspec written to a temporary directory,
nothing under ``~``) and stored with their outputs.

``make notebooks`` (``python -m neyman.labs.notebooks examples/labs``) regenerates and
executes them all; ``--no-execute`` writes the cells only; names after the directory pick labs.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from neyman.errors import ConfigError, did_you_mean
from neyman.labs import LABS, list_labs

__all__ = ["execute_notebook", "lab_cells", "lab_notebook", "notebook_json", "write_notebooks"]

#: seconds one cell may run before the execution fails
CELL_TIMEOUT = 900
_SETUP = "%matplotlib inline\nimport matplotlib.pyplot as plt\n\nplt.rcParams['figure.dpi'] = 72"


def _lines(text: str) -> list[str]:
    parts = text.splitlines(keepends=True)
    if parts:
        parts[-1] = parts[-1].rstrip("\n")
    return parts


def _md(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}


def _code(text: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": _lines(text.rstrip("\n")),
    }


def _docstring(module: Any) -> str:
    path = getattr(module, "__file__", None)
    if path is not None:
        doc = ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8")))
        if doc:
            return doc
    return str(module.__doc__ or "")


def lab_cells(name: str) -> list[tuple[str, str]]:
    """The ``(markdown, code)`` steps of lab ``name`` (its ``NOTEBOOK_CELLS`` or the default)."""
    mod_name = LABS[name].module
    module = importlib.import_module(f"neyman.labs.{mod_name}")
    steps = getattr(module, "NOTEBOOK_CELLS", None)
    if steps:
        return [(str(m), str(c)) for m, c in steps]
    doc = _docstring(module)
    if hasattr(module, "compute"):
        return [
            (doc, f"from neyman.labs.{mod_name} import compute, render"),
            (
                "Compute every answer with quick settings (drop `quick=True` for the full run):",
                "answers = compute(quick=True)\nanswers",
            ),
            ("Print the answers and draw the figures:", "render(answers);"),
        ]
    return [
        (doc, f"from neyman.labs.{mod_name} import run"),
        ("Run the lab with quick settings:", "result = run(quick=True)\nresult.answers"),
    ]


def lab_notebook(name: str) -> dict[str, Any]:
    """The notebook (nbformat 4 as a dict) for lab ``name``, without outputs."""
    cells = [
        _md(
            f"# Lab `{name}`\n\n{LABS[name].summary}.\n\nThe same lab from a terminal: "
            f"`neyman lab {name}` (`--help` for its options, `-o DIR` for the figures)."
        ),
        _code(_SETUP),
    ]
    for markdown, code in lab_cells(name):
        cells += [_md(markdown), _code(code)]
    for i, cell in enumerate(cells):
        cell["id"] = f"{name}-{i}"  # stable ids: regenerating changes no unchanged cell
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_json(nb: dict[str, Any]) -> str:
    """A notebook as the exact text written to disk."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _kernel_spec(tmp: Path) -> Path:
    """A kernelspec running this very Python, with its state directories under ``tmp``."""
    kdir = tmp / "kernels" / "neyman-lab"
    kdir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "neyman lab",
        "language": "python",
        "env": {
            "IPYTHONDIR": str(tmp / "ipython"),
            "MPLCONFIGDIR": str(tmp / "mpl"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        },
    }
    (kdir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return kdir.parent


def execute_notebook(nb: dict[str, Any], cwd: Path, timeout: int = CELL_TIMEOUT) -> dict[str, Any]:
    """Execute ``nb`` cell by cell in a fresh kernel (this Python) with working dir ``cwd``.

    Returns the notebook with its outputs. A cell that raises stops the execution with
    ``nbclient.exceptions.CellExecutionError`` naming the cell.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)  # type: ignore[no-untyped-call]
    with tempfile.TemporaryDirectory(prefix="neyman-nb-") as tmp_:
        tmp = Path(tmp_)
        ksm = KernelSpecManager(kernel_dirs=[str(_kernel_spec(tmp))])
        km = KernelManager(
            kernel_name="neyman-lab",
            kernel_spec_manager=ksm,
            connection_file=str(tmp / "connection.json"),
        )
        client = NotebookClient(
            node, km=km, timeout=timeout, resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
    text = nbformat.writes(node)  # type: ignore[no-untyped-call]
    executed: dict[str, Any] = json.loads(text)
    return executed


def write_notebooks(
    directory: Path, names: list[str] | None = None, *, execute: bool = True
) -> list[Path]:
    """Write (and execute) ``<lab>.ipynb`` for the labs ``names`` (all installed by default)."""
    installed = [n for n, _ in list_labs()]
    for name in names or []:
        if name not in installed:
            msg = f"no lab called '{name}'{did_you_mean(name, installed, limit=20)}"
            raise ConfigError(msg, key=name, available=installed)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or installed:
        nb = lab_notebook(name)
        if execute:
            with tempfile.TemporaryDirectory(prefix=f"neyman-{name}-") as work:
                nb = execute_notebook(nb, Path(work))
        path = directory / f"{name}.ipynb"
        tmp = path.with_suffix(".ipynb.tmp")
        tmp.write_text(notebook_json(nb), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m neyman.labs.notebooks DIR [NAME ...] [--no-execute]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", nargs="?", default="examples/labs")
    parser.add_argument("names", nargs="*", help="labs to write (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write cells, no outputs")
    args = parser.parse_args(argv)
    for path in write_notebooks(Path(args.directory), args.names, execute=not args.no_execute):
        print(path, flush=True)  # noqa: T201 (a script reporting to its user)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
