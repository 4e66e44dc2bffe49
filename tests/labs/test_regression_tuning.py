"""Lab regression-tuning: the search table, best parameters and RMSEs against oracles."""

from __future__ import annotations

import io
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from neyman.datasets import cms_dielectron
from neyman.errors import ConfigError, DataError
from neyman.labs import get_lab, regression_tuning
from tests.conftest import SHARED_DATA

CMS = SHARED_DATA / "cms_dielectron_2010_sample.csv"
SEED = 20261125


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    if not CMS.is_file():
        pytest.skip(f"shared data not present at {CMS}")
    out = tmp_path_factory.mktemp("regression_tuning")
    buf = io.StringIO()
    result = regression_tuning.run(
        quick=True, out=out, console=Console(file=buf, width=140), data=str(CMS)
    )
    return result, buf.getvalue(), out


def test_registered_as_a_lab() -> None:
    assert get_lab("regression-tuning") is regression_tuning
    assert "\n" not in regression_tuning.SUMMARY


def test_best_model_beats_the_baselines(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    assert a["rmse_best"] < a["rmse_mean"]
    # the mass is far from linear in pT, η, φ: a tuned network beats a straight line too
    assert a["rmse_best"] < a["rmse_linear"]
    assert a["rmse_hand"] < a["rmse_mean"]
    assert 0 < a["rmse_best_err"] < a["rmse_best"]
    assert 0 < a["rmse_hand_err"] < a["rmse_hand"]
    # the verdict follows from the paired MSE difference and its error, not from a coin flip
    d, err = a["tuning_difference"]
    if d == 0.0 and err == 0.0:  # both tunings chose the same setting
        assert a["best_params"] == a["hand"][a["hand_best"]]["params"]
        assert "same network" in a["better_tuning"]
    else:
        assert a["better_tuning"] == (
            "grid search" if d < -2 * err else "hand tuning" if d > 2 * err else
            "neither (within 2 standard errors on these events)"
        )  # fmt: skip
    # the mean of per-event squared-error differences is the difference of the two MSEs
    assert d == pytest.approx(a["rmse_best"] ** 2 - a["rmse_hand"] ** 2, rel=1e-9, abs=1e-9)


def test_lecture_recipe(lab_run: tuple[Any, str, Path]) -> None:
    """Borsato's exercise 3: 64-64 + RMSprop, 4-fold validation, a second loss."""
    result, text, _ = lab_run
    recipe = result.answers["recipe"]
    assert set(recipe) == {"mse", "mae"}
    for r in recipe.values():
        assert len(r["fold_mae"]) == regression_tuning.RECIPE_FOLDS == 4
        assert r["cv_mae"] == pytest.approx(np.mean(r["fold_mae"]), rel=1e-12)
        assert r["cv_mae_std"] == pytest.approx(np.std(r["fold_mae"], ddof=1), rel=1e-12)
        assert r["test_mae"] <= r["test_rmse"]  # |e| averages below sqrt(mean e²)
        assert 0 < r["test_mae_err"] < r["test_mae"]
        assert r["test_rmse"] < result.answers["rmse_mean"]
    assert "4. The lecture's recipe" in text and "absolute error (mae)" in text
    model = regression_tuning._recipe_model("mae", 3, 0)
    params = model.get_params()
    assert params[f"{regression_tuning.PREFIX}hidden"] == (64, 64)
    assert params[f"{regression_tuning.PREFIX}optimizer"] == "rmsprop"
    assert params[f"{regression_tuning.PREFIX}loss"] == "mae"
    assert params[f"{regression_tuning.PREFIX}activation"] == "relu"


def test_paired_difference_and_verdict() -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(size=500)
    a, b = y + 0.5 * rng.normal(size=500), y + 1.0 * rng.normal(size=500)
    d = regression_tuning._paired(y, a, b, "abs")
    per = np.abs(a - y) - np.abs(b - y)
    assert d == pytest.approx((per.mean(), per.std(ddof=1) / np.sqrt(500)), rel=1e-12)
    assert regression_tuning._which(d, "a", "b") == "a"
    assert regression_tuning._which((0.1, 0.2), "a", "b").startswith("neither")
    assert regression_tuning._which((0.5, 0.2), "a", "b") == "b"
    assert "same network" in regression_tuning._which((0.0, 0.0), "a", "b")


def test_rmse_error_is_the_delta_method_value() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=400)
    pred = y + rng.normal(scale=2.0, size=400)
    sq = (pred - y) ** 2
    expected = np.std(sq, ddof=1) / np.sqrt(400) / (2 * np.sqrt(sq.mean()))
    assert regression_tuning._rmse_err(y, pred) == pytest.approx(expected, rel=1e-12)
    # Gaussian residuals: the RMSE's error is sigma / sqrt(2n) to within its own noise
    assert regression_tuning._rmse_err(y, pred) == pytest.approx(2.0 / np.sqrt(800), rel=0.15)


