"""The test session never writes into the user's home."""

from __future__ import annotations

import os
from pathlib import Path

from neyman.data.cache import cache_dir
from tests.conftest import SEALED_ENV, SESSION_HOME


def test_home_and_caches_point_into_the_session_directory() -> None:
    assert Path.home() == SESSION_HOME
    assert Path("~").expanduser() == SESSION_HOME
    for name, value in SEALED_ENV.items():
        assert os.environ[name] == str(value), name
        assert SESSION_HOME in Path(os.environ[name]).parents or Path(value) == SESSION_HOME
    assert SESSION_HOME in cache_dir().parents
