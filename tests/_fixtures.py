"""Fixtures shared by several test folders (imported by their conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from threadpoolctl import threadpool_limits

__all__ = ["one_torch_thread"]


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny problems run faster on one thread (no OpenMP/BLAS hand-offs on a shared machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(before)
