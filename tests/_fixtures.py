"""Fixtures shared by several test folders (imported by their conftest.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_limits

__all__ = ["one_torch_thread", "resign_model"]


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny problems run faster on one thread (no OpenMP/BLAS hand-offs on a shared machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(before)


def resign_model(model: Path) -> None:
    """Recompute a model directory's checksums after an edit, as a tool rewriting it would:
    its files then agree with their record, and only the load-time checks can catch the edit."""
    from neyman.models.base import _canonical, _sha256

    doc = json.loads((model / "model.json").read_text())
    files = {n: _sha256(model / n) for n in doc["integrity"]["files"]}
    body = {k: v for k, v in doc.items() if k != "integrity"}
    doc["integrity"]["files"] = files
    doc["integrity"]["document"] = hashlib.sha256(
        _canonical(body, files).encode("ascii")
    ).hexdigest()
    (model / "model.json").write_text(json.dumps(doc))
