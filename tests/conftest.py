"""Shared fixtures: seeded generators, the path to the shared real data, and a sealed home.

No test may write outside its temporary directory. Libraries write under ``$HOME`` (neyman's
Parquet cache in ``~/.cache/neyman``, matplotlib's font cache, torch hub), so before any test
module is imported this file points ``HOME``, the XDG directories and neyman's own cache and
data directories at one temporary directory for the whole session, removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: the session's stand-in for the user's home; every per-user directory points inside it
SESSION_HOME = Path(tempfile.mkdtemp(prefix="neyman-test-home-"))
SEALED_ENV = {
    "HOME": SESSION_HOME,
    "XDG_CACHE_HOME": SESSION_HOME / ".cache",
    "XDG_CONFIG_HOME": SESSION_HOME / ".config",
    "XDG_DATA_HOME": SESSION_HOME / ".local" / "share",
    "NEYMAN_CACHE_DIR": SESSION_HOME / ".cache" / "neyman" / "tables",
    "NEYMAN_DATA_DIR": SESSION_HOME / ".cache" / "neyman" / "data",
    "MPLCONFIGDIR": SESSION_HOME / ".config" / "matplotlib",
    "TORCH_HOME": SESSION_HOME / ".cache" / "torch",
}
for _name, _value in SEALED_ENV.items():
    os.environ[_name] = str(_value)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not present at {SHARED_DATA}")
    return SHARED_DATA
