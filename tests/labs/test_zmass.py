"""Lab zmass: the formula on every CMS event, the parameter count, the comparison table."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from scipy.stats import pearsonr
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error

from neyman.errors import ConfigError, DataError
from neyman.labs import get_lab, zmass
from tests.conftest import SHARED_DATA

CMS = SHARED_DATA / "cms_dielectron_2010_sample.csv"
MODELS = ("raw", "units", "features")


@pytest.fixture(scope="module")
def cms_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path, Any]:
    if not CMS.is_file():
        pytest.skip(f"shared data not present at {CMS}")
    out = tmp_path_factory.mktemp("zmass")
    buf = io.StringIO()
    console = Console(file=buf, width=140)
    answers = zmass.compute(quick=True, console=console, data=str(CMS))  # what run() does
    result = zmass.render(answers, out, console)
    return result, buf.getvalue(), out, answers


def test_registered_as_a_lab() -> None:
    assert get_lab("zmass") is zmass
    assert "\n" not in zmass.SUMMARY


def test_formula_agrees_with_recorded_mass_on_every_cms_event(cms_run: Any) -> None:
    a = cms_run[0].answers
    assert a["n_events"] == 1412
    # the file's own numbers, read independently of neyman, in float64
    frame = pd.read_csv(CMS)
    cols = [frame[c].to_numpy() for c in ("pt1", "eta1", "phi1", "pt2", "eta2", "phi2")]
    m = zmass.z_mass(*cols)
    rel = np.abs(m / frame["M"].to_numpy() - 1.0)
    assert rel.max() < 5e-4  # 0.05% on every event (README: 0.013%)
    assert a["formula_max_rel_diff"] < 5e-4
    assert a["formula_max_rel_diff"] == pytest.approx(rel.max(), rel=0.05)  # float32 inputs
    assert a["formula_vs_library_max_rel"] < 1e-12


def test_z_mass_exact_values() -> None:
    # back to back at η = 0: M = pT1 + pT2; and M² = 2 pT² (cosh 1 − cos 0) for Δη = 1, Δφ = 0
    one = np.array([1.0])
    assert zmass.z_mass(45 * one, 0 * one, 0 * one, 45 * one, 0 * one, np.pi * one)[0] == (
        pytest.approx(90.0, rel=1e-15)
    )
    expected = np.sqrt(2 * 40.0 * 50.0 * (np.cosh(1.0) - 1.0))
    got = zmass.z_mass(40 * one, 0.3 * one, 1 * one, 50 * one, -0.7 * one, 1 * one)[0]
    assert got == pytest.approx(expected, rel=1e-14)


def test_network_has_10901_parameters(cms_run: Any) -> None:
    a = cms_run[0].answers
    assert a["n_parameters"] == 6 * 100 + 100 + 100 * 100 + 100 + 100 + 1 == 10_901
    assert a["n_parameters_engineered"] == 3 * 100 + 100 + 100 * 100 + 100 + 101
    net = zmass.build_network()
    assert net.hidden == (100, 100)
    assert net.output == "linear"
    assert net.loss == "mse"
    # the sheet trains with plain SGD (Keras' SGD(): lr 0.01, no momentum)
    assert (net.optimizer, net.momentum, net.lr) == ("sgd", 0.0, 0.01)


def test_raw_sgd_divergence_is_reported(cms_run: Any) -> None:
    a, text = cms_run[0].answers, cms_run[1]
    assert a["lr"] == 0.01
    if a["raw_diverged"]:
        assert a["raw_diverged"][0] == 0.01
        assert a["raw_lr"] < min(a["raw_diverged"])
        assert "diverged" in text
    else:
        assert a["raw_lr"] == 0.01


def test_question_d_why_zero_mean_and_no_large_values(cms_run: Any) -> None:
    a, text = cms_run[0].answers, cms_run[1]
    frame = pd.read_csv(CMS)
    # pT in GeV is the largest raw input, angles the smallest; units of 100 GeV shrink pT
    assert a["scales_raw"]["rms_max"] > 5 * a["scales_raw"]["rms_min"]
    assert a["scales_units"]["rms_max"] < 2.5
    assert a["scales_raw"]["rms_max"] == pytest.approx(
        np.sqrt(np.mean(frame[["pt1", "pt2"]].to_numpy() ** 2, axis=0)).max(), rel=0.15
    )
    assert "why a mean near 0, why no large values" in text


def test_input_scales_counts_units_that_never_bend() -> None:
    rng = np.random.default_rng(3)
    centred = rng.normal(size=(2000, 6))
    far = centred + 1000.0
    # inputs far from zero: w·mean dominates, every ReLU is on or off for all events
    assert zmass.input_scales(far, 0)["units_without_kink"] > 0.95
    assert zmass.input_scales(centred, 0)["units_without_kink"] < 0.05
    assert zmass.input_scales(far, 0)["mean_abs_max"] == pytest.approx(1000.0, abs=0.2)


def test_comparison_table_on_held_out_events(cms_run: Any) -> None:
    result, text, out, _ = cms_run
    a = result.answers
    assert a["n_test"] == 353  # a quarter of 1,412, never trained on
    assert a["n_train"] + a["n_test"] == 1412
    # every figure of merit recomputed from the held-out masses and the predictions
    y, preds = cms_run[3].y_test, cms_run[3].preds
    assert len(y) == a["n_test"]
    for key in MODELS:
        m, sq = a["models"][key], (preds[key] - y) ** 2
        assert m["mse"] == pytest.approx(mean_squared_error(y, preds[key]), rel=1e-12)
        assert m["mse_error"] == pytest.approx(sq.std(ddof=1) / np.sqrt(len(sq)), rel=1e-9)
        assert m["bias"] == pytest.approx(np.mean(preds[key] - y), rel=1e-6, abs=1e-9)
        assert m["rmse"] == pytest.approx(np.sqrt(m["mse"]), rel=1e-9)
    gain_u = a["models"]["raw"]["mse"] / a["models"]["units"]["mse"]
    gain_f = a["models"]["units"]["mse"] / a["models"]["features"]["mse"]
    assert a["gain_units"] == pytest.approx(gain_u, rel=1e-12)
    assert a["gain_features"] == pytest.approx(gain_f, rel=1e-12)
    # the verdict follows from paired MSE differences with their standard errors
    helped = {"units": a["units_helped"], "features": a["features_helped"]}
    if not any(helped.values()):
        assert a["mattered_more"] == "neither"
    else:
        gains = {"units": gain_u, "features": gain_f}
        assert a["mattered_more"] == max((k for k in helped if helped[k]), key=gains.__getitem__)
    # the mean-of-training baseline and the linear fit ("what it learned" compares to them),
    # recomputed with NumPy and scikit-learn on the same split of the same file
    from neyman.datasets import cms_dielectron

    train, _, test = cms_dielectron(str(CMS)).split(test=0.25, random_state=20261125)
    y_train, y_test = np.asarray(train.y, np.float64), np.asarray(test.y, np.float64)
    np.testing.assert_array_equal(y_test, y)
    assert a["baseline_mse"] == pytest.approx(np.mean((y_test - y_train.mean()) ** 2), rel=1e-9)
    linear = LinearRegression().fit(np.asarray(train.X, np.float64), y_train)
    want = mean_squared_error(y_test, linear.predict(np.asarray(test.X, np.float64)))
    assert a["raw_linear_mse"] == pytest.approx(want, rel=1e-4)  # float32 vs float64 inputs
    assert a["raw_corr_true"] == pytest.approx(pearsonr(preds["raw"], y).statistic, rel=1e-9)
    for label in ("(c) raw", "(d) units", "(e) features", "10,901", "Units of 100 GeV divided"):
        assert label in text
    assert sorted(p.name for p in result.figures) == ["formula_check.png", "predicted_vs_true.png"]
    assert all(p.stat().st_size > 1000 for p in result.figures)


def test_generated_events_units_help(tmp_path: Path) -> None:
    result = zmass.run(quick=True, console=Console(file=io.StringIO()), rows=2000)
    a = result.answers
    assert a["source"].startswith("generated")
    # the generated mass is the formula of the generated electrons (float32 storage)
    assert a["formula_max_rel_diff"] < 1e-6
    # measuring pT and M in units of 100 GeV is what lets the raw-GeV network learn at all
    assert a["models"]["units"]["mse"] < a["models"]["raw"]["mse"]
    assert a["mattered_more"] in {"units", "features"}


def test_missing_file_names_it_and_the_url(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"dielectron\.csv.*opendata\.cern\.ch") as err:
        zmass.run(quick=True, console=Console(file=io.StringIO()), data=str(tmp_path / "no.csv"))
    # the advice fits both worlds: the CLI flag and the Python keyword
    assert "neyman lab zmass --data FILE" in str(err.value)
    assert "data='FILE'" in str(err.value)
    assert err.value.path is not None and err.value.path.endswith("no.csv")


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="no option 'dta'; did you mean 'data'"):
        zmass.run(quick=True, dta="x")
    with pytest.raises(ConfigError, match="rows"):
        zmass.run(quick=True, rows=5)


@pytest.fixture(scope="module")
def small_answers() -> Any:
    return zmass.compute(quick=True, console=Console(file=io.StringIO()), rows=400, epochs=1)


@pytest.mark.parametrize(
    ("gain", "lowered", "raised", "want"),
    [
        (4.5, True, False, "the engineered features divided it by a further 4.5;"),
        (0.7, False, True, "the engineered features raised it by a factor 1.4;"),
        (
            0.95,
            False,
            False,
            "the engineered features raised it by a factor 1.1 (not significant);",
        ),
        (
            1.05,
            False,
            False,
            "the engineered features divided it by a further 1.1 (not significant);",
        ),
    ],
)
def test_verdict_sentence_follows_the_ratio_and_its_sign(
    small_answers: Any, gain: float, lowered: bool, raised: bool, want: str
) -> None:
    # an MSE ratio below 1 is a worse MSE: it used to read "divided it by a further 0.7"
    # and "(not significant)" even when the rise was beyond 2 standard errors
    a = replace(
        small_answers,
        gain_units=2.0,
        units_helped=True,
        units_hurt=False,
        gain_features=gain,
        features_helped=lowered,
        features_hurt=raised,
    )
    buf = io.StringIO()
    zmass.render(a, None, Console(file=buf, width=400))
    text = buf.getvalue()
    assert "Units of 100 GeV divided the MSE by 2.0;" in text
    assert want in text
    assert "by a further 0." not in text


def test_paired_verdicts_are_two_sided(small_answers: Any) -> None:
    a = small_answers
    y, p = a.y_test, a.preds
    for before, after, better, worse in (
        ("raw", "units", a.units_helped, a.units_hurt),
        ("units", "features", a.features_helped, a.features_hurt),
    ):
        d = (p[before] - y) ** 2 - (p[after] - y) ** 2
        err = d.std(ddof=1) / np.sqrt(len(d))
        assert better == bool(d.mean() > 2 * err)
        assert worse == bool(d.mean() < -2 * err)


def test_raw_network_against_the_mean_is_computed_and_said(cms_run: Any) -> None:
    a = cms_run[3]
    y = np.asarray(a.y_test, dtype=np.float64)
    # the recorded baseline is the MSE of the constant training mean on the test events
    assert a.raw_vs_mean in ("worse", "better", "compatible")
    if a.models["raw"]["mse"] > a.baseline_mse + 2 * a.models["raw"]["mse_error"]:
        assert a.raw_vs_mean == "worse"
    assert zmass.mean_verdict(a.raw_vs_mean) in " ".join(cms_run[1].split())
    assert y.size == a.n_test


def test_mean_verdict_words() -> None:
    assert "worse than predicting the training mean" in zmass.mean_verdict("worse")
    assert "no better than predicting the training mean" in zmass.mean_verdict("compatible")
    assert "below that of predicting the training mean" in zmass.mean_verdict("better")
