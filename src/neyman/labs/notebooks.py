"""Every lab as a Jupyter notebook, generated from the lab module so the two never drift.

A notebook holds the module's docstring (the exercise) as Markdown, the module's code (the
worked solution) as one cell, and a cell that runs it with quick settings. Regenerate with
``python -m neyman.labs.notebooks examples/labs``; a test checks the files are current.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from neyman.labs import LAB_MODULES, list_labs

__all__ = ["lab_notebook", "notebook_json", "write_notebooks"]


def _lines(text: str) -> list[str]:
    parts = text.splitlines(keepends=True)
    if parts:
        parts[-1] = parts[-1].rstrip("\n")
    return parts


def lab_notebook(name: str) -> dict[str, Any]:
    """The notebook (nbformat 4 as a dict) for lab ``name``."""
    module = importlib.import_module(f"neyman.labs.{LAB_MODULES[name]}")
    source = inspect.getsource(module)
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    body = source
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        body = "".join(source.splitlines(keepends=True)[first.end_lineno :]).lstrip("\n")

    def md(text: str) -> dict[str, Any]:
        return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}

    def code(text: str) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": _lines(text),
        }

    return {
        "cells": [
            md(f"# Lab `{name}`\n\n{doc}\n\nRun from a terminal with `neyman lab {name}`."),
            code(body.rstrip() + "\n"),
            md("Run the worked solution (quick settings; drop `quick=True` for the full run):"),
            code(
                "from pathlib import Path\n\n"
                'result = run(quick=True, out=Path("figures"))\nresult.answers\n'
            ),
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_json(name: str) -> str:
    """The notebook of lab ``name`` as the exact text written to disk."""
    return json.dumps(lab_notebook(name), indent=1, ensure_ascii=False) + "\n"


def write_notebooks(directory: Path) -> list[Path]:
    """Write ``<lab>.ipynb`` for every installed lab into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, _ in list_labs():
        path = directory / f"{name}.ipynb"
        path.write_text(notebook_json(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in write_notebooks(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/labs")):
        print(p)  # noqa: T201
