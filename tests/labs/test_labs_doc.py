"""docs/labs.md is generated (tools/labs_doc.py): it must match its pages and recorded runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_labs_md_is_regenerated() -> None:
    spec = importlib.util.spec_from_file_location("labs_doc", ROOT / "tools" / "labs_doc.py")
    assert spec is not None and spec.loader is not None
    labs_doc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(labs_doc)
    expected = labs_doc.render()
    actual = (ROOT / "docs" / "labs.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/labs.md is out of date: run python tools/labs_doc.py"
