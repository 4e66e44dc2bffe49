"""Lab decision-boundaries: a 3x3 accuracy table, every entry above 0.75, and the figure."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from neyman.errors import ConfigError
from neyman.labs import decision_boundaries, get_lab


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("decision_boundaries")
    buf = io.StringIO()
    result = decision_boundaries.run(quick=True, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("decision-boundaries") is decision_boundaries


def test_accuracy_table(lab_run: Any) -> None:
    a = lab_run[0].answers
    acc = np.asarray(a["accuracy"])
    assert acc.shape == (3, 3)
    assert a["datasets"] == ["moons", "circles", "linearly separable"]
    assert a["classifiers"] == ["decision tree", "MLP", "XGBoost"]
    assert np.all(acc > 0.75), acc
    assert np.all(acc <= 1.0)
    # accuracies are fractions of 120 test events
    np.testing.assert_allclose(acc * 120, np.round(acc * 120), atol=1e-9)
    assert a["accuracy_stat_error"] == pytest.approx(np.sqrt(0.85 * 0.15 / 120), rel=1e-12)


def test_figure_and_options(lab_run: Any) -> None:
    result, text, _ = lab_run
    assert "test accuracy" in text
    assert [p.name for p in result.figures] == ["decision_boundaries.png"]
    assert result.figures[0].read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ConfigError, match="takes no option 'dta'; did you mean 'data'"):
        decision_boundaries.run(quick=True, console=Console(file=io.StringIO()), dta="x")
