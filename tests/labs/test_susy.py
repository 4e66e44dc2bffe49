"""Lab susy: three AUCs from a file in the exact UCI schema, and the missing-data message."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import roc_auc_score

from neyman.errors import ConfigError, DataError
from neyman.labs import get_lab, susy

N_EVENTS = 4000


def write_uci_susy(path: Path, n: int, seed: int) -> None:
    """Header-less gzip CSV: label, then 8 low-level and 10 high-level features.

    Signal differs from background in two low-level columns (lepton 1 pT, MET) and two
    high-level ones (M_R, MT2), so each feature group alone carries information.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 18))
    X[:, [0, 6]] += 0.8 * y[:, None]
    X[:, [10, 13]] += 0.8 * y[:, None]
    with gzip.open(path, "wt") as f:
        for label, row in zip(y, X, strict=True):
            f.write(f"{float(label):.18e}," + ",".join(f"{v:.18e}" for v in row) + "\n")


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    tmp = tmp_path_factory.mktemp("susy")
    path = tmp / "SUSY.csv.gz"
    write_uci_susy(path, N_EVENTS, seed=7)
    buf = io.StringIO()
    result = susy.run(
        quick=True,
        out=tmp / "out",
        console=Console(file=buf, width=120),
        data=str(path),
        rows=N_EVENTS - 500,
    )
    return result, buf.getvalue(), tmp


def test_registered_as_a_lab() -> None:
    assert get_lab("susy") is susy
    assert "\n" not in susy.SUMMARY


def test_three_aucs_and_accuracies(lab_run: tuple[Any, str, Path]) -> None:
    result, text, _ = lab_run
    a = result.answers
    assert a["n_train"] + a["n_test"] == N_EVENTS - 500  # --rows is honoured
    assert a["n_features"] == {"all": 18, "low": 8, "high": 10}
    for key in ("all", "low", "high"):
        assert 0.5 < a["auc"][key] <= 1.0
        assert 0.5 < a["accuracy"][key] <= 1.0
        assert f"{a['auc'][key]:.4f}" in text
    # Each group has two shifted columns out of 8 or 10; all features have four. The Bayes
    # AUC of two (four) independent 0.8-sigma shifts is Φ(0.8·√2/√2) = 0.79 (0.87), so the
    # trained networks land near those; all features must beat either group alone.
    assert a["auc"]["all"] > max(a["auc"]["low"], a["auc"]["high"])
    assert a["auc"]["low"] > 0.7 and a["auc"]["high"] > 0.7
    assert a["high_level_gain"] == pytest.approx(a["auc"]["all"] - a["auc"]["low"], abs=1e-12)


def test_network_shape_and_parameter_count(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    assert a["n_parameters"]["all"] == 18 * 200 + 200 + 200 * 100 + 100 + 100 * 2 + 2 == 24_102
    assert a["n_parameters"]["low"] == 8 * 200 + 200 + 20_100 + 202
    assert a["n_parameters"]["high"] == 10 * 200 + 200 + 20_100 + 202
    net = susy.build_network()
    assert (net.hidden, net.output, net.loss, net.optimizer) == (
        (200, 100),
        "softmax",
        "cross_entropy",
        "sgd",
    )


def test_auc_agrees_with_sklearn_on_the_roc_figure(lab_run: tuple[Any, str, Path]) -> None:
    result = lab_run[0]
    assert [p.name for p in result.figures] == ["roc.png"]
    assert result.figures[0].stat().st_size > 1000
    # the AUC helper used by the lab is the same number sklearn computes
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = rng.normal(size=500) + y
    from neyman.evaluate import auc

    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_missing_file_names_it_and_the_url(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"SUSY\.csv\.gz"):
        susy.run(quick=True, console=Console(file=io.StringIO()), data=str(tmp_path / "x.gz"))


def test_no_data_and_no_generator_says_where_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "neyman.generate", None)  # as if the extra were absent
    with pytest.raises(DataError) as info:
        susy.run(quick=True, console=Console(file=io.StringIO()))
    message = str(info.value)
    assert "SUSY.csv.gz" in message
    assert "https://archive.ics.uci.edu/ml/machine-learning-databases/00279/SUSY.csv.gz" in message
    assert "\n" not in message


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="no option 'row'; did you mean 'rows'"):
        susy.run(quick=True, row=5)
    with pytest.raises(ConfigError, match="rows"):
        susy.run(quick=True, rows="many")


def test_verdict_follows_from_the_paired_error(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    gain, err = a["high_level_gain"], a["high_level_gain_error"]
    assert err > 0
    if gain > 2 * err:
        assert a["verdict"] == "adds"
    elif gain < -2 * err:
        assert a["verdict"] == "less"
    else:
        assert a["verdict"] in {"nothing", "cannot tell"}
    for key in ("all", "low", "high"):
        acc = a["accuracy"][key]
        assert a["accuracy_error"][key] == pytest.approx(np.sqrt(acc * (1 - acc) / a["n_test"]))


def test_auc_difference_on_a_constructed_case() -> None:
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 2000)
    better = rng.normal(size=4000) + 1.5 * y
    same = better + rng.normal(scale=1e-9, size=4000)  # the same ranking
    worse = rng.normal(size=4000) + 0.5 * y
    gain, err = susy.auc_difference(y, better, worse)
    assert gain == pytest.approx(roc_auc_score(y, better) - roc_auc_score(y, worse), abs=1e-12)
    assert gain > 5 * err  # a large, certain gain
    tie, tie_err = susy.auc_difference(y, better, same)
    assert abs(tie) <= 2 * tie_err + 1e-9  # no gain where there is none
