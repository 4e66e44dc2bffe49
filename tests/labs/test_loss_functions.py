"""Lab loss-functions: learned functions against the exact mean, median, mode and L4 minimiser."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from scipy import integrate, optimize, stats

from neyman.errors import ConfigError
from neyman.labs import _base, get_lab, loss_functions


@pytest.fixture(scope="module")
def answers() -> Any:
    return loss_functions.compute(quick=True, console=Console(file=io.StringIO()))


@pytest.fixture(scope="module")
def lab_run(answers: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("loss_functions")
    buf = io.StringIO()
    result = loss_functions.render(answers, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("loss-functions") is loss_functions


def test_fourth_power_minimiser_against_direct_minimisation() -> None:
    # oracle: minimise E[(Y - f)^4] for Y ~ Gamma(2, 1) by quadrature + scalar minimisation
    def risk(f: float) -> float:
        return float(integrate.quad(lambda y: (y - f) ** 4 * stats.gamma.pdf(y, 2.0), 0, np.inf)[0])

    best = optimize.minimize_scalar(
        risk, bounds=(0.0, 6.0), method="bounded", options={"xatol": 1e-8}
    )
    assert loss_functions.fourth_power_factor() == pytest.approx(best.x, abs=1e-5)


def test_learned_functions_match_their_statistics(lab_run: Any) -> None:
    a = lab_run[0].answers
    f = a["factors"]
    assert f["median"] == pytest.approx(stats.gamma.median(2.0), rel=1e-12)
    assert f["mode"] == 1.0 and f["mean"] == 2.0
    assert a["targets"] == {
        "mse": "mean",
        "mae": "median",
        "zero_one": "mode",
        "fourth_power": "fourth_power",
    }
    # max relative deviation from the exact c·θ(x) over x in [0.1, 0.9] (20k events, quick)
    tol = {"mse": 0.10, "mae": 0.10, "zero_one": 0.12, "fourth_power": 0.10}
    for loss, err in a["max_rel_error"].items():
        assert err < tol[loss], (loss, err)
    assert a["bce_mean_abs_error"] < 0.04  # cross-entropy learns E[Y|x] = x²


def test_classifier_output_gives_the_likelihood_ratio(lab_run: Any) -> None:
    a = lab_run[0].answers
    assert a["prior_ratio"] == 2.0
    assert a["llr_mean_abs_error"] < 0.25
    assert a["llr_max_abs_error"] < 0.8


def test_printed_and_figure(lab_run: Any) -> None:
    result, text, _ = lab_run
    assert "What each loss learns" in text
    assert "c³ - 6c² + 18c - 24 = 0" in text
    assert [p.name for p in result.figures] == ["losses.png"]


def test_legend_names_are_readable_and_beside_the_curves(
    lab_run: Any, answers: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Legends say "0-1 loss", not the code name zero_one, and do not cover the events."""
    result, text, _ = lab_run
    assert "0-1 loss" in text and "zero_one" not in text and "fourth_power" not in text
    seen: list[Any] = []
    monkeypatch.setattr(_base, "save_figure", lambda fig, *args, **kw: seen.append(fig))
    loss_functions.render(answers, out=tmp_path, console=Console(file=io.StringIO()))
    fig = seen[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for code, name in loss_functions.LOSS_NAMES.items():
        assert f"{name} (learned)" in labels
        assert not any(code in label for label in labels)
    assert "exact mode" in labels and "exact 4th-power minimiser" in labels
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1


def test_bad_options() -> None:
    console = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="no option 'rowz'; did you mean 'rows'"):
        loss_functions.run(quick=True, console=console, rowz=5)
    with pytest.raises(ConfigError, match="'rows' of lab loss-functions must be an int"):
        loss_functions.run(quick=True, console=console, rows="many")
