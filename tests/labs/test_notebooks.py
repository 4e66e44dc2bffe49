"""Every lab has a notebook in examples/labs that matches its module (regenerate if not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neyman.labs import list_labs
from neyman.labs.notebooks import lab_notebook, notebook_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labs"
LABS = [name for name, _ in list_labs()]


@pytest.mark.parametrize("name", LABS)
def test_notebook_is_in_sync(name: str) -> None:
    path = EXAMPLES / f"{name}.ipynb"
    assert path.is_file(), f"missing {path}; run: python -m neyman.labs.notebooks examples/labs"
    assert path.read_text(encoding="utf-8") == notebook_json(name), (
        f"{path} is stale; run: python -m neyman.labs.notebooks examples/labs"
    )


def test_notebook_cells_compile() -> None:
    nb = lab_notebook(LABS[0])
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            compile("".join(cell["source"]), "<cell>", "exec")
    assert json.loads(notebook_json(LABS[0]))["nbformat"] == 4


def test_lab_list_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from neyman.cli import main

    assert main(["lab", "list"]) == 0
    out = capsys.readouterr().out
    for name in LABS:
        assert name in out
