"""Data tests never write a cache outside their temporary directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _cache_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEYMAN_CACHE_DIR", str(tmp_path_factory.mktemp("neyman-cache")))