def test_baselines_against_independent_computation(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    train, _, test = cms_dielectron(CMS).split(val=0.2, test=0.2, random_state=SEED)
    assert (a["n_train"], a["n_test"]) == (train.n_events, test.n_events)
    assert a["n_train"] + a["n_val"] + a["n_test"] == 1412
    y_tr, y_te = np.asarray(train.y, float), np.asarray(test.y, float)
    assert a["rmse_mean"] == pytest.approx(np.sqrt(np.mean((y_te - y_tr.mean()) ** 2)), rel=1e-9)
    lin = LinearRegression().fit(train.X.astype(float), y_tr).predict(test.X.astype(float))
    assert a["rmse_linear"] == pytest.approx(np.sqrt(np.mean((lin - y_te) ** 2)), rel=1e-4)


def test_search_table_covers_the_grid(lab_run: tuple[Any, str, Path]) -> None:
    result, text, _ = lab_run
    a = result.answers
    space = regression_tuning.grid(quick=True)
    # every tuned dimension is in the grid: layers/neurons, activation, lr, weight_decay
    assert {k.removeprefix(regression_tuning.PREFIX) for k in space} == {
        "hidden",
        "activation",
        "lr",
        "weight_decay",
    }
    assert len({len(h) for h in space[f"{regression_tuning.PREFIX}hidden"]}) == 2  # 1 and 2 layers
    expected = {tuple(sorted(zip(space, combo, strict=True))) for combo in product(*space.values())}
    got = {
        tuple(
            sorted(
                (regression_tuning.PREFIX + k, tuple(v) if isinstance(v, list) else v)
                for k, v in r["params"].items()
            )
        )
        for r in a["search"]  # answers are plain values: the tuple (32,) is the list [32]
    }
    assert got == expected
    best = min(a["search"], key=lambda r: r["cv_rmse"])
    assert best["rank"] == 1
    assert best["params"] == a["best_params"]
    assert a["best_cv_rmse"] == pytest.approx(best["cv_rmse"], rel=1e-12)
    assert [r["rank"] for r in a["search"]] == sorted(r["rank"] for r in a["search"])
    assert a["hand_best"] == int(np.argmin([h["val_rmse"] for h in a["hand"]]))
    hand_choice = a["hand"][a["hand_best"]]["params"]
    in_grid = [r["rank"] for r in a["search"] if r["params"] == hand_choice]
    assert a["hand_choice_cv_rank"] == (in_grid[0] if in_grid else None)
    for label in ("GridSearchCV", "best parameters", "predict the training mean"):
        assert label in text
    assert [p.name for p in result.figures] == ["predicted_vs_true.png"]


def test_model_is_a_clonable_sklearn_estimator() -> None:
    model = regression_tuning.make_model(epochs=3, hidden=(8,), lr=1e-2)
    twin = clone(model)
    assert twin.get_params()[f"{regression_tuning.PREFIX}hidden"] == (8,)
    assert twin.get_params()[f"{regression_tuning.PREFIX}epochs"] == 3


def test_missing_file_names_it_and_the_url(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"dielectron\.csv.*opendata\.cern\.ch"):
        regression_tuning.run(quick=True, data=str(tmp_path / "none.csv"))


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="no option 'dat'; did you mean 'data'"):
        regression_tuning.run(quick=True, dat="x")
    with pytest.raises(ConfigError, match="rows"):
        regression_tuning.run(quick=True, rows=True)


@pytest.fixture(scope="module")
def quick_answers() -> Any:
    return regression_tuning.compute(quick=True, console=Console(file=io.StringIO()))


@pytest.mark.parametrize(
    ("rmse", "mae", "want"),
    [
        ("mse", "mae", ["the smaller test RMSE comes from mse", "the smaller test MAE comes "
                        "from mae", "here it does."]),
        ("neither (within 2 standard errors on these events)", "mae",
         ["neither loss gives a smaller test RMSE (within 2 standard errors)",
          "the smaller test MAE comes from mae (beyond 2 standard errors)",
          "here half of it holds: the absolute-error loss wins on MAE, but neither wins on "
          "RMSE"]),
    ],
)  # fmt: skip
def test_recipe_sentence_reads_for_a_tie(
    quick_answers: Any, rmse: str, mae: str, want: list[str]
) -> None:
    # a tie used to print "the smaller test RMSE comes from neither (within 2 standard
    # errors ...) ... (paired differences beyond 2 standard errors)"
    from dataclasses import replace

    a = replace(quick_answers, recipe_rmse_winner=rmse, recipe_mae_winner=mae)
    buf = io.StringIO()
    regression_tuning.render(a, None, Console(file=buf, width=1000))
    line = next(t for t in buf.getvalue().splitlines() if t.startswith("Another loss"))
    for w in want:
        assert w in line
    assert "comes from neither" not in line


def test_own_metric_sentence_says_which_half_holds() -> None:
    f = regression_tuning.own_metric_sentence
    assert f("mse", "mae") == "here it does."
    # the student's case: absolute-error loss wins on MAE, RMSE a tie
    half = f("tie", "mae")
    assert half.startswith("here half of it holds:")
    assert "the absolute-error loss wins on MAE" in half
    assert "neither wins on RMSE (within 2 standard errors)" in half
    assert "does not show" not in half
    assert "the squared-error loss wins on RMSE" in f("mse", "tie")
    assert f("tie", "tie") == "on these test events, after this much training, that does not show."
    wrong = f("mae", "tie")
    assert wrong.startswith("here it does not hold:") and "against the expectation" in wrong


def test_printed_own_metric_sentence(lab_run: tuple[Any, str, Path]) -> None:
    a = lab_run[0].answers
    sentence = regression_tuning.own_metric_sentence(
        a["recipe_rmse_winner"], a["recipe_mae_winner"]
    )
    assert sentence in " ".join(lab_run[1].split())
