"""Fixtures shared by the training tests."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tests._fixtures import one_torch_thread

__all__ = ["compile_cache_in_tmp", "one_torch_thread", "rng"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


@pytest.fixture(autouse=True, scope="session")
def compile_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled kernels go to a temporary directory, never the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEYMAN_CACHE_DIR", str(tmp_path_factory.mktemp("neyman-cache")))
        yield
