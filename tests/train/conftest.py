"""Fixtures shared by the training tests."""

from __future__ import annotations

import numpy as np
import pytest

from tests._fixtures import one_torch_thread

__all__ = ["one_torch_thread", "rng"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)
