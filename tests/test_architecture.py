"""Arrows point down only: each subpackage imports just the layers ARCHITECTURE.md allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "neyman"

ALLOWED: dict[str, set[str]] = {
    "_util": {"errors", "_util"},  # the shared bottom: helpers several layers need
    "data": {"errors", "_util", "data"},
    "datasets": {"errors", "_util", "data", "datasets"},
    "train": {"errors", "_util", "train"},
    "models": {"errors", "_util", "data", "train", "models"},
    "evaluate": {"errors", "_util", "evaluate"},
    "plot": {"errors", "_util", "evaluate", "plot"},
    "autodiff": {"autodiff"},
    "generate": {"errors", "_util", "data", "datasets", "generate"},
    "labs": {
        "errors",
        "_util",
        "data",
        "datasets",
        "models",
        "train",
        "evaluate",
        "plot",
        "autodiff",
        "generate",
        "labs",
    },
    "study": {
        "errors",
        "_util",
        "data",
        "datasets",
        "models",
        "train",
        "evaluate",
        "plot",
        "study",
        "",
    },
    # scale-out (Dask, DDP) runs the study's pipeline on workers: it sits beside study
    "scale": {"errors", "_util", "data", "models", "train", "study", "scale"},
}


def _neyman_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name == "neyman":
                found.add("")
            elif name.startswith("neyman."):
                found.add(name.split(".")[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layering(package: str) -> None:
    for path in sorted((SRC / package).rglob("*.py")):
        bad = _neyman_imports(path) - ALLOWED[package]
        assert not bad, f"{path.relative_to(SRC)} imports neyman.{', neyman.'.join(sorted(bad))}"


def test_labs_use_no_private_modules() -> None:
    for path in sorted((SRC / "labs").glob("*.py")):
        if path.name.startswith("_") or path.name == "notebooks.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("neyman.")
                and node.module != "neyman.labs._base"  # the lab framework itself
            ):
                parts = node.module.split(".")
                private = [p for p in parts if p.startswith("_")]
                assert not private, f"{path.name} imports private {node.module}"
