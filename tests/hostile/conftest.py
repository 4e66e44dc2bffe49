"""Saved models shared by the hostile cases (fitted once per session, copied per case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.workspace import build_models


@pytest.fixture(scope="session")
def saved_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_models(tmp_path_factory.mktemp("hostile-models"))
