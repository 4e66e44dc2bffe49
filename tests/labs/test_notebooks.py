"""Every lab has a notebook in examples/labs, one step per cell, in sync with its module;
two small ones are executed here, with their figures shown (not closed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neyman.errors import ConfigError
from neyman.labs import list_labs
from neyman.labs.notebooks import execute_notebook, lab_cells, lab_notebook, write_notebooks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labs"
LABS = [name for name, _ in list_labs()]
REGEN = "run: make notebooks (or python -m neyman.labs.notebooks examples/labs NAME)"


def _sources(nb: dict[str, object]) -> list[tuple[str, str]]:
    cells = nb["cells"]
    assert isinstance(cells, list)
    out = []
    for c in cells:
        src = c["source"]
        out.append((c["cell_type"], src if isinstance(src, str) else "".join(src)))
    return out


@pytest.mark.parametrize("name", LABS)
def test_notebook_is_in_sync(name: str) -> None:
    path = EXAMPLES / f"{name}.ipynb"
    assert path.is_file(), f"missing {path}; {REGEN}"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert _sources(stored) == _sources(lab_notebook(name)), f"{path} is stale; {REGEN}"


@pytest.mark.parametrize("name", LABS)
def test_one_step_per_cell_and_cells_compile(name: str) -> None:
    nb = lab_notebook(name)
    steps = lab_cells(name)
    kinds = [c["cell_type"] for c in nb["cells"]]
    # title, setup, then markdown/code for each step
    assert kinds == ["markdown", "code"] + ["markdown", "code"] * len(steps)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            lines = [ln for ln in src.splitlines() if not ln.startswith("%")]
            compile("\n".join(lines), "<cell>", "exec")


def test_unknown_lab_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'charges'") as err:
        write_notebooks(tmp_path, ["charge"], execute=False)
    assert err.value.key == "charge"


@pytest.mark.parametrize("name", ["activations", "backprop"])
def test_notebook_executes_with_figures_inline(name: str, tmp_path: Path) -> None:
    pytest.importorskip("nbclient")
    nb = execute_notebook(lab_notebook(name), tmp_path)
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "figures were closed before being shown"
    # nothing is written next to the notebook: without out= a lab writes no file
    assert list(tmp_path.iterdir()) == []
