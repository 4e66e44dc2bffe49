"""Lab anomaly: a background-only autoencoder's score against a supervised BDT."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from neyman.errors import ConfigError, DataError
from neyman.labs import anomaly, get_lab
from neyman.models import MLPRegressor
from tests.conftest import SHARED_DATA

MAGIC = SHARED_DATA / "magic04.data"


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("anomaly")
    buf = io.StringIO()
    result = anomaly.run(quick=True, out=out, console=Console(file=buf, width=100))
    return result, buf.getvalue(), out


def test_registered_as_a_lab() -> None:
    assert get_lab("anomaly") is anomaly
    assert "\n" not in anomaly.SUMMARY


def test_anomaly_score_finds_signal_and_supervised_is_better(
    generated_run: tuple[Any, str, Path],
) -> None:
    a = generated_run[0].answers
    assert a["source"] == "generated"
    assert a["n_train_background"] == 700  # 70 % of the 1,000 background events
    assert a["n_test"] == 600
    # quick run: anomaly 0.858, supervised 0.976
    assert a["auc_anomaly"] > 0.7
    assert a["auc_supervised"] > a["auc_anomaly"] + 0.05
    # the signal is reconstructed worse than the background it was never trained on
    assert a["median_error"]["signal"] > 2 * a["median_error"]["background"]


def test_autoencoder_is_a_multi_output_regressor() -> None:
    ae = anomaly.make_autoencoder(quick=True)
    assert isinstance(ae, MLPRegressor)
    X = np.random.default_rng(0).normal(size=(200, 5)).astype(np.float32)
    ae.set_params(epochs=2).fit(X, X)
    assert ae.predict(X).shape == (200, 5)
    # 5-8-2-8-5: parameters counted by hand
    assert ae.n_parameters_ == (5 * 8 + 8) + (8 * 2 + 2) + (2 * 8 + 8) + (8 * 5 + 5)


def test_figures(generated_run: tuple[Any, str, Path]) -> None:
    result, text, out = generated_run
    assert "supervised BDT" in text
    assert sorted(p.name for p in result.figures) == ["errors.png", "roc.png"]
    for p in result.figures:
        assert p.parent == out
        assert p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_magic_hadrons_as_background() -> None:
    if not MAGIC.is_file():
        pytest.skip(f"{MAGIC} not present")
    buf = io.StringIO()
    a = anomaly.run(quick=True, data=str(MAGIC), console=Console(file=buf, width=100)).answers
    assert a["source"] == "MAGIC"
    assert a["n_test"] == 1200
    assert a["auc_supervised"] > 0.85  # quick: 0.903
    assert a["auc_supervised"] > a["auc_anomaly"] + 0.3
    # Gammas are compact showers inside the hadrons' dense core, so a hadron-only
    # autoencoder reconstructs them no worse than hadrons: no useful anomaly score
    # (quick: 0.441; full: see docs/labs/anomaly.md). Measured, not hoped for.
    assert abs(a["auc_anomaly"] - 0.5) < 0.1
    lo, hi = a["auc_anomaly_interval"]
    assert a["verdict"] == anomaly.anomaly_verdict(lo, hi)
    assert a["verdict"] in buf.getvalue()


def test_verdict_follows_the_interval() -> None:
    assert anomaly.anomaly_verdict(0.55, 0.6).startswith("finds the signal")
    assert anomaly.anomaly_verdict(0.40, 0.48).startswith("inverted")
    assert anomaly.anomaly_verdict(0.45, 0.53).startswith("cannot tell")


def test_intervals_and_paired_difference(generated_run: tuple[Any, str, Path]) -> None:
    a = generated_run[0].answers
    for key in ("anomaly", "supervised"):
        lo, hi = a[f"auc_{key}_interval"]
        assert lo < a[f"auc_{key}"] < hi
    d = a["supervised_minus_anomaly"]
    assert d["value"] == pytest.approx(a["auc_supervised"] - a["auc_anomaly"], abs=1e-9)
    assert d["low"] > 0  # the supervised BDT is better beyond the paired interval
    assert a["verdict"].startswith("finds the signal")


def test_missing_data_and_bad_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEYMAN_OFFLINE", "1")
    console = Console(file=io.StringIO())
    with pytest.raises(DataError, match="magic04.data"):
        anomaly.run(quick=True, console=console, data=str(tmp_path / "magic04.data"))
    with pytest.raises(ConfigError, match="no option 'dat'; did you mean 'data'"):
        anomaly.run(quick=True, console=console, dat="x")
