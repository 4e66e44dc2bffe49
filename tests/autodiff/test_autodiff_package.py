"""Package-level promises: it stands alone, its public names exist, its examples run."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

import neyman.autodiff

SRC = Path(neyman.autodiff.__file__).parent
MODULES = ["value", "trace", "dot", "optim", "nn"]


@pytest.mark.parametrize("path", sorted(SRC.glob("*.py")), ids=lambda p: p.name)
def test_imports_nothing_else_of_neyman(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names = [node.module or ""]
        for name in names:
            if name == "neyman" or name.startswith("neyman."):
                assert name.startswith("neyman.autodiff"), f"{path.name} imports {name}"


def test_public_names() -> None:
    for name in neyman.autodiff.__all__:
        assert hasattr(neyman.autodiff, name), name
    assert {"Var", "trace", "to_dot", "render", "SGD", "Adam", "MLP"} <= set(
        neyman.autodiff.__all__
    )


@pytest.mark.parametrize("name", ["", *MODULES])
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module("neyman.autodiff" + (f".{name}" if name else ""))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
