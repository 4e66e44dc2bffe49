"""Plot-test helpers: render a figure once to a temporary PNG and check it was written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from matplotlib.figure import Figure


@pytest.fixture
def render(tmp_path: Path) -> Callable[[Figure], Path]:
    def _render(fig: Figure) -> Path:
        assert isinstance(fig, Figure)
        path = tmp_path / f"figure{len(list(tmp_path.iterdir()))}.png"
        fig.savefig(path, dpi=40)
        assert path.stat().st_size > 1000
        return path

    return _render
